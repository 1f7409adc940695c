"""Correcting and removing a fait marquant, and the page of a startup's milestones: the rules that
the milestone views call (logging one is `operations.log_milestone`). The audit trail records each
correction and removal by itself (mapper events)."""
from datetime import date

from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.startups.models import MILESTONE_KINDS, Measurement, Milestone, Startup
from portfolio.startups.operations import StartupError, touch


def correct_milestone(milestone: Milestone, on: date | None, kind: str, title: str, text: str | None) -> bool:
    """Set the milestone's date, type, title and text; False when nothing changed. The indicator
    values logged with it keep their own dates (correct them on the indicator)."""
    if on is None:
        raise StartupError("Indiquez la date du fait marquant.")
    if kind not in MILESTONE_KINDS:
        raise StartupError(f"Type de fait marquant inconnu : {kind}.")
    title = (title or "").strip()
    if not title:
        raise StartupError("Le titre du fait marquant est obligatoire.")
    text = (text or "").strip() or None
    values = {"date": on, "kind": kind, "title": title, "text": text}
    if all(getattr(milestone, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(milestone, name, value)
    db.session.flush()
    touch(milestone.startup)
    return True


def remove_milestone(milestone: Milestone) -> None:
    """Remove the milestone; the indicator values logged with it stay, as plain measurements."""
    startup = milestone.startup
    for measurement in db.session.scalars(select(Measurement).where(Measurement.milestone_id == milestone.id)):
        measurement.milestone_id = None
    startup.milestones.remove(milestone)
    db.session.flush()
    touch(startup)


def milestone_count(startup: Startup) -> int:
    return db.session.scalar(select(func.count()).select_from(Milestone).where(Milestone.startup_id == startup.id))


def milestones_page(startup: Startup, page: int, per_page: int):
    """One page of the startup's milestones, newest first (a Flask-SQLAlchemy Pagination)."""
    statement = (
        select(Milestone)
        .where(Milestone.startup_id == startup.id)
        .order_by(Milestone.date.desc(), Milestone.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)
