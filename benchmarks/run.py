"""The benchmark suite: a 10× portfolio served by gunicorn, measured with wrk over loopback.

For each database (SQLite, and PostgreSQL when reachable) it builds a fresh database with the
migrations, loads the demo and `flask demo generate --scale N`, starts gunicorn with several
workers, logs in as the demo admin, and measures each endpoint with wrk (p50/p95 latency,
throughput), the ratio of each p95 to the p95 of the trivial `/bench/hello` route measured in
the same run, each page's first request after a write (what the read cache does not spare), the
full CSV export, the reminder sweeps and the registry import. It prints a table and writes
everything to a JSON file. Budgets are reported, not asserted.

    .venv/bin/python benchmarks/run.py [--scale 10] [--duration 10] [--workers 4] [--databases sqlite,postgresql]
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = ROOT / "benchmarks" / "report.lua"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portfolio_bench"
ADMIN = ("admin@demo.beta.gouv.fr", "demo-portfolio")
BUDGET_RATIO = 3.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str, timeout: int = 600) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_database(kind: str, scale: int, workdir: Path) -> dict:
    env = {**os.environ, "FLASK_APP": "wsgi", "PORTFOLIO_ENV": "development", "BENCHMARK_ROUTES": "1",
           "PORTFOLIO_INSTANCE_PATH": str(workdir / "instance"), "RATELIMIT_ENABLED": "0"}
    if kind == "postgresql":
        subprocess.run(["psql", PG_ADMIN, "-qc", "DROP DATABASE IF EXISTS portfolio_bench WITH (FORCE)"], check=True)
        subprocess.run(["psql", PG_ADMIN, "-qc", "CREATE DATABASE portfolio_bench"], check=True)
        env["DATABASE_URL"] = PG_URL
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    started = time.perf_counter()
    flask(env, "demo", "generate", "--scale", str(scale))
    log(f"  {kind}: portefeuille ×{scale} généré en {time.perf_counter() - started:.1f} s")
    return env


def sample_urls(env: dict) -> dict[str, str]:
    """The objects each page is measured on: the largest of their kind in the synthetic data."""
    script = r"""
import json
from sqlalchemy import func, select
from portfolio import create_app
from portfolio.extensions import db
from portfolio.startups.models import Startup, PhaseSpan, Milestone
from portfolio.funding.models import Convention, FundingLine
from portfolio.governance.models import Meeting, Review
app = create_app()
with app.app_context():
    slug = db.session.scalar(select(Startup.slug).join(Milestone).group_by(Startup.slug)
                             .order_by(func.count(Milestone.id).desc(), Startup.slug).limit(1))
    convention = db.session.scalar(select(Convention.id).order_by(Convention.id).limit(1))
    meeting = db.session.scalar(select(Meeting.id).join(Review).group_by(Meeting.id)
                                .order_by(func.count(Review.id).desc(), Meeting.id).limit(1))
    print(json.dumps({"slug": slug, "convention": convention, "meeting": meeting}))
"""
    ids = json.loads(run_python(env, script, timeout=300))
    return {
        "hello": "/bench/hello",
        "portfolio list": "/startups/",
        "portfolio by phase": "/startups/?phase=construction",
        "portfolio on a date": "/startups/?on=2022-06-30",
        "startup page": f"/startups/{ids['slug']}",
        "convention page": f"/funding/conventions/{ids['convention']}",
        "committee dossier": f"/governance/meetings/{ids['meeting']}/pack",
        "dashboard": "/",
        "to-do": "/a-faire",
    }


class Server:
    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def login(base: str) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": ADMIN[0], "password": ADMIN[1]}).encode()
    opener.open(base + "/login", data=data)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, opener


def wrk(url: str, cookie: str, duration: int, connections: int) -> dict:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", str(LUA),
         "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, timeout=duration + 120,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    return json.loads(line)


def time_requests(opener, url: str, times: int) -> dict:
    durations, size = [], 0
    for _ in range(times):
        started = time.perf_counter()
        size = len(opener.open(url, timeout=120).read())
        durations.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(durations), 3), "max_s": round(max(durations), 3), "bytes": size}


def run_python(env: dict, code: str, timeout: int) -> str:
    """The last line `code` prints, run in the benchmark's environment."""
    try:
        result = subprocess.run(
            [str(BIN / "python"), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"not finished after {timeout} s (stopped)") from None
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"exit code {result.returncode}")
    return result.stdout.strip().splitlines()[-1]


#: One audited write (a startup's pitch), which changes the audit log's version.
ONE_WRITE = """
def one_write():
    startup = db.session.scalar(select(Startup).order_by(Startup.id).limit(1))
    startup.pitch = (startup.pitch or "") + " "
    db.session.commit()
"""

SETUP = r"""
import json, time
from datetime import timedelta
from sqlalchemy import select
from portfolio import create_app
from portfolio.extensions import db
from portfolio.startups.models import Startup
from portfolio.timeutil import utcnow
app = create_app()
""" + ONE_WRITE

WRITE = SETUP + r"""
with app.app_context():
    one_write()
    print("written")
"""

SWEEP = SETUP + r"""
from portfolio.reminders.sweep import run_sweep
with app.app_context():
    now = utcnow()
    figures = {}
    def sweep(name, minutes):
        result = run_sweep(now + timedelta(minutes=minutes))
        figures[name] = result.seconds
        figures[name + "_notifications"] = result.created
    sweep("first", 0)
    sweep("unchanged", 5)
    one_write()
    sweep("after_one_write", 10)
    print(json.dumps(figures))
"""


def time_after_writes(env: dict, opener, base: str, urls: dict[str, str], rounds: int = 5) -> dict:
    """Each page's first request after a write, alone (no load), in ms: what the read cache does not
    spare (wrk repeats one request, so it measures the cached path)."""
    durations: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        run_python(env, WRITE, 120)
        for name, path in urls.items():
            started = time.perf_counter()
            opener.open(base + path, timeout=120).read()
            durations[name].append((time.perf_counter() - started) * 1000)
    return {name: {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1)}
            for name, values in durations.items()}


def time_sweeps(env: dict, timeout: int) -> dict:
    """One reminder sweep over the whole generated history, one with nothing changed since, and
    one after a single write (the rules are evaluated again), in seconds."""
    return json.loads(run_python(env, SWEEP, timeout))


def run_database(kind: str, args, workdir: Path) -> dict:
    log(f"== {kind} ==")
    env = prepare_database(kind, args.scale, workdir)
    urls = sample_urls(env)
    server = Server(env, args.workers)
    results: dict = {"endpoints": {}}
    try:
        cookie, opener = login(server.base)
        for name, path in urls.items():
            try:
                status = opener.open(server.base + path, timeout=120).status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                results["endpoints"][name] = {"path": path, "unavailable": f"HTTP {status}"}
                log(f"  {name}: HTTP {status}, not measured")
                continue
            measure = wrk(server.base + path, cookie, args.duration, args.connections)
            results["endpoints"][name] = {"path": path, **measure}
            log(f"  {name}: p50 {measure['p50_ms']:.1f} ms, p95 {measure['p95_ms']:.1f} ms, {measure['rps']:.0f} req/s")
        hello = results["endpoints"].get("hello", {}).get("p95_ms")
        for measure in results["endpoints"].values():
            if hello and "p95_ms" in measure:
                measure["ratio_to_hello_p95"] = round(measure["p95_ms"] / hello, 2)
        results["csv_export"] = time_requests(opener, server.base + "/startups/export.csv", 5)
        log(f"  full CSV export: {results['csv_export']}")
        measured = {name: path for name, path in urls.items() if "p95_ms" in results["endpoints"].get(name, {})}
        results["after_a_write"] = time_after_writes(env, opener, server.base, measured)
        log(f"  first request after a write: {results['after_a_write']}")
    finally:
        server.stop()
    try:
        results["reminder_sweeps_s"] = time_sweeps(env, args.sweep_timeout)
        log(f"  reminder sweeps: {results['reminder_sweeps_s']}")
    except RuntimeError as error:
        results["reminder_sweeps_s"] = None
        results["reminder_sweep_error"] = (str(error).strip().splitlines() or ["failed"])[-1]
        log(f"  reminder sweeps: {results['reminder_sweep_error']}")
    if kind == "postgresql":
        subprocess.run(["psql", PG_ADMIN, "-qc", "DROP DATABASE IF EXISTS portfolio_bench WITH (FORCE)"])
    return results


def registry_import(workdir: Path) -> dict:
    """The real registry's import, timed by its own script (first run and idempotent second run)."""
    script = ROOT / "benchmarks" / "import_registry.py"
    if not script.exists():
        return {"unavailable": "benchmarks/import_registry.py missing"}
    result = subprocess.run([str(BIN / "python"), str(script), "--json"], cwd=ROOT, capture_output=True, text=True)
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (result.stderr or result.stdout).strip()[-500:]}


def print_table(report: dict) -> None:
    for kind, results in report["databases"].items():
        print(f"\n{kind} — ×{report['scale']}, {report['workers']} workers gunicorn, wrk {report['connections']} connections")
        print(f"{'endpoint':<22} {'p50 ms':>9} {'p95 ms':>9} {'req/s':>8} {'p95/hello':>10} {'budget':>7} "
              f"{'after a write ms':>17}")
        for name, measure in results["endpoints"].items():
            if "unavailable" in measure:
                print(f"{name:<22} {'—':>9} {'—':>9} {'—':>8} {'—':>10}  {measure['unavailable']}")
                continue
            ratio = measure.get("ratio_to_hello_p95")
            verdict = "" if name == "hello" else ("ok" if ratio is not None and ratio <= BUDGET_RATIO else "OVER")
            fresh = results.get("after_a_write", {}).get(name, {}).get("median_ms", "—")
            print(f"{name:<22} {measure['p50_ms']:>9.1f} {measure['p95_ms']:>9.1f} {measure['rps']:>8.0f} "
                  f"{ratio if ratio is not None else '—':>10} {verdict:>7} {fresh:>17}")
        csv = results.get("csv_export", {})
        print(f"full CSV export: median {csv.get('median_s')} s, max {csv.get('max_s')} s ({csv.get('bytes')} bytes); budget 1 s")
        sweeps = results.get("reminder_sweeps_s") or {}
        print(f"reminder sweeps (s): first {sweeps.get('first')} ({sweeps.get('first_notifications')} notifications), "
              f"nothing changed {sweeps.get('unchanged')}, after one write {sweeps.get('after_one_write')}; "
              f"budget 1 s {results.get('reminder_sweep_error', '')}")
    print(f"\nregistry import: {report.get('registry_import')}; budget 2 s")


def postgresql_reachable() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sweep-timeout", type=int, default=300, help="seconds before the sweep measure gives up")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it)")
    report = {"scale": args.scale, "workers": args.workers, "connections": args.connections,
              "duration_s": args.duration, "cpus": os.cpu_count(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            if kind == "postgresql" and not postgresql_reachable():
                log("PostgreSQL unreachable: skipped")
                continue
            report["databases"][kind] = run_database(kind, args, Path(tmp) / kind)
        report["registry_import"] = registry_import(Path(tmp))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print_table(report)
    print(f"\n{args.out}")


if __name__ == "__main__":
    main()
