"""What bulk writers (the importer, the generator, the reminders' generation) need of the database
beyond the ORM."""
from sqlalchemy import text

from portfolio.extensions import db


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
