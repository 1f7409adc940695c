"""Signing in with ProConnect, against a real OpenID Connect provider (npm's oidc-provider)
started on loopback: an invited agent gets in (by e-mail, then by `sub`), an unknown one is
told whom to ask, a tampered userinfo signature is refused, and logout ends the provider's
session too. The browser journey goes through the provider's own pages."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from conftest import csrf_token, make_app
from oidc_support import (
    AGENTS,
    CLIENT_ID,
    TEST_CLIENT_BASE,
    UNSIGNED_CLIENT_ID,
    ProviderAgent,
    Provider,
    live_portfolio,
    path_of,
    running_provider,
)
from portfolio.accounts import operations
from portfolio.accounts.models import User
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db

AGATHE = AGENTS["agent-1"]


@pytest.fixture(scope="module")
def proconnect(migrated_database, instance_path):
    """The provider, and Portfolio served beside it with the provider configured."""
    with live_portfolio(migrated_database, instance_path) as (live_base, serve):
        with running_provider([TEST_CLIENT_BASE, live_base]) as issuer:
            provider = Provider(issuer=issuer, live_base=live_base)
            serve(provider.app_overrides(public_url=live_base))
            yield provider


@pytest.fixture
def app_overrides(proconnect):
    return proconnect.app_overrides()


@pytest.fixture
def invited(make_user):
    """Agathe's account, invited by e-mail (no password), and an admin to ask."""
    admin = make_user("admin", email="admin@beta.gouv.fr", name="Ada Admin")
    user = operations.create_user(AGATHE["email"], "Agathe Agent", password=None)
    operations.grant_role(user, "coach")
    db.session.commit()
    return {"user": user, "admin": admin}


def _sign_in(client, login: str, next_path: str | None = None):
    """The agent's whole sign-in; returns Portfolio's answer to the provider's callback."""
    start = client.get("/connexion/proconnect", query_string={"next": next_path} if next_path else None)
    assert start.status_code == 302
    callback = ProviderAgent(login).authenticate(start.headers["Location"], stop_at=TEST_CLIENT_BASE + "/")
    return client.get(path_of(callback))


def test_the_authorization_request_is_proconnect_s(client, proconnect):
    response = client.get("/connexion/proconnect")
    location = urlsplit(response.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == proconnect.issuer
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["scope"].split() == ["openid", "given_name", "usual_name", "email", "uid", "siret", "idp_id"]
    assert query["acr_values"] == "eidas1"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["redirect_uri"] == "http://localhost/connexion/proconnect/retour"


def test_the_callback_address_follows_the_public_address_not_the_host_header(client, proconnect):
    response = client.get("/connexion/proconnect", headers={"Host": "interne.proxy.example"})
    query = {key: values[0] for key, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    assert query["redirect_uri"] == "http://localhost/connexion/proconnect/retour"


def test_the_login_page_offers_proconnect_when_configured(client):
    page = client.get("/login").get_data(as_text=True)
    assert "S’identifier avec" in page and "ProConnect" in page and "/connexion/proconnect" in page


def test_an_invited_agent_signs_in_by_email_then_by_sub(app, client, invited):
    response = _sign_in(client, "agent-1", next_path="/startups/")
    assert response.status_code == 302 and response.headers["Location"] == "/startups/"
    assert "Agathe Agent" in client.get("/").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == AGATHE["email"]))
    assert user.oidc_sub == "agent-1"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "link_proconnect"))
    assert event.after == {"oidc_sub": "agent-1"}

    # Once linked, the `sub` finds the account even if the address changed in between.
    user.email = "agathe.nouvelle-adresse@interieur.gouv.fr"
    db.session.commit()
    other = app.test_client()
    assert _sign_in(other, "agent-1").status_code == 302
    assert "Agathe Agent" in other.get("/").get_data(as_text=True)


def test_an_unknown_agent_is_told_to_ask_the_admins(client, invited):
    response = _sign_in(client, "agent-2")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Aucun compte Portfolio n’est ouvert pour inconnu@finances.gouv.fr" in page
    assert "Ada Admin" in page and "mailto:admin@beta.gouv.fr" in page
    assert client.get("/").status_code == 302  # not signed in


def test_a_deactivated_account_does_not_get_in(client, invited):
    operations.set_active(invited["user"], False)
    db.session.commit()
    response = _sign_in(client, "agent-1")
    assert response.status_code == 403 and "désactivé" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_tampered_userinfo_signature_is_refused(client, make_user):
    make_user("coach", email=AGENTS["agent-3"]["email"])
    response = _sign_in(client, "agent-3")
    assert response.status_code == 400
    assert "La signature des informations d’identité est invalide" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(User.oidc_sub).where(User.email == AGENTS["agent-3"]["email"])) is None


def test_an_unsigned_userinfo_answer_is_refused(migrated_database, instance_path, proconnect, invited):
    """A provider (here: a client registered without signed userinfo) answering plain JSON."""
    unsigned = make_app(migrated_database, instance_path,
                        **{**proconnect.app_overrides(), "OIDC_CLIENT_ID": UNSIGNED_CLIENT_ID})
    client = unsigned.test_client()
    response = _sign_in(client, "agent-1")
    assert response.status_code == 400
    assert "Les informations d’identité ne sont pas signées" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with unsigned.app_context():
        db.engine.dispose()


def test_a_callback_without_its_state_is_refused(client, invited):
    start = client.get("/connexion/proconnect")
    callback = ProviderAgent("agent-1").authenticate(start.headers["Location"], stop_at=TEST_CLIENT_BASE + "/")
    forged = re.sub(r"state=[^&]+", "state=" + "x" * 43, path_of(callback))
    response = client.get(forged)
    assert response.status_code == 400 and "Réessayez" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_goes_through_the_provider_s_end_session(client, invited, proconnect):
    _sign_in(client, "agent-1")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    location = urlsplit(response.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{proconnect.issuer}/session/end"
    assert query["post_logout_redirect_uri"] == "http://localhost/login"
    assert query["id_token_hint"].count(".") == 2 and len(query["state"]) >= 32
    assert client.get("/").status_code == 302  # signed out here already


@pytest.mark.browser
def test_browser_journey_signs_in_and_out_through_the_provider(browser, proconnect, invited):
    context = browser.new_context(base_url=proconnect.live_base, locale="fr-FR")
    # Nothing leaves the machine: the provider's page asks for a web font.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    # Portfolio's pages must run clean (CSP included); the provider's development pages are not ours.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and page.url.startswith(proconnect.live_base)
            and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/login")
        page.get_by_role("link", name="S’identifier avec ProConnect").click()
        # The provider's own login page, then its consent page.
        page.wait_for_url(re.compile(re.escape(proconnect.issuer) + "/interaction/"))
        page.locator("input[name=login]").fill("agent-1")
        page.locator("input[name=password]").fill("mot-de-passe-du-fournisseur")
        page.locator("button[type=submit]").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(proconnect.live_base + "/")
        assert page.get_by_test_id("current-user").inner_text() == "Agathe Agent"

        page.get_by_role("button", name="Se déconnecter").click()
        # The provider asks to confirm the end of its session, then sends the agent back.
        page.wait_for_url(re.compile(re.escape(proconnect.issuer) + "/session/end"))
        page.get_by_role("button", name=re.compile("sign me out", re.I)).click()
        page.wait_for_url(re.compile(re.escape(proconnect.live_base) + "/login"))
        assert page.get_by_text("Vous êtes déconnecté·e.").is_visible()

        # The provider's session ended too: signing in again asks for the login once more.
        page.get_by_role("link", name="S’identifier avec ProConnect").click()
        page.wait_for_url(re.compile(re.escape(proconnect.issuer) + "/interaction/"))
        assert page.locator("input[name=login]").is_visible()
        assert not errors, f"browser console errors: {errors}"
    finally:
        context.close()
