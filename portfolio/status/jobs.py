"""The status rows' scheduled job: every STATUS_REFRESH_SECONDS, recompute them all when the day has
turned in Paris (planned phases begin, committees pass, startups turn stale, run-outs move).

Importing this module registers the job in portfolio.scheduler.JOBS (once); the scheduler imports
it when it is built."""
from flask import current_app

from portfolio.scheduler import JOBS, Job
from portfolio.status import store

JOB_ID = "status-day-refresh"


def refresh_job() -> None:
    written = store.refresh()
    if written:
        current_app.logger.info("status: %s rows recomputed for the new day", written)


if not any(job.id == JOB_ID for job in JOBS):
    JOBS.append(Job(id=JOB_ID, func=refresh_job, seconds_setting="STATUS_REFRESH_SECONDS"))
