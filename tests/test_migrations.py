"""The migrations build the whole schema on an empty SQLite and an empty PostgreSQL database,
go back down to nothing and up again, and match the models exactly."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from conftest import make_app
from portfolio.extensions import db

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def empty_sqlite(tmp_path):
    yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def empty_postgresql():
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"portfolio_migrations_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no PostgreSQL here: CI has one and must not skip
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {error}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(app) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _diff(app) -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)


@pytest.mark.parametrize("database", ["empty_sqlite", "empty_postgresql"])
def test_upgrade_downgrade_upgrade_on_an_empty_database(request, database, tmp_path):
    url = request.getfixturevalue(database)
    app = make_app(url, tmp_path)
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            model_tables = {table.name for table in db.metadata.sorted_tables}
            assert model_tables <= _tables(app)
            assert _diff(app) == [], "the models and the migrations differ: run `flask db migrate`"

            result = runner.invoke(args=["db", "downgrade", "base"])
            assert result.exit_code == 0, result.output
            assert _tables(app) - {"alembic_version"} == set()

            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            assert model_tables <= _tables(app)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migration_files_are_date_prefixed():
    from pathlib import Path

    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    names = [path.name for path in versions.glob("*.py")]
    assert names and all(name[:8].isdigit() and name[8] == "_" for name in names), names


def test_migration_files_sort_in_the_order_of_the_chain():
    """Reading migrations/versions/ by name reads the history in the order it is applied."""
    from pathlib import Path

    from alembic.script import ScriptDirectory

    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    scripts = ScriptDirectory(str(versions.parent))
    chain = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    by_name = [path.name.split("_")[2] for path in sorted(versions.glob("*.py"))]
    assert by_name == chain
