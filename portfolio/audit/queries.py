"""Reading the audit trail: one object's history, and the admin's filtered log."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, or_, select

from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import object_key
from portfolio.extensions import db
from portfolio.timeutil import PARIS


def history_of(*objects, limit: int = 200) -> list[AuditEvent]:
    """Events about these objects, newest first (an object page shows its own history)."""
    keys = [object_key(obj) for obj in objects]
    if not keys:
        return []
    statement = (
        select(AuditEvent)
        .where(or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id == ident) for kind, ident in keys)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def _paris_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)


def filtered_log(
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select:
    """The admin's log: filters by object, person and Paris calendar days (both inclusive)."""
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if object_type:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEvent.object_id == object_id)
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        statement = statement.where(AuditEvent.at >= _paris_midnight_utc(since))
    if until is not None:
        statement = statement.where(AuditEvent.at < _paris_midnight_utc(until + timedelta(days=1)))
    return statement


def object_types() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)))
