"""Reading the imports' record: the last import saved (the admin's home), and its whole report (the import page)."""
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.imports.models import ImportRun
from portfolio.imports.report import Anomaly, ImportReport, Tally


def last_run() -> ImportRun | None:
    """The latest import saved, without its list of anomalies (one statement)."""
    return db.session.scalars(select(ImportRun).order_by(ImportRun.finished_at.desc(), ImportRun.id.desc()).limit(1)).first()


def report_of(run: ImportRun) -> ImportReport:
    """The report the import page showed when the run was made, rebuilt from its record."""
    report = ImportReport(source=run.source, files_read=run.files_read, seconds=run.milliseconds / 1000)
    for kind, tally in (run.records or {}).items():
        if kind in report.records:
            report.records[kind] = Tally(**tally)
    report.anomalies = [Anomaly(**anomaly) for anomaly in run.anomalies or []]
    return report
