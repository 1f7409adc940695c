"""Benchmark (not a test): the PDF of a 6-review committee on the ×10 portfolio; target ≤ 2 s.

    .venv/bin/python benchmarks/pack_pdf.py [--scale 10] [--times 5]

Builds a SQLite database like benchmarks/run.py (migrations, demo, `demo generate --scale N`),
schedules a committee reviewing the 6 startups with the most indicators, then times the
loading and rendering of its pack (`pack_pdf`) a few times, printing the median and the worst.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import prepare_database  # noqa: E402

CODE = r'''
import statistics, sys, time
from datetime import time as time_, timedelta
from sqlalchemy import func, select
from flask_login import login_user
from wsgi import app
from portfolio.accounts.models import User
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.dossier import load_meeting
from portfolio.governance.pack_pdf import pack_pdf
from portfolio.startups.models import Indicator, Startup
from portfolio.timeutil import today_in_paris
times = int(sys.argv[1])
with app.test_request_context():
    admin = db.session.scalar(select(User).where(User.email.like("admin%")).limit(1)) or db.session.scalar(select(User).limit(1))
    login_user(admin)
    startups = db.session.scalars(select(Startup).outerjoin(Indicator).group_by(Startup.id).order_by(func.count(Indicator.id).desc(), Startup.id).limit(200)).all()
    meeting = operations.schedule_meeting("investment_committee", today_in_paris() + timedelta(days=30), time_(14, 0), admin, title="Comité de benchmark", location="Salle 1")
    errors, added = [], 0
    for startup in startups:
        if added == 6:
            break
        try:
            with db.session.begin_nested():
                operations.add_review(meeting, startup)
            added += 1
        except operations.GovernanceError as error:
            errors.append(str(error))
            continue  # a stopped startup no longer goes to committee
    db.session.commit()
    db.session.expire_all()
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        pdf = pack_pdf(load_meeting(meeting.id), today_in_paris(), admin)
        durations.append(time.perf_counter() - started)
    print(f"{len(errors)} stopped startups skipped", file=sys.stderr)
    print(f"{len(load_meeting(meeting.id).reviews)} reviews, {len(pdf)} bytes; median {statistics.median(durations):.2f} s, worst {max(durations):.2f} s, first {durations[0]:.2f} s")
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--times", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = prepare_database("sqlite", args.scale, Path(workdir))
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        result = subprocess.run([sys.executable, "-c", CODE, str(args.times)], env=env, capture_output=True, text=True,
                                cwd=env["PYTHONPATH"], timeout=1200)
        print(result.stdout.strip() or result.stderr[-3000:])


if __name__ == "__main__":
    main()
