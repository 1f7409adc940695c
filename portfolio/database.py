"""What bulk readers and writers (the importer, the generator, the reminders, the bulk run-outs)
need of the database beyond the ORM."""
from typing import Iterable

from sqlalchemy import ColumnElement, Integer, any_, literal, text
from sqlalchemy.dialects.postgresql import ARRAY

from portfolio.extensions import db


def among(column, ids: Iterable[int]) -> ColumnElement[bool]:
    """SQL: `column` is one of these integer ids. On PostgreSQL, `= ANY` of one array parameter: an
    IN list binds one parameter per id, which costs some 10 ms per statement at 1,700 ids (the
    active startups of a 10x portfolio); elsewhere, IN."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(list(ids))


def refresh_planner_statistics(*tables: str) -> None:
    """After a bulk load, refresh the statistics the query planner chooses its indexes by (of these
    tables, or of all). Commits. PostgreSQL plans on stale statistics until autovacuum runs; SQLite
    has none until ANALYZE and then guesses: a person's "À faire" scanned every open deadline in
    date order (9 ms at 8,000 deadlines) instead of reading that person's few (0.1 ms)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(tables)}" if tables else "ANALYZE"))
    else:
        for table in tables or ("",):
            db.session.execute(text(f"ANALYZE {table}".strip()))
    db.session.commit()


#: Set on a connection's info by a statement that may write, until its transaction ends.
_MAY_HAVE_WRITTEN = "may_have_written"
#: What a statement that only reads begins with.
_READS = ("SELECT", "WITH", "SHOW")


def _note_writes(connection, cursor, statement: str, parameters, context, executemany) -> None:
    if not statement.lstrip()[:6].upper().startswith(_READS):
        connection.info[_MAY_HAVE_WRITTEN] = True


def _transaction_over(connection) -> None:
    connection.info.pop(_MAY_HAVE_WRITTEN, None)


def end_reads_with_a_commit(app) -> None:
    """End a request (an app context) that only read with COMMIT rather than ROLLBACK, which for a
    transaction that wrote nothing is the same, except to psycopg 3: on every rollback it drops the
    statements it prepared on the connection (`DEALLOCATE ALL`), so PostgreSQL would plan each of a
    page's statements again on every request. A transaction that wrote anything (a statement other
    than a read, an object added, changed or deleted in the session), or a request that failed, still
    ends with the rollback of Flask-SQLAlchemy's teardown, which runs after this one."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    for name, listener in (("before_cursor_execute", _note_writes), ("commit", _transaction_over),
                           ("rollback", _transaction_over)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)

    @app.teardown_appcontext
    def _commit_reads(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        if session.connection().info.get(_MAY_HAVE_WRITTEN):
            return
        try:
            session.commit()
        except Exception:  # noqa: BLE001 - the teardown's rollback that follows ends it then
            app.logger.exception("commit of a read-only request failed")
