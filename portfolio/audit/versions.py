"""The audit log's version, and a read cache keyed on it.

Every write of the application leaves audit events (see `tracking`), and the transaction that
inserts them numbers the log's version up as it commits. A value computed from the data alone
(and the day, which callers put in their keys) therefore holds while the version read before
computing it is unchanged: the portfolio's funnel and page order, the filters' choices, the
reminders' generation mark. The version is read at each use (one primary-key lookup), so a write
committed by another process is seen at once; the cache lives in each process and keeps the last
CACHE_SIZE values. A transaction that has written computes afresh and caches nothing: what it
sees may yet be rolled back.
"""
import secrets
import threading
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portfolio.audit.models import LogVersion
from portfolio.extensions import db

#: Values kept per process, the least recently used dropped first: page bodies are 10-200 kB, so
#: at most some 30 MB per worker.
CACHE_SIZE = 512
_WROTE = "audit_log_version_bumped"
_EXTENSION = "audit_version_cache"
T = TypeVar("T")


def wrote(session: Session) -> None:
    """Note that this transaction left audit events: its commit numbers the version up."""
    session.info[_WROTE] = True


def _bump(session: Session) -> None:
    """Number the version up (the first time: make the row, with a fresh token). Done just before
    the commit, so that concurrent writers wait for each other on the row only while committing."""
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = LogVersion.__table__
    connection.execute(
        insert(table)
        .values(id=1, token=secrets.token_hex(16), number=1)
        .on_conflict_do_update(index_elements=["id"], set_={"number": table.c.number + 1})
    )


def number_up_now(session: Session) -> str | None:
    """Number the version up now for the events this transaction left so far (its commit then does
    not again, unless more follow), and return the version the commit will leave; None when it left
    none. On PostgreSQL the row stays locked until the commit, as it would be by the commit's bump."""
    session.flush()
    if not session.info.pop(_WROTE, None):
        return None
    _bump(session)
    return current()


def current() -> str | None:
    """The version as the database now has it ("token.number"), or None before any write."""
    row = db.session.execute(select(LogVersion.token, LogVersion.number).where(LogVersion.id == 1)).first()
    return None if row is None else f"{row.token}.{row.number}"


class _Cache:
    def __init__(self, size: int):
        self.size = size
        self.values: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key not in self.values:
                return _MISSING
            self.values.move_to_end(key)
            return self.values[key]

    def put(self, key, value) -> None:
        with self.lock:
            self.values[key] = value
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)


_MISSING = object()


def cached(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it returned for the same name and key at the current version. The value
    is shared: callers must not change it (return tuples and frozen dataclasses)."""
    version = None if db.session.info.get(_WROTE) else current()
    # Read again after the autoflush of current(): pending changes flushed now have bumped it.
    if version is None or db.session.info.get(_WROTE):
        return compute()
    cache = current_app.extensions.setdefault(_EXTENSION, _Cache(CACHE_SIZE))
    full_key = (name, key, version)
    value = cache.get(full_key)
    if value is _MISSING:
        value = compute()
        cache.put(full_key, value)
    return value


def forget() -> None:
    """Drop this process's cached values (the query-budget tests count the uncached path)."""
    current_app.extensions.pop(_EXTENSION, None)


def _before_commit(session: Session) -> None:
    session.flush()  # what the commit would flush may leave events too
    if session.info.get(_WROTE):
        _bump(session)


def _transaction_over(session: Session) -> None:
    session.info.pop(_WROTE, None)


def install() -> None:
    """Listen to the ORM sessions' commits and rollbacks (called by the app factory; idempotent)."""
    for name, listener in (
        ("before_commit", _before_commit),
        ("after_commit", _transaction_over),
        ("after_rollback", _transaction_over),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
