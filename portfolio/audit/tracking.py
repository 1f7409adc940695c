"""Turns every flushed change of an audited model into an audit event, whoever wrote it.

Writes go through the ORM; mapper events see each inserted, updated and deleted audited
row (orphans included) and queue its event; an `after_flush` listener inserts the queued
events in the same transaction, so a write without its event cannot be committed, and the
commit numbers the log's version up (`log_version`: the reminders' sweep knows by it whether
anything changed since its last generation). The actor is the logged-in user during a request, or whoever
`acting_as` names (CLI commands, imports, the scheduler).
"""
from __future__ import annotations

import contextlib
import contextvars
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Iterator

from flask import g, has_request_context
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session, attributes, object_session

from portfolio.timeutil import utcnow

MASKED = "(masqué)"


class Audited:
    """Mixin: changes to this model's columns are recorded as audit events."""

    #: Columns whose values never appear in the trail (only the fact they changed).
    __audit_masked__: frozenset[str] = frozenset()

    @classmethod
    def audit_type(cls) -> str:
        return cls.__tablename__.removesuffix("s")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)
_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_reason", default=None)
_action: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_action", default=None)
SYSTEM = Actor(None, "système")
_PENDING = "audit_rows"
_WROTE = "audit_log_written"


@contextlib.contextmanager
def acting_as(user=None, label: str | None = None) -> Iterator[None]:
    """Attribute the writes of this block to `user` (or to a labelled system actor)."""
    actor = Actor(user.id, user.name) if user is not None else Actor(None, label or SYSTEM.label)
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def described(action: str | None = None, reason: str | None = None) -> Iterator[None]:
    """Name the updates of this block with a domain verb ("deactivate") and the reason given."""
    action_token, reason_token = _action.set(action), _reason.set(reason or None)
    try:
        yield
    finally:
        _action.reset(action_token)
        _reason.reset(reason_token)


def current_actor() -> Actor:
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        # Only a user Flask-Login already loaded: querying here would run inside the flush.
        user = g.get("_login_user")
        if user is not None and getattr(user, "is_authenticated", False):
            return Actor(user.id, user.name)
    return SYSTEM


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def _shown(obj: Audited, key: str, value: Any) -> Any:
    return MASKED if key in obj.__audit_masked__ and value is not None else jsonable(value)


def _all_values(obj: Audited) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {column.key: _shown(obj, column.key, getattr(obj, column.key)) for column in mapper.column_attrs}


def _changes(obj: Audited) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    state = inspect(obj)
    for column in state.mapper.column_attrs:
        history = attributes.get_history(obj, column.key)
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[column.key] = _shown(obj, column.key, old)
        after[column.key] = _shown(obj, column.key, new)
    return before, after


def object_key(obj: Audited) -> tuple[str, str]:
    """(type, id) under which an object's events are filed."""
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return obj.audit_type(), "-".join(str(part) for part in identity)


def _event_row(obj: Audited, action: str, before, after, actor: Actor, at: datetime) -> dict:
    object_type, object_id = object_key(obj)
    return {
        "at": at,
        "actor_id": actor.user_id,
        "actor_label": actor.label[:200],
        "object_type": object_type,
        "object_id": object_id,
        "object_label": str(obj)[:300],
        "action": action,
        "before": before,
        "after": after,
        "reason": _reason.get(),
    }


def _queue(target: Audited, action: str, before, after) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_PENDING, []).append(
            _event_row(target, action, before, after, current_actor(), utcnow())
        )


def _after_insert(mapper, connection, target) -> None:
    if isinstance(target, Audited):
        _queue(target, "create", None, _all_values(target))


def _after_update(mapper, connection, target) -> None:
    if isinstance(target, Audited):
        before, after = _changes(target)
        if after:
            _queue(target, _action.get() or "update", before, after)


def _after_delete(mapper, connection, target) -> None:
    # Mapper events see every deletion, orphans removed from a collection included.
    if isinstance(target, Audited):
        _queue(target, "delete", _all_values(target), None)


def _after_flush(session: Session, flush_context) -> None:
    from portfolio.audit.models import AuditEvent

    rows = session.info.pop(_PENDING, None)
    if rows:
        session.connection().execute(AuditEvent.__table__.insert(), rows)
    # Events added as objects too (the generator's one event for its bulk inserts).
    if rows or any(isinstance(obj, AuditEvent) for obj in session.new):
        session.info[_WROTE] = True


def _bump_log_version(session: Session) -> None:
    """Number the log's version up (the first time: make the row, with a fresh token), just before the
    commit, so that concurrent writers wait for each other on the row only while committing: a
    reader that saw version N has seen every transaction that committed events before it."""
    from portfolio.audit.models import LogVersion

    session.flush()  # what the commit would flush may leave events too
    if not session.info.get(_WROTE):
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = LogVersion.__table__
    connection.execute(
        insert(table)
        .values(id=1, token=secrets.token_hex(16), number=1)
        .on_conflict_do_update(index_elements=["id"], set_={"number": table.c.number + 1})
    )


def _transaction_over(session: Session) -> None:
    session.info.pop(_WROTE, None)


def log_version(session: Session) -> str | None:
    """The log's version as the database now has it ("token.number"), or None before any write."""
    from portfolio.audit.models import LogVersion

    row = session.execute(select(LogVersion.token, LogVersion.number).where(LogVersion.id == 1)).first()
    return None if row is None else f"{row.token}.{row.number}"


def _keep_old_value(target, value, oldvalue, initiator):
    return value


def install() -> None:
    """Listen to every mapper and ORM session (called by the app factory; idempotent)."""
    from portfolio.extensions import Base

    # An update of an expired attribute must still know the value it replaces.
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, Audited):
            for column in mapper.column_attrs:
                attribute = column.class_attribute
                if not event.contains(attribute, "set", _keep_old_value):
                    event.listen(attribute, "set", _keep_old_value, active_history=True, retval=True)
    for name, listener in (("after_insert", _after_insert), ("after_update", _after_update), ("after_delete", _after_delete)):
        if not event.contains(Mapper, name, listener):
            event.listen(Mapper, name, listener)
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _bump_log_version),
        ("after_commit", _transaction_over),
        ("after_rollback", _transaction_over),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
