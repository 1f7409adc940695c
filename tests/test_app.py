"""The app factory, config selection, security settings, health check and error pages."""
import threading

import pytest

import config
from portfolio import create_app


def test_factory_builds_a_testing_app(app):
    assert app.testing
    assert app.config["ENV_NAME"] == "testing"


@pytest.mark.parametrize("name", ["development", "testing", "production"])
def test_config_is_chosen_by_portfolio_env(monkeypatch, name):
    monkeypatch.setenv("PORTFOLIO_ENV", name)
    assert config.config_from_environment() is config.CONFIGS[name]


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("PORTFOLIO_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config.config_from_environment()


def test_development_is_the_default(monkeypatch):
    monkeypatch.delenv("PORTFOLIO_ENV", raising=False)
    assert config.config_from_environment() is config.DevelopmentConfig


def test_production_refuses_the_default_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": config.DEFAULT_SECRET_KEY})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "short"})


def test_production_starts_with_a_real_secret_key_and_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    app = create_app("production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_sqlite_in_the_instance_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": None})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portfolio.sqlite3'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg_3(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config._database_url(None) == expected


def test_creating_the_app_starts_no_scheduler(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    before = {thread.name for thread in threading.enumerate()}
    import wsgi  # noqa: F401  (builds the app like gunicorn does)

    create_app("development", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    started = {thread.name for thread in threading.enumerate()} - before
    assert not any("APScheduler" in name or "scheduler" in name.lower() for name in started), started


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": unreachable})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_security_headers_and_a_csp_the_dsfr_works_under(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("admin")
    from conftest import csrf_token, PASSWORD

    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": user.email, "password": PASSWORD})
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_not_found_page_is_french_and_in_the_layout(client):
    response = client.get("/nulle-part")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="fr"' in body
    assert "Page non trouvée" in body
    assert "fr-header" in body and "fr-footer" in body and "fr-skiplinks" in body


def test_forbidden_page_is_french(client, make_user, login):
    login(make_user("finance"))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_server_error_page_is_french(migrated_database, instance_path):
    from conftest import make_app

    app = make_app(migrated_database, instance_path, PROPAGATE_EXCEPTIONS=False)

    from portfolio.accounts.access import public

    @app.route("/boom")
    @public
    def boom():
        raise ZeroDivisionError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Erreur inattendue" in response.get_data(as_text=True)


def test_a_view_that_declares_no_access_rule_is_refused(migrated_database, instance_path):
    from conftest import make_app

    app = make_app(migrated_database, instance_path)

    @app.route("/forgotten")
    def forgotten():
        return "secret"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
