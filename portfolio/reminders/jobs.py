"""The reminders' scheduled job: a sweep every REMINDER_SWEEP_SECONDS, under a fixed id.

Importing this module registers the job in portfolio.scheduler.JOBS (once: Python imports a
module once); the scheduler imports it when it is built.
"""
from flask import current_app

from portfolio.reminders.sweep import run_sweep
from portfolio.scheduler import JOBS, Job

JOB_ID = "reminders-sweep"


def sweep_job() -> None:
    result = run_sweep()
    current_app.logger.info(
        "reminders sweep: %s claimed, %s sent, %s failed in %ss",
        result.claimed, result.sent, result.failed, result.seconds,
    )


if not any(job.id == JOB_ID for job in JOBS):
    JOBS.append(Job(id=JOB_ID, func=sweep_job, seconds_setting="REMINDER_SWEEP_SECONDS"))
