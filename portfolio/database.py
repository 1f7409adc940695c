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
