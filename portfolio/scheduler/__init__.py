"""The scheduler: one APScheduler 3 process per deployment, run by `flask scheduler run`.

It is never started by `create_app` or `wsgi.py` (each web worker would start its own).
It only ticks: the work of each job lives in its domain, and the rows it writes are the truth.
"""
import importlib
from dataclasses import dataclass
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from portfolio.timeutil import PARIS


@dataclass(frozen=True)
class Job:
    #: Fixed id: a restart replaces the job instead of adding a copy.
    id: str
    func: Callable[[], object]
    seconds_setting: str


#: Jobs registered by the domains, each from a module of JOB_MODULES.
JOBS: list[Job] = []
#: The modules that append their job to JOBS when imported (by `build_scheduler`, not before).
JOB_MODULES = ("portfolio.reminders.jobs", "portfolio.status.jobs")


def build_scheduler(app: Flask, scheduler_class=BlockingScheduler):
    for module in JOB_MODULES:
        importlib.import_module(module)
    scheduler = scheduler_class(
        timezone=PARIS,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for job in JOBS:
        scheduler.add_job(
            _in_app_context(app, job.func),
            trigger="interval",
            seconds=app.config[job.seconds_setting],
            id=job.id,
            name=job.id,
            replace_existing=True,
        )
    return scheduler


def _in_app_context(app: Flask, func):
    def run():
        with app.app_context():
            return func()

    run.__name__ = getattr(func, "__name__", "job")
    return run
