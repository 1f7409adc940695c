"""The registry's FAST grants (`fast: {promotion, montant}`) become Grant rows: the 46 of the real
registry, summed from the files themselves; a second import changes nothing; a changed amount
updates the grant (audited); an odd shape is reported in French and imports nothing."""
import re
import shutil
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.funding.grants import Grant
from portfolio.startups.models import Startup

from test_import_betagouv import REGISTRY_DAY, run_import, raw_files_from_directory

REGISTRY = next(
    path for path in (Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv",
                      Path("/work/shared/data/betagouv")) if path.exists()
)
FAST = re.compile(r"^fast:\n\s+promotion: (\d+)\n\s+montant: (\d+)", re.MULTILINE)


def _import(path: Path):
    report = run_import(raw_files_from_directory(path), source=str(path), today=REGISTRY_DAY)
    db.session.commit()
    return report


def _registry_fast() -> dict[str, tuple[int, Decimal]]:
    found = {}
    for path in (REGISTRY / "startups").glob("*.md"):
        match = FAST.search(path.read_text(encoding="utf-8").split("\n---", 1)[0])
        if match:
            found[path.stem] = (int(match[1]), Decimal(match[2]))
    return found


def _grants() -> dict[str, tuple[int, Decimal]]:
    rows = db.session.execute(select(Startup.slug, Grant.promotion, Grant.amount_eur).join(Grant.startup))
    return {slug: (promotion, amount) for slug, promotion, amount in rows}


def test_the_real_registry_gives_46_fast_grants_and_a_second_import_changes_nothing(app):
    expected = _registry_fast()
    assert len(expected) == 46
    assert sum(amount for _, amount in expected.values()) == Decimal("8627000")

    report = _import(REGISTRY)
    assert report.records["grants"].created == 46
    assert _grants() == expected
    assert _grants()["1-eleve-1-stage"][1] == Decimal("120000.00")
    assert db.session.scalar(select(func.sum(Grant.amount_eur))) == Decimal("8627000.00")
    assert {grant.kind_label for grant in db.session.scalars(select(Grant))} == {"Subvention FAST"}

    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = _import(REGISTRY)
    assert (again.records["grants"].created, again.records["grants"].updated, again.records["grants"].unchanged) == (0, 0, 46)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def _subset(target: Path, files: dict[str, str]) -> Path:
    for folder in ("organisations", "incubators"):
        shutil.copytree(REGISTRY / folder, target / folder)
    (target / "startups").mkdir()
    for slug, text in files.items():
        (target / "startups" / f"{slug}.md").write_text(text, encoding="utf-8")
    return target


def test_a_changed_amount_updates_the_grant_with_an_audit_event_and_an_odd_shape_is_reported(app, tmp_path):
    original = (REGISTRY / "startups" / "1-eleve-1-stage.md").read_text(encoding="utf-8")
    odd = "---\ntitle: Bizarre\nmission: Tester\nfast: 50000\n---\n"
    _import(_subset(tmp_path / "a", {"1-eleve-1-stage": original, "bizarre": odd}))
    assert _grants() == {"1-eleve-1-stage": (15, Decimal("120000.00"))}

    changed = original.replace("montant: 120000", "montant: 150000")
    report = _import(_subset(tmp_path / "b", {"1-eleve-1-stage": changed, "bizarre": odd}))
    assert report.records["grants"].updated == 1
    assert _grants() == {"1-eleve-1-stage": (15, Decimal("150000.00"))}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "grant", AuditEvent.action == "update")
    ).one()
    assert Decimal(str(event.before["amount_eur"])) == 120000 and Decimal(str(event.after["amount_eur"])) == 150000
    details = [anomaly.detail for anomaly in report.anomalies if anomaly.file.endswith("bizarre.md")]
    assert any("subvention FAST ignorée" in detail for detail in details)


def test_the_fast_grant_shows_on_the_startups_funding_section(app, tmp_path, client, make_user, login):
    original = (REGISTRY / "startups" / "1-eleve-1-stage.md").read_text(encoding="utf-8")
    _import(_subset(tmp_path / "a", {"1-eleve-1-stage": original}))
    login(make_user("admin"))
    page = client.get("/startups/1-eleve-1-stage").get_data(as_text=True)
    assert "Subvention FAST (promotion 15) : 120\u202f000\u00a0€" in page


def test_the_grants_csv_and_the_api_carry_the_fast_grants(app, tmp_path, client, make_user, login):
    import csv
    import io

    original = (REGISTRY / "startups" / "1-eleve-1-stage.md").read_text(encoding="utf-8")
    _import(_subset(tmp_path / "a", {"1-eleve-1-stage": original}))
    login(make_user("finance"))
    response = client.get("/funding/grants.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert [(r["startup"], r["nature"], r["promotion"], r["montant"]) for r in rows] == [
        ("1-eleve-1-stage", "Subvention FAST", "15", "120000.00")
    ]
    grants = client.get("/api/v1/startups/1-eleve-1-stage").get_json()["grants"]
    assert grants == [{"kind": "fast", "label": "Subvention FAST", "promotion": 15, "amount": "120000.00",
                       "source": "Registre beta.gouv.fr"}]
