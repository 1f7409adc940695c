"""Logging in and out: French messages, no user enumeration, deactivated accounts, rate limit, CSRF."""
import re

import pytest

from conftest import PASSWORD, csrf_token, post_form
from portfolio.accounts import operations
from portfolio.extensions import db

FAILED = "Adresse électronique ou mot de passe incorrect."


def _attempt(client, email, password):
    return client.post("/login", data={"csrf_token": csrf_token(client), "email": email, "password": password})


def test_login_page_is_french_dsfr(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr"' in body
    assert "Connexion à Portfolio" in body
    assert 'name="email"' in body and 'name="password"' in body and 'name="csrf_token"' in body
    assert "fr-header__logo" in body and "République" in body


def test_login_with_the_right_password_opens_the_home_page(client, make_user):
    user = make_user("coach", name="Camille Coach")
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Bonjour Camille Coach" in home
    assert "Coach" in home


def test_email_is_case_insensitive(client, make_user):
    user = make_user("coach")
    assert _attempt(client, user.email.upper(), PASSWORD).status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_french_answer(client, make_user):
    user = make_user("coach")
    wrong = _attempt(client, user.email, "not-the-password")
    unknown = _attempt(client, "personne@nulle-part.gouv.fr", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert FAILED in wrong.get_data(as_text=True)

    def without_token(response):
        return re.sub(r'(value|content)="[^"]*"', "", response.get_data(as_text=True))

    assert without_token(wrong) == without_token(unknown)
    assert client.get("/").status_code == 302  # still anonymous


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user("coach")
    operations.set_active(user, False)
    db.session.commit()
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert FAILED in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, make_user, login):
    user = make_user("coach")
    login(user)
    assert client.get("/").status_code == 200
    operations.set_active(user, False)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_empty_fields_get_french_errors(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": "", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in body


def test_logout_ends_the_session(client, make_user, login):
    login(make_user("coach"))
    response = post_form(client, "/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_by_get_is_not_possible(client, make_user, login):
    login(make_user("coach"))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_next_parameter_stays_on_this_site(client, make_user):
    user = make_user("admin")
    token = csrf_token(client)
    inside = client.post("/login?next=/admin/users", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert inside.headers["Location"] == "/admin/users"
    post_form(client, "/logout")
    token = csrf_token(client)
    outside = client.post(
        "/login?next=https://evil.example/", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert outside.headers["Location"] == "/"


def test_anonymous_visitor_is_sent_to_login_with_a_next(client):
    response = client.get("/admin/users?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Session expirée" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_post_with_a_forged_csrf_token_is_refused(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/admin/users/new", data={"csrf_token": "forged", "email": "x@y.fr", "name": "X"})
    assert response.status_code == 400


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "5 per minute"}

    def test_too_many_attempts_are_refused_in_french(self, client, make_user):
        user = make_user("coach")
        for _ in range(5):
            assert _attempt(client, user.email, "wrong-password").status_code == 401
        response = _attempt(client, user.email, PASSWORD)
        assert response.status_code == 429
        assert "Trop de tentatives" in response.get_data(as_text=True)
        assert client.get("/").status_code == 302  # the right password did not get through

    def test_showing_the_login_page_is_not_limited(self, client):
        for _ in range(8):
            assert client.get("/login").status_code == 200


def test_passwords_are_hashed_with_scrypt_in_production(tmp_path, monkeypatch):
    from portfolio import create_app
    from portfolio.accounts.models import User

    monkeypatch.setenv("PORTFOLIO_INSTANCE_PATH", str(tmp_path))
    app = create_app("production", {"SECRET_KEY": "y" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        user = User(email="a@b.fr", name="A")
        user.set_password("un-mot-de-passe-long")
        assert user.password_hash.startswith("scrypt:")
        assert "un-mot-de-passe-long" not in user.password_hash
        assert user.check_password("un-mot-de-passe-long") and not user.check_password("autre")
