"""Every write leaves an audit event, bulk statements included: a Core INSERT, UPDATE or DELETE run
through the session on an audited table must commit with audit events of that table's objects in the
same transaction (the mapper events see ORM writes only). An UPDATE that sets only a model's declared
bookkeeping columns (`__audit_bookkeeping__`) is exempt: its facts have their own events."""
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import Audited, acting_as
from portfolio.extensions import Base, db
from portfolio.reminders.models import Deadline
from portfolio.reminders.sweep import run_sweep
from portfolio.startups import operations
from portfolio.startups.models import Startup

AUDITED = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers if issubclass(mapper.class_, Audited)}
_WRITTEN = "test_bulk_writes"
_FIRST_EVENT = "test_first_event_id"


@contextmanager
def unaudited_bulk_writes():
    """The bulk writes on audited tables committed without an event of their table, as they commit."""
    found: list[str] = []

    def on_execute(state):
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = state.statement.table.name
        model = AUDITED.get(table)
        if model is None:
            return
        if state.is_update:
            columns = _set_columns(state.statement)
            if columns and columns <= model.__audit_bookkeeping__:
                return
        session = state.session
        if _FIRST_EVENT not in session.info:
            session.info[_FIRST_EVENT] = session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        session.info.setdefault(_WRITTEN, set()).add((table, str(state.statement).split("\n")[0]))

    def before_commit(session):
        written = session.info.pop(_WRITTEN, set())
        first = session.info.pop(_FIRST_EVENT, 0)
        if not written:
            return
        session.flush()
        types = set(session.scalars(select(AuditEvent.object_type).where(AuditEvent.id > first)))
        found.extend(
            f"{table}: {statement}" for table, statement in sorted(written) if AUDITED[table].audit_type() not in types
        )

    def after_rollback(session):
        session.info.pop(_WRITTEN, None)
        session.info.pop(_FIRST_EVENT, None)

    listeners = (("do_orm_execute", on_execute), ("before_commit", before_commit), ("after_soft_rollback", after_rollback))
    for name, listener in listeners:
        event.listen(Session, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners:
            event.remove(Session, name, listener)


def _set_columns(statement) -> set[str]:
    """The columns an UPDATE sets (keyed by column or by name)."""
    return {getattr(column, "key", column) for column in (statement._values or {})}


def test_the_checker_sees_a_bulk_update_without_its_event(app, demo):
    with unaudited_bulk_writes() as found:
        db.session.execute(update(Startup).where(Startup.slug == "signaux-faibles").values(name="Renommée en douce"))
        db.session.commit()
    assert found and found[0].startswith("startups: UPDATE startups")


def test_the_sweep_records_the_deadlines_it_opens_updates_and_closes(app, demo):
    now = datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc)
    with unaudited_bulk_writes() as found, acting_as(label="planificateur"):
        first = run_sweep(now)
        opened = db.session.scalars(select(Deadline)).all()
        assert opened
        # A title edited since (the rule will set it back), and a deadline no rule produces any more.
        opened[0].title = "Titre changé"
        settled = Deadline(rule=opened[0].rule, subject="plus-rien", title="Réglée", due_on=date(2026, 12, 1),
                           visible_from=date(2026, 10, 1), created_at=now)
        db.session.add(settled)
        db.session.commit()
        later = run_sweep(now + timedelta(hours=1))
    assert not found, found
    events = dict(db.session.execute(
        select(AuditEvent.action, func.count()).where(AuditEvent.object_type == Deadline.audit_type()).group_by(AuditEvent.action)
    ).all())
    assert events["create"] == db.session.scalar(select(func.count()).select_from(Deadline))
    assert events["update"] == 2 and events["close"] == 1  # the edit, the sweep setting it back; the settled one
    assert db.session.get(Deadline, settled.id).close_reason == "resolved"
    assert not first.generation_skipped and not later.generation_skipped


def test_a_startup_write_touches_it_beside_its_own_event(app, demo):
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    with unaudited_bulk_writes() as found, acting_as(label="test"):
        operations.log_milestone(startup, on=date(2026, 1, 15), kind="other", title="Un fait marquant")
        db.session.commit()
    assert not found
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "milestone", AuditEvent.action == "create")
    ) >= 1
