"""What bulk writers (the importer, the generator) need of the database beyond the ORM."""
from sqlalchemy import text

from portfolio.extensions import db


def refresh_planner_statistics(*tables: str) -> None:
    """After a bulk load, PostgreSQL plans on stale statistics until autovacuum runs: refresh them
    now (of these tables, or of all). Commits."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(tables)}" if tables else "ANALYZE"))
        db.session.commit()
