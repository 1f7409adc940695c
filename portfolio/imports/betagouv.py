"""Import of the beta.gouv.fr registry (startups/, incubators/, organisations/): the one entry point the
CLI (`flask import betagouv PATH`) and the admin's upload page both call.

Read and parse every file, turn each into a clean record (reporting anomalies), write what changed
(audited, as the given actor), then commit — or roll back for a simulation. Rerunning it on the same
files changes nothing.
"""
from datetime import date
from time import perf_counter
from typing import Callable

from sqlalchemy.exc import IntegrityError

from portfolio.audit.tracking import acting_as, described
from portfolio.database import refresh_planner_statistics
from portfolio.extensions import db
from portfolio.imports.apply import apply_records
from portfolio.imports.models import ImportRun
from portfolio.imports.records import incubator_record, organisation_record, startup_record
from portfolio.imports.report import ImportReport
from portfolio.imports.source import FOLDERS, RawFile, RegistryError, parse_registry
from portfolio.timeutil import today_in_paris

ACTOR_LABEL = "import betagouv"
REASON = "Import du registre beta.gouv.fr"

__all__ = ["ACTOR_LABEL", "RegistryError", "import_registry", "run_import"]


def import_registry(
    raw_files: list[RawFile],
    report: ImportReport,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Write the registry into the session (flushed, not committed)."""
    started = perf_counter()
    today = today or today_in_paris()
    registry = parse_registry(raw_files, report, progress)
    organisations = [organisation_record(file, report) for file in registry.organisations]
    incubators = [incubator_record(file, report) for file in registry.incubators]
    startups = [startup_record(file, report, today) for file in registry.startups]
    apply_records(organisations, incubators, startups, report, progress)
    _committee_history(report)
    order = {folder: position for position, folder in enumerate(FOLDERS)}
    report.anomalies.sort(key=lambda anomaly: (order.get(anomaly.file.split("/", 1)[0], 99), anomaly.file))
    report.seconds = perf_counter() - started
    return report


def _committee_history(report: ImportReport) -> None:
    """The registry's `committee` events become past investment-committee reviews (governance)."""
    from portfolio.governance.registry import reviews_from_registry_committees

    committees = reviews_from_registry_committees()
    tally = report.records["committee_reviews"]
    tally.created += committees.created
    tally.unchanged += committees.already_present


def run_import(
    raw_files: list[RawFile],
    source: str,
    user=None,
    dry_run: bool = False,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import and commit (or roll back when `dry_run`), the writes attributed to `user` or to the importer."""
    started = perf_counter()
    report = ImportReport(source=source, dry_run=dry_run)
    actor = acting_as(user) if user is not None else acting_as(label=ACTOR_LABEL)
    try:
        with actor, described(reason=REASON):
            import_registry(raw_files, report, today=today, progress=progress)
    except IntegrityError:
        db.session.rollback()
        raise RegistryError(
            "La base a changé pendant l’import (un autre import en même temps ?) : rien n’a été enregistré, relancez-le."
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        _record_run(report, user, perf_counter() - started)
        db.session.commit()
        if report.changed:
            refresh_planner_statistics()
    report.seconds = perf_counter() - started  # the commit included: it is part of what the person waits for
    return report


def _record_run(report: ImportReport, user, seconds: float) -> None:
    """Keep the import's account in its own transaction: saved with what it imported, or not at all."""
    db.session.add(ImportRun(
        source=report.source[:500],
        actor_id=user.id if user is not None else None,
        actor_label=user.name if user is not None else ACTOR_LABEL,
        files_read=report.files_read,
        milliseconds=round(seconds * 1000),
        records={kind: tally.as_dict() for kind, tally in report.records.items()},
        anomaly_count=len(report.anomalies),
        anomalies_by_kind=report.anomalies_by_kind,
        anomalies=[anomaly.as_dict() for anomaly in report.anomalies],
    ))
