"""Fixtures: a migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test; an app and client per test; accounts per role; a live server
and Debian's Chromium for the browser tests."""
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text

from portfolio import create_app
from portfolio.accounts import operations
from portfolio.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


def make_app(database_url: str, instance_path: Path, **overrides):
    os.environ["PORTFOLIO_INSTANCE_PATH"] = str(instance_path)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    # The `app` fixture keeps an app context pushed, which requests then share: empty `g` at the
    # start of each request, as a deployment's fresh context would (no user left loaded from before).
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    return app


def _fresh_request_globals() -> None:
    from flask import g

    g.__dict__.clear()


@pytest.fixture(scope="session")
def migrated_database(database_url, instance_path) -> str:
    """The schema built once per run by the migrations themselves."""
    from flask_migrate import upgrade

    app = make_app(database_url, instance_path)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in reversed(tables):
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change the config of its app."""
    return {}


@pytest.fixture
def app(migrated_database, instance_path, app_overrides):
    app = make_app(migrated_database, instance_path, **app_overrides)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from the layout's meta tag."""
    response = client.get(path, follow_redirects=True)
    match = CSRF_META.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, token_from: str = "/", **kwargs):
    """POST like a browser would: with the session's CSRF token."""
    payload = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(url, data=payload, **kwargs)


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order."""
    from sqlalchemy import event

    executed: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def count_statements(client, url: str, **params) -> int:
    """How many SQL statements one GET of `url` runs, which must answer 200.

    A request of a deployment starts from an empty session: nothing the test's app context kept
    from earlier requests (the account, rows) may spare a query."""
    from flask import g

    db.session.remove()
    g.pop("_login_user", None)
    with recorded_statements() as executed:
        response = client.get(url, query_string=params or None)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(executed)


@pytest.fixture
def make_user(app):
    """Create an active account, optionally with one role and scope: make_user('coach', scope='dinum')."""
    counter = {"n": 0}

    def make(role: str | None = None, scope: str | None = None, email: str | None = None, name: str | None = None):
        counter["n"] += 1
        email = email or f"{role or 'sans-role'}{counter['n']}@test.gouv.fr"
        user = operations.create_user(email, name or f"Personne {counter['n']}", PASSWORD)
        if role:
            operations.grant_role(user, role, scope)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def log_in(user, password: str = PASSWORD):
        response = client.post(
            "/login", data={"csrf_token": csrf_token(client, "/login"), "email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return log_in


@pytest.fixture
def demo(app):
    """The demo data (organisations, incubator, startups, one account per persona)."""
    from portfolio.audit.tracking import acting_as
    from portfolio.demo.data import load_demo

    with acting_as(label="démo"):
        load_demo()
        db.session.commit()


# --- Browser ---------------------------------------------------------------------------


def _buffered(wsgi_app):
    """Read each response whole before sending it: when Chromium drops a connection mid-transfer
    (it does for fonts and favicons), no open file is left behind by the test server."""

    def application(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        return [body]

    return application


@pytest.fixture(scope="session")
def live_server(migrated_database, instance_path):
    """The application served over loopback in a thread, on the tests' database."""
    from werkzeug.serving import make_server

    server_app = make_app(migrated_database, instance_path)
    server = make_server("127.0.0.1", 0, _buffered(server_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, app):
    """A fresh browser tab; fails the test on any console error (CSP violations included) and on
    any asset that fails to load. Pages themselves may answer 4xx (a form with errors answers 422)."""
    context = browser.new_context(base_url=live_server, locale="fr-FR", accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} on {response.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"browser console errors: {errors}"


def browser_login(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
