"""What bulk writers (the importer, the generator) need of the database beyond the ORM."""
from sqlalchemy import text

from portfolio.extensions import db


def refresh_planner_statistics() -> None:
    """After a bulk load, PostgreSQL plans on stale statistics until autovacuum runs: refresh them now."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
