"""`flask backup PATH` and `flask restore PATH`: a populated database backed up, restored into an empty
one, gives the same rows in every table (the audit log included) and the same CSV exports; on the
suite's database (SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL)."""
import os
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portfolio.extensions import db

from conftest import CSRF_META, make_app

DEMO_ADMIN = ("admin@demo.beta.gouv.fr", "demo-portfolio")


def every_row() -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order."""
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    db.session.remove()
    return rows


def every_export(app) -> dict[str, bytes]:
    """Every CSV export of the application, as the demo's admin downloads it."""
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": DEMO_ADMIN[0], "password": DEMO_ADMIN[1]})
    assert response.status_code == 302
    exports = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith(".csv") and not rule.arguments:
            response = client.get(rule.rule)
            assert response.status_code == 200, rule.rule
            exports[rule.rule] = response.get_data()
    assert len(exports) >= 4
    return exports


@contextmanager
def empty_database(database_url: str, tmp_path):
    """The URL of a new, empty database beside the suite's, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{url.database}_restore_{os.getpid()}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_a_backup_restored_into_an_empty_database_is_identical(app, runner, database_url, instance_path, tmp_path):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    from portfolio.reminders.sweep import run_sweep

    run_sweep(datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc))  # deadlines and notifications too
    rows = every_row()
    assert rows["audit_events"] and rows["startups"] and rows["conventions"]
    backup = tmp_path / "portfolio.backup"

    result = runner.invoke(args=["backup", str(backup)])

    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.output and backup.stat().st_size > 0
    exports = every_export(app)
    with empty_database(database_url, tmp_path) as empty_url:
        restored_app = make_app(empty_url, instance_path)
        with restored_app.app_context():
            try:
                result = restored_app.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
                assert result.exit_code == 0, result.output
                assert every_row() == rows
                assert every_export(restored_app) == exports
            finally:
                db.session.remove()
                db.engine.dispose()


def test_restoring_what_is_not_a_backup_is_refused_in_french_and_changes_nothing(app, runner, demo, tmp_path):
    before = every_row()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("pas une sauvegarde")

    result = runner.invoke(args=["restore", "--yes", str(not_a_backup)])

    assert result.exit_code != 0
    assert "sauvegarde" in result.output or "a échoué" in result.output
    assert every_row() == before


def test_restore_asks_before_replacing_the_database(app, runner, demo, tmp_path):
    before = every_row()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0

    result = runner.invoke(args=["restore", str(tmp_path / "b")], input="n\n")

    assert result.exit_code != 0 and "entièrement remplacée" in result.output
    assert every_row() == before
