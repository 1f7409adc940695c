"""The benchmark suite: a 10× portfolio served by gunicorn, measured with wrk over loopback.

For each database (SQLite, and PostgreSQL when reachable) it builds a fresh database with the
migrations, loads the demo and `flask demo generate --scale N`, starts gunicorn with several
workers, logs in as the demo admin, and measures each page three ways, each beside the trivial
`/bench/hello` route measured the same way in the same run:
- repeated: wrk repeating the page's request (p50/p95 latency, throughput);
- after a write: the page's first request right after a write, alone (median of 5);
- mixed: wrk on the page while a writer posts a real change through the UI every 2 s (a
  milestone, then a phase change, on other startups), as people do.
Then the full CSV export, the reminder sweeps and the registry import; with `--list-scale 30`,
the portfolio list again on a 30× portfolio under the mixed load, to show how its cost grows.
It prints a table and writes everything to a JSON file. Budgets are reported, not asserted.

    .venv/bin/python benchmarks/run.py [--scale 10] [--list-scale 30] [--duration 10] [--workers 4]
        [--databases sqlite,postgresql]
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
import threading
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
AFTER_WRITE_BUDGET = 6.0
WRITE_INTERVAL_S = 2.0


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
    from portfolio.status.models import StartupStatus
    # Startups the writer changes (not the measured one): a phase change each, once; none with a
    # phase planned ahead (a change dated today before it is refused, rightly).
    writable = db.session.scalars(select(Startup.slug).join(StartupStatus, StartupStatus.startup_id == Startup.id)
                                  .where(StartupStatus.phase == "investigation", StartupStatus.next_phase.is_(None),
                                         Startup.slug != slug)
                                  .order_by(Startup.id).limit(400)).all()
    meeting = db.session.scalar(select(Meeting.id).join(Review).group_by(Meeting.id)
                                .order_by(func.count(Review.id).desc(), Meeting.id).limit(1))
    print(json.dumps({"slug": slug, "convention": convention, "meeting": meeting, "writable": writable}))
"""
    ids = json.loads(run_python(env, script, timeout=300))
    return ids, {
        "hello": "/bench/hello",
        "portfolio list": "/startups/",
        "portfolio by phase": "/startups/?phase=construction",
        "portfolio on a date": "/startups/?on=2022-06-30",
        "startup page": f"/startups/{ids['slug']}",
        "convention page": f"/funding/conventions/{ids['convention']}",
        "committee dossier": f"/governance/meetings/{ids['meeting']}/pack",
        "next committees": "/governance/next-committees",
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


class Writer(threading.Thread):
    """Posts a real change through the UI every WRITE_INTERVAL_S, as a coach would, until stopped:
    a milestone, then a phase change (investigation → construction), on other startups each time."""

    def __init__(self, base: str, slugs: list[str]):
        super().__init__(daemon=True)
        self.base, self.slugs = base, list(slugs)
        _, self.opener = login(base)
        self.halt = threading.Event()
        self.writes, self.failures = 0, 0

    def post(self, path: str, fields: dict) -> None:
        page = self.opener.open(self.base + path, timeout=60).read().decode()
        # the form's hidden fields (its CSRF token, the version it was loaded with) come back as loaded
        hidden = {}
        for tag in re.findall(r"<input[^>]*>", page):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if 'type="hidden"' in tag and name:
                hidden[name.group(1)] = value.group(1) if value else ""
        data = urllib.parse.urlencode({**hidden, **fields}).encode()
        try:
            self.opener.open(self.base + path, data=data, timeout=60).read()
            self.writes += 1
        except urllib.error.HTTPError:
            self.failures += 1

    def run(self) -> None:
        today = time.strftime("%Y-%m-%d")
        turn = 0
        while not self.halt.wait(WRITE_INTERVAL_S) and self.slugs:
            slug = self.slugs.pop()
            if turn % 2 == 0:
                self.post(f"/startups/{slug}/milestones/new",
                          {"date": today, "kind": "other", "title": "Point d’étape (benchmark)", "text": ""})
            else:
                self.post(f"/startups/{slug}/phase",
                          {"phase": "construction", "on": today, "reason": "Fin d’investigation (benchmark)",
                           "confirmed": "1"})
            turn += 1

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=60)


def mixed_load(base: str, cookie: str, urls: dict[str, str], slugs: list[str], duration: int, connections: int) -> dict:
    """wrk on each page (hello included) while the writer posts a change every 2 s."""
    results = {}
    for name, path in urls.items():
        writer = Writer(base, slugs[:max(4, int(duration / WRITE_INTERVAL_S) + 2)])
        del slugs[:len(writer.slugs)]
        writer.start()
        try:
            measure = wrk(base + path, cookie, duration, connections)
        finally:
            writer.stop()
        results[name] = {**measure, "writes": writer.writes, "write_failures": writer.failures}
        log(f"  mixed {name}: p50 {measure['p50_ms']:.1f} ms, p95 {measure['p95_ms']:.1f} ms, {writer.writes} writes"
            + (f", {writer.failures} refused" if writer.failures else ""))
    hello = results.get("hello", {}).get("p95_ms")
    for measure in results.values():
        if hello:
            measure["ratio_to_hello_p95"] = round(measure["p95_ms"] / hello, 2)
    return results


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


#: One audited write (a startup's pitch), which changes its status row.
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
    """Each page's first request after a write, alone (no load), in ms, and its ratio to hello's."""
    durations: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        run_python(env, WRITE, 120)
        for name, path in urls.items():
            started = time.perf_counter()
            opener.open(base + path, timeout=120).read()
            durations[name].append((time.perf_counter() - started) * 1000)
    figures = {name: {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1)}
               for name, values in durations.items()}
    hello = figures.get("hello", {}).get("median_ms")
    for figure in figures.values():
        if hello:
            figure["ratio_to_hello"] = round(figure["median_ms"] / hello, 2)
    return figures


def time_sweeps(env: dict, timeout: int) -> dict:
    """One reminder sweep over the whole generated history, one with nothing changed since, and
    one after a single write (the rules are evaluated again), in seconds."""
    return json.loads(run_python(env, SWEEP, timeout))


def run_list_scale(kind: str, args, workdir: Path) -> dict:
    """The portfolio list on a larger portfolio, under the mixed load (how its cost grows)."""
    log(f"== {kind}, ×{args.list_scale} (list only) ==")
    env = prepare_database(kind, args.list_scale, workdir)
    ids, urls = sample_urls(env)
    server = Server(env, args.workers)
    try:
        cookie, _ = login(server.base)
        wanted = {name: urls[name] for name in ("hello", "portfolio list")}
        return mixed_load(server.base, cookie, wanted, list(ids["writable"]), args.duration, args.connections)
    finally:
        server.stop()
        if kind == "postgresql":
            subprocess.run(["psql", PG_ADMIN, "-qc", "DROP DATABASE IF EXISTS portfolio_bench WITH (FORCE)"])


def run_database(kind: str, args, workdir: Path) -> dict:
    log(f"== {kind} ==")
    env = prepare_database(kind, args.scale, workdir)
    ids, urls = sample_urls(env)
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
        results["mixed"] = mixed_load(server.base, cookie, measured, list(ids["writable"]), args.duration, args.connections)
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
        print(f"{'endpoint':<22} {'repeated p50/p95 ms':>20} {'ratio':>6} {'after write ms':>15} {'ratio':>6} "
              f"{'mixed p50/p95 ms':>17} {'ratio':>6} {'writes (refused)':>16}")
        for name, measure in results["endpoints"].items():
            if "unavailable" in measure:
                print(f"{name:<22} {measure['unavailable']}")
                continue
            fresh = results.get("after_a_write", {}).get(name, {})
            mixed = results.get("mixed", {}).get(name, {})
            mixed_ratio = mixed.get("ratio_to_hello_p95")
            budget = 5.0 if "date" in name else BUDGET_RATIO
            verdict = "" if name == "hello" or mixed_ratio is None else ("" if mixed_ratio <= budget else " OVER")
            fresh_ratio = fresh.get("ratio_to_hello")
            fresh_verdict = "" if fresh_ratio is None or fresh_ratio <= AFTER_WRITE_BUDGET else " OVER"
            print(f"{name:<22} {measure['p50_ms']:>9.1f}/{measure['p95_ms']:<9.1f} {measure.get('ratio_to_hello_p95', '—'):>6} "
                  f"{fresh.get('median_ms', '—'):>15} {str(fresh_ratio) + fresh_verdict:>6} "
                  f"{mixed.get('p50_ms', 0):>8.1f}/{mixed.get('p95_ms', 0):<8.1f} {str(mixed_ratio) + verdict:>6} "
                  f"{str(mixed.get('writes', '—')) + ' (' + str(mixed.get('write_failures', 0)) + ')':>16}")
        if results.get("list_scale"):
            larger = results["list_scale"]
            print(f"portfolio list at ×{report['list_scale']} under the mixed load: p95 "
                  f"{larger['portfolio list']['p95_ms']:.1f} ms (×{report['scale']}: "
                  f"{results['mixed']['portfolio list']['p95_ms']:.1f} ms), ratio to hello "
                  f"{larger['portfolio list'].get('ratio_to_hello_p95')}")
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
    parser.add_argument("--list-scale", type=int, default=30, help="the list measured again at this scale (0: not)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sweep-timeout", type=int, default=300, help="seconds before the sweep measure gives up")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it)")
    report = {"scale": args.scale, "list_scale": args.list_scale, "workers": args.workers, "connections": args.connections,
              "duration_s": args.duration, "cpus": os.cpu_count(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            if kind == "postgresql" and not postgresql_reachable():
                log("PostgreSQL unreachable: skipped")
                continue
            report["databases"][kind] = run_database(kind, args, Path(tmp) / kind)
            if args.list_scale:
                report["databases"][kind]["list_scale"] = run_list_scale(kind, args, Path(tmp) / f"{kind}-large")
        report["registry_import"] = registry_import(Path(tmp))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print_table(report)
    print(f"\n{args.out}")


if __name__ == "__main__":
    main()
