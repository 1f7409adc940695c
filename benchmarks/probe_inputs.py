"""Probes of issue 16, as a script: on a fresh database (SQLite in a temporary folder, or the
PostgreSQL URL given), loads the demo data and counts the server errors of ids and page numbers of
2^63 on every route with an `<int:>` id and every paginated list, of dates out of range on the
pages taking `on=`/`since=`/`until=`, and the `javascript:` links a registry file gets through
to the startup page and the API; then imports a Debian `zip -r` of the registry and a zip with `../`
entries. Run: .venv/bin/python benchmarks/probe_inputs.py [postgresql+psycopg://…/empty_db]"""
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT.parent / "shared" / "data" / "betagouv"
sys.path.insert(0, str(ROOT))
os.environ["PORTFOLIO_INSTANCE_PATH"] = tempfile.mkdtemp()

from flask_migrate import upgrade  # noqa: E402

from portfolio import create_app  # noqa: E402
from portfolio.extensions import db  # noqa: E402

url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{os.environ['PORTFOLIO_INSTANCE_PATH']}/probe.sqlite3"
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})
app.logger.disabled = True
with app.app_context():
    upgrade()
    from portfolio.audit.tracking import acting_as
    from portfolio.demo.data import load_demo

    with acting_as(label="démo"):
        load_demo()
        db.session.commit()
client = app.test_client()
assert client.post("/login", data={"email": "admin@demo.beta.gouv.fr", "password": "demo-portfolio"}).status_code == 302
codes: Counter = Counter()
errors: list[str] = []


def probe(method: str, path: str, **query) -> None:
    response = client.open(path, method=method, query_string=query or None)
    codes[response.status_code] += 1
    if response.status_code >= 500:
        errors.append(f"{method} {path} {query}")


huge = str(2**63)
for rule in app.url_map.iter_rules():
    ints = [name for name in rule.arguments if type(rule._converters[name]).__name__.endswith("IntegerConverter")]
    if not ints:
        continue
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^>:]+:)?{name}>", huge if name in ints else "x", path)
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        probe(method, path)
for path in ("/startups/", "/funding/", "/governance/", "/audit/", "/admin/users", "/notifications", "/a-faire",
             "/admin/reminders", "/admin/outbox", "/governance/next-committees"):
    for page in (huge, "0", "-1"):
        probe("GET", path, page=page)
for path in ("/startups/", "/startups/export.csv", "/governance/next-committees", "/governance/next-committees.csv",
             "/funding/lines.csv", "/funding/conventions.csv", "/audit/"):
    for day in ("0001-01-01", "9999-12-31"):
        for name in ("on", "since", "until"):
            probe("GET", path, **{name: day})
print(f"ids, pages and dates: {sum(codes.values())} requests, {len(errors)} × 500 {dict(codes)}")
print(*errors[:20], sep="\n")

# The importer: a javascript: link, a Debian zip, entries outside the archive.
from portfolio.imports.betagouv import run_import  # noqa: E402
from portfolio.imports.source import raw_files_from_directory, raw_files_from_zip  # noqa: E402

work = Path(tempfile.mkdtemp())
copy = work / "betagouv"
shutil.copytree(REGISTRY, copy)
target = copy / "startups" / "signaux-faibles.md"
target.write_text(re.sub(r"^link: .*$", "link: 'javascript:alert(1)'", target.read_text(), count=1, flags=re.M))
with app.app_context():
    report = run_import(raw_files_from_directory(copy), source=str(copy))
    links = client.get("/startups/signaux-faibles").get_data(as_text=True).count('href="javascript:')
    links += client.get("/api/startups/signaux-faibles").get_data(as_text=True).count("javascript:")
    print(f"javascript: links rendered after importing one: {links}; reported: "
          f"{sum(1 for a in report.anomalies if 'javascript:' in a.detail)}")
    archive = work / "registre.zip"
    subprocess.run(["zip", "-qr", str(archive), "betagouv"], cwd=REGISTRY.parent, check=True)
    from portfolio.imports.report import ImportReport
    from portfolio.imports.source import parse_registry

    from_zip = {f.slug for f in parse_registry(raw_files_from_zip(archive.read_bytes()), ImportReport()).startups}
    from_dir = {f.slug for f in parse_registry(raw_files_from_directory(REGISTRY), ImportReport()).startups}
    print(f"Debian zip: {len(from_zip ^ from_dir)} startups differ from the folder ({sorted(from_zip ^ from_dir)[:4]})")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as unsafe:
        for name in ("r/organisations/o.md", "r/incubators/i.md", "r/startups/s.md", "r/startups/../../x.md", "../y.md"):
            unsafe.writestr(name, "---\ntitle: x\n---\n")
    report = run_import(raw_files_from_zip(buffer.getvalue()), source="unsafe.zip", dry_run=True)
    print(f"zip with ../ entries: {report.files_read} files read, "
          f"{sum(1 for a in report.anomalies if a.kind == 'unsafe_path')} reported outside the archive")
