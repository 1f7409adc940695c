"""API v1: personal tokens (Bearer or X-Api-Key, hashed, last use, revocation → 401), the holder's
permissions and no more, the lists' filters and pagination links, the detail routes, the French
JSON errors with their headers, the token page, and the generated OpenAPI 3.1 document."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portfolio.api import tokens
from portfolio.api.models import ApiToken
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.funding.models import Convention

from conftest import post_form
from governance_helpers import committee, intrapreneur, persona

PUBLIC = "https://portfolio.example.gouv.fr"


@pytest.fixture
def app_overrides():
    return {"PUBLIC_URL": PUBLIC}


def token_for(user, name="Outil de test") -> str:
    secret = tokens.create_token(user, name).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


# --- Tokens -----------------------------------------------------------------------------------


def test_a_token_opens_the_api_by_bearer_or_api_key_and_its_last_use_is_recorded(client, demo):
    secret = token_for(intrapreneur())
    assert client.get("/api/v1/startups", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/startups", headers={"X-Api-Key": secret}).status_code == 200
    stored = db.session.scalar(select(ApiToken))
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    assert stored.token_hash == tokens.digest(secret) and secret not in (stored.token_hash, stored.prefix)


def test_without_credentials_the_api_answers_401_with_a_bearer_challenge(client, demo):
    response = client.get("/api/v1/startups")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "Connexion requise"


def test_a_revoked_token_gets_401_with_invalid_token_even_beside_a_session(client, demo, login):
    user = intrapreneur()
    secret = token_for(user)
    tokens.revoke_token(db.session.scalar(select(ApiToken)))
    db.session.commit()
    login(user, password="demo-portfolio")
    response = client.get("/api/v1/startups", headers=bearer(secret))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "révoqué" in response.get_json()["message"]
    assert client.get("/api/v1/startups", headers=bearer("pf_inconnu")).status_code == 401


def test_the_token_of_a_deactivated_account_is_refused(client, demo):
    user = intrapreneur()
    secret = token_for(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/startups", headers=bearer(secret)).status_code == 401


def test_a_token_does_not_open_the_pages(client, demo):
    secret = token_for(persona("admin@demo.beta.gouv.fr"))
    response = client.get("/admin/users", headers=bearer(secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- The holder's permissions, no more ------------------------------------------------------


def test_an_intrapreneur_token_sees_the_meetings_their_session_sees_and_no_more(app, client, demo, login):
    own = committee(slugs=("signaux-faibles",), title="Comité de Signaux Faibles")
    other = committee(slugs=("conseillers-entreprises",), days=40, title="Comité d’une autre startup")
    user = intrapreneur()
    secret = token_for(user)
    with_token = app.test_client().get("/api/v1/meetings", headers=bearer(secret)).get_json()
    login(user, password="demo-portfolio")
    with_session = client.get("/api/v1/meetings").get_json()
    page = client.get("/governance/meetings").get_data(as_text=True)
    assert own.title in page and "Comité d’une autre startup" not in page
    ids = [item["id"] for item in with_token["items"]]
    assert ids == [item["id"] for item in with_session["items"]]
    assert own.id in ids and other.id not in ids
    assert client.get(f"/api/v1/meetings/{own.id}", headers=bearer(secret)).status_code == 200
    refused = client.get(f"/api/v1/meetings/{other.id}", headers=bearer(secret))
    assert refused.status_code == 403 and refused.get_json()["error"] == "Accès refusé"
    assert client.get("/api/v1/conventions", headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/next-committees", headers=bearer(secret)).status_code == 403


def test_a_finance_token_reads_conventions_with_amounts_as_of_a_day(client, demo):
    secret = token_for(persona("finance@demo.beta.gouv.fr"))
    listing = client.get("/api/v1/conventions", headers=bearer(secret)).get_json()
    assert listing["pagination"]["total"] == db.session.scalar(select(func.count(Convention.id)))
    convention_id = listing["items"][0]["id"]
    assert listing["items"][0]["url"] == f"{PUBLIC}/api/v1/conventions/{convention_id}"
    before = client.get(f"/api/v1/conventions/{convention_id}?on=2019-01-01", headers=bearer(secret)).get_json()
    after = client.get(f"/api/v1/conventions/{convention_id}?on=2021-01-01", headers=bearer(secret)).get_json()
    assert before["lines"] and all(line["amounts"] is None for line in before["lines"])
    assert before["total"] == {"ae": "0.00", "cp": "0.00"}
    assert all(line["amounts"] is not None for line in after["lines"])
    assert after["total"]["ae"] != "0.00" and after["amounts_on"] == "2021-01-01"


def test_the_next_committees_of_a_chair_token(client, demo):
    secret = token_for(persona("presidente@demo.beta.gouv.fr"))
    data = client.get("/api/v1/next-committees?per_page=2", headers=bearer(secret)).get_json()
    assert len(data["items"]) <= 2 and data["pagination"]["total"] >= len(data["items"])
    assert {"slug", "next_committee", "status", "run_out"} <= set(data["items"][0])


# --- Startups, filters, pagination ----------------------------------------------------------


def test_the_startup_list_filters_and_links_its_pages_from_public_url(client, demo):
    secret = token_for(intrapreneur())
    first = client.get("/api/v1/startups?per_page=1", headers=bearer(secret)).get_json()
    pagination = first["pagination"]
    assert pagination["per_page"] == 1 and pagination["pages"] == pagination["total"] > 1
    assert pagination["links"]["prev"] is None
    assert pagination["links"]["next"].startswith(f"{PUBLIC}/api/v1/startups?")
    assert "page=2" in pagination["links"]["next"]
    second = client.get(pagination["links"]["next"].removeprefix(PUBLIC), headers=bearer(secret)).get_json()
    assert second["items"][0]["slug"] != first["items"][0]["slug"]
    assert second["pagination"]["links"]["prev"].startswith(PUBLIC)
    dinum = client.get("/api/v1/startups?incubator=dinum&per_page=100", headers=bearer(secret)).get_json()
    assert dinum["items"] and all(item["incubator"] for item in dinum["items"])
    future = client.get("/api/v1/startups?updated_since=2999-01-01T00:00:00Z", headers=bearer(secret)).get_json()
    assert future["items"] == [] and future["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("per_page=101", "per_page"), ("page=0", "page"), ("phase=inconnue", "phase"), ("on=2026-13-01", "on"),
     ("updated_since=hier", "updated_since")],
)
def test_bad_parameters_get_a_400_in_french_naming_them(client, demo, query, parameter):
    response = client.get(f"/api/v1/startups?{query}", headers=bearer(token_for(intrapreneur())))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "Requête incorrecte" and f"« {parameter} »" in body["message"]
    assert parameter in body["errors"]["query"]


def test_a_filter_naming_an_unknown_incubator_or_sponsor_is_a_404_naming_it(client, demo):
    secret = token_for(intrapreneur())
    for query, parameter in (("incubator=nulle-part", "incubator"), ("sponsor=personne", "sponsor")):
        response = client.get(f"/api/v1/startups?{query}", headers=bearer(secret))
        assert response.status_code == 404
        assert f"« {parameter} »" in response.get_json()["message"] and "inconnu" in response.get_json()["message"]


def test_a_startup_detail_has_its_phases_milestones_indicators_and_status(client, demo):
    secret = token_for(intrapreneur())
    data = client.get("/api/v1/startups/signaux-faibles", headers=bearer(secret)).get_json()
    assert data["slug"] == "signaux-faibles" and data["phases"]
    assert {"phase", "phase_since", "last_committee", "next_committee", "next_committee_due", "run_out"} <= set(data["status"])
    assert data["status"]["phase"] == next(span["phase"] for span in reversed(data["phases"]) if span["start"] <= data["status"]["on"])
    assert isinstance(data["milestones"], list) and isinstance(data["indicators"], list)
    missing = client.get("/api/v1/startups/inconnue", headers=bearer(secret))
    assert missing.status_code == 404 and missing.get_json()["error"] == "Page non trouvée"


def test_incubators_and_organisations(client, demo):
    secret = token_for(intrapreneur())
    incubators = client.get("/api/v1/incubators", headers=bearer(secret)).get_json()
    slug = incubators["items"][0]["slug"]
    assert client.get(f"/api/v1/incubators/{slug}", headers=bearer(secret)).get_json()["slug"] == slug
    organisations = client.get("/api/v1/organisations", headers=bearer(secret)).get_json()
    assert organisations["pagination"]["total"] >= 1
    assert client.get("/api/v1/organisations/inconnue", headers=bearer(secret)).status_code == 404


def test_the_api_is_read_only_405_with_allow(client, demo):
    response = client.post("/api/v1/startups", headers=bearer(token_for(intrapreneur())))
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" not in response.headers["Allow"]
    assert response.get_json()["error"] == "Méthode non autorisée"


def test_a_page_405_keeps_its_allow_header(client, demo, login):
    login(intrapreneur(), password="demo-portfolio")
    response = client.put("/startups/")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_the_old_startup_route_still_answers(client, demo, login):
    login(intrapreneur(), password="demo-portfolio")
    assert client.get("/api/startups/signaux-faibles").get_json()["slug"] == "signaux-faibles"


# --- The document and its page --------------------------------------------------------------


def test_the_openapi_document_is_3_1_generated_from_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": PUBLIC, "description": "Cette instance de Portfolio"}]
    routes = {re.sub(r"<(?:int(?:\(max=\d+\))?:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_v1.")}
    assert set(document["paths"]) == routes
    assert document["components"]["securitySchemes"]["jeton"]["scheme"] == "bearer"


def test_the_documentation_page_lists_every_operation_without_scripts(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for path in client.get("/api/v1/openapi.json").get_json()["paths"]:
        assert f"<code>{path}</code>" in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "cdn" not in html.lower()


# --- The token page ---------------------------------------------------------------------------


def test_a_token_is_created_shown_once_and_revoked_from_the_account_page(client, demo, login):
    user = intrapreneur()
    login(user, password="demo-portfolio")
    response = post_form(client, "/compte/jetons", {"name": "Tableau de bord"}, token_from="/compte/jetons")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "il ne sera plus jamais affiché" in html
    secret = html.split('data-testid="new-token-secret">')[1].split("<")[0]
    assert secret.startswith("pf_") and client.get("/api/v1/startups", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/compte/jetons").get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    response = post_form(client, f"/compte/jetons/{token.id}/revoquer", token_from="/compte/jetons")
    assert response.status_code == 302
    assert client.get("/api/v1/startups", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "api_token").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "update"]
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "api_token", AuditEvent.action == "create"))
    assert created.after["token_hash"] == "(masqué)" and secret not in str(created.after)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_without_a_proper_name_is_refused_in_french_and_nothing_is_created(client, demo, login, name):
    login(intrapreneur(), password="demo-portfolio")
    response = post_form(client, "/compte/jetons", {"name": name}, token_from="/compte/jetons")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Donnez un nom au jeton" in html or "au plus 100 caractères" in html
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_nobody_revokes_another_persons_token(client, demo, login):
    token_for(intrapreneur())
    token = db.session.scalar(select(ApiToken))
    login(persona("admin@demo.beta.gouv.fr"), password="demo-portfolio")
    assert post_form(client, f"/compte/jetons/{token.id}/revoquer", token_from="/compte/jetons").status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None
    assert token.name not in client.get("/compte/jetons").get_data(as_text=True)


def test_the_day_limits_of_a_date_parameter(client, demo):
    secret = token_for(intrapreneur())
    assert client.get("/api/v1/startups?on=1899-12-31", headers=bearer(secret)).status_code == 400
    assert client.get(f"/api/v1/startups?on={date(2020, 1, 1).isoformat()}", headers=bearer(secret)).status_code == 200


def test_the_header_links_to_the_token_page_and_the_footer_to_the_documentation(client, demo, login):
    login(intrapreneur(), password="demo-portfolio")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/compte/jetons"' in html and 'href="/api/v1/docs"' in html


def test_a_startups_status_says_what_the_next_committees_say(client, demo):
    secret = token_for(persona("presidente@demo.beta.gouv.fr"))
    rows = client.get("/api/v1/next-committees?per_page=100", headers=bearer(secret)).get_json()["items"]
    row = rows[0]
    status = client.get(f"/api/v1/startups/{row['slug']}", headers=bearer(secret)).get_json()["status"]
    assert (status["next_committee_due"], status["run_out"], status["last_committee"], status["committee_status"]) == (
        row["next_committee"], row["run_out"], row["last_committee"], row["status"]
    )
