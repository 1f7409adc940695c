"""Benchmark: import the real beta.gouv.fr registry into a fresh database, twice, and print the times.

    .venv/bin/python benchmarks/import_registry.py                       # a fresh SQLite file
    .venv/bin/python benchmarks/import_registry.py postgresql+psycopg://postgres@127.0.0.1:5432/bench

The first run creates everything, the second (same files) must change nothing. A database URL given
here is EMPTIED first (every table dropped, then created again): never point it at real data.
The times include reading the files, parsing, writing with the audit trail, and the commit.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_REGISTRY = ROOT.parent / "shared" / "data" / "betagouv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", help="a database to EMPTY and use (default: a new SQLite file)")
    parser.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, help="the registry folder")
    parser.add_argument("--runs", type=int, default=3, help="fresh databases to measure (the best and worst are shown)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
    os.environ["PORTFOLIO_INSTANCE_PATH"] = str(workdir)
    firsts, seconds = [], []
    for run in range(arguments.runs):
        url = arguments.database_url or f"sqlite:///{workdir / f'bench-{run}.sqlite3'}"
        first, second, summary = measure(url, arguments.registry)
        firsts.append(first)
        seconds.append(second)
        print(f"run {run + 1}: first import {first:.3f} s, second import {second:.3f} s — {summary}", file=sys.stderr)
    dialect = "PostgreSQL" if (arguments.database_url or "").startswith("postgres") else "SQLite"
    print(
        f"{dialect}: first import {min(firsts):.3f}–{max(firsts):.3f} s, "
        f"second (idempotent) import {min(seconds):.3f}–{max(seconds):.3f} s over {arguments.runs} run(s)",
        file=sys.stderr if arguments.json else sys.stdout,
    )
    if arguments.json:
        print(json.dumps({
            "database": dialect, "runs": arguments.runs,
            "first_import_s": [round(min(firsts), 3), round(max(firsts), 3)],
            "second_import_s": [round(min(seconds), 3), round(max(seconds), 3)],
        }))


def measure(url: str, registry: Path) -> tuple[float, float, str]:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from portfolio import create_app
    from portfolio.audit.models import AuditEvent
    from portfolio.extensions import db
    from portfolio.imports.betagouv import run_import
    from portfolio.imports.source import raw_files_from_directory

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()  # the schema as deployments build it
        timings, cpu = [], []
        for _ in range(2):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = run_import(raw_files_from_directory(registry), source=str(registry))
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            db.session.expunge_all()  # a new command starts with an empty session
        first = report.records
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        summary = (
            f"CPU of this process {cpu[0]:.3f} s then {cpu[1]:.3f} s; second run: {first['startups'].unchanged} startups unchanged, "
            f"{sum(t.created + t.updated for t in first.values())} changes; {events} audit events; "
            f"{len(report.anomalies)} anomalies"
        )
        db.session.remove()
        db.engine.dispose()
    return timings[0], timings[1], summary


if __name__ == "__main__":
    main()
