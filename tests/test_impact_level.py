"""A startup's certified impact level (beta.gouv.fr issue 21597): admins and committee chairs record
it with its day and who certified it; bad input is refused in French and saves nothing; every level
is kept (history on the startup page, an audit event each); the status row keeps the level of the
latest day (equal to the rebuilt one), which the startup page, the portfolio filter and its exports,
the committee's dossier and the API read."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import committee, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.startups.models import ImpactCertification
from portfolio.status import store
from portfolio.status.compute import compute
from portfolio.timeutil import today_in_paris

URL = "/startups/signaux-faibles/impact"
TODAY = today_in_paris()


@pytest.fixture
def as_persona(client):
    def log_in(email: str):
        post_form(client, "/logout", token_from="/login")
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD}, token_from="/login")
        assert response.status_code == 302
        return client

    return log_in


@pytest.fixture
def as_chair(demo, as_persona):
    return as_persona("presidente@demo.beta.gouv.fr")


def _record(client, **values):
    data = {"level": "certified", "certified_on": TODAY.isoformat(), "certified_by": "Coachs produit de la DINUM"}
    return post_form(client, URL, {**data, **values}, token_from=URL)


def _status(slug: str = "signaux-faibles"):
    db.session.expire_all()
    return store.status_of(startup(slug).id)


def _certifications() -> list[ImpactCertification]:
    db.session.expire_all()
    return db.session.scalars(select(ImpactCertification).order_by(ImpactCertification.id)).all()


def test_the_chair_records_a_certified_matrix_with_its_day_and_certifier(as_chair):
    form = as_chair.get(URL).get_data(as_text=True)
    assert "Niveau d’impact de Signaux Faibles" in form and 'name="version"' in form
    day = TODAY - timedelta(days=3)
    response = _record(as_chair, certified_on=day.isoformat(), comment="Forme relue en comité produit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/startups/signaux-faibles#impact")
    (certification,) = _certifications()
    assert (certification.level, certification.certified_on, certification.certified_by) == (
        "certified", day, "Coachs produit de la DINUM"
    )
    assert certification.recorded_by.email == "presidente@demo.beta.gouv.fr"
    status = _status()
    assert (status.impact_level, status.impact_on, status.impact_by) == ("certified", day, "Coachs produit de la DINUM")
    (rebuilt,) = compute(TODAY, [status.startup_id])
    assert (rebuilt.impact_level, rebuilt.impact_on, rebuilt.impact_by) == (
        status.impact_level, status.impact_on, status.impact_by
    )
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "impact_certification")).all()
    assert (event.action, event.after["level"], event.actor_label) == ("create", "certified", "Claire Lefèvre")

    page = as_chair.get("/startups/signaux-faibles").get_data(as_text=True)
    section = page[page.index('data-testid="impact"'):page.index('data-testid="identity"')]
    assert 'data-impact="certified">Matrice certifiée' in section
    assert f"Depuis le {day:%d/%m/%Y}, certifié par Coachs produit de la DINUM." in section
    assert "Forme relue en comité produit" in section
    # The startup's detailed history names the new kind of record in French.
    history = as_chair.get("/startups/signaux-faibles/history").get_data(as_text=True)
    assert "Niveau d’impact certifié" in history[history.index('data-testid="history"'):]


def test_every_level_is_kept_and_the_latest_day_is_the_startups(as_chair):
    assert _record(as_chair, level="published", certified_on=(TODAY - timedelta(days=90)).isoformat(),
                   certified_by="").status_code == 302
    assert _record(as_chair, level="certified", certified_on=(TODAY - timedelta(days=30)).isoformat()).status_code == 302
    # A level of an earlier day completes the history without replacing today's level.
    assert _record(as_chair, level="none", certified_on=(TODAY - timedelta(days=200)).isoformat(),
                   certified_by="").status_code == 302
    assert [c.level for c in _certifications()] == ["published", "certified", "none"]
    assert (_status().impact_level, _status().impact_on) == ("certified", TODAY - timedelta(days=30))
    page = as_chair.get("/startups/signaux-faibles").get_data(as_text=True)
    history = page[page.index('data-testid="impact-history"'):]
    history = history[:history.index("</table>")]
    assert [history.index(label) for label in ("Matrice certifiée", "Matrice publiée (non revue)", "Pas de matrice")] == sorted(
        history.index(label) for label in ("Matrice certifiée", "Matrice publiée (non revue)", "Pas de matrice")
    ), "latest day first"
    assert "Historique des niveaux d’impact (3)" in page
    # The status on a past day is the level of that day.
    (before,) = compute(TODAY - timedelta(days=60), [startup("signaux-faibles").id])
    assert (before.impact_level, before.impact_on) == ("published", TODAY - timedelta(days=90))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"certified_on": (TODAY + timedelta(days=1)).isoformat()}, "ne peut pas être dans le futur"),
        ({"certified_on": "1985-06-01"}, "Saisissez une date entre le 01/01/1990 et le 31/12/2100."),
        ({"certified_on": "2200-01-01"}, "Saisissez une date entre le 01/01/1990 et le 31/12/2100."),
        ({"certified_on": "2025-02-31"}, "Saisissez une date valide au format aaaa-mm-jj"),
        ({"certified_on": ""}, "Indiquez la date du niveau d’impact."),
        ({"level": "platine"}, "Choisissez un niveau d’impact de la liste."),
        ({"level": ""}, "Choisissez le niveau d’impact."),
        ({"level": "validated", "certified_by": "  "}, "Indiquez qui a certifié « Matrice validée »."),
        ({"certified_by": "x" * 301}, "Ce texte est trop long : 300 caractères au plus."),
        ({"comment": "x" * 2001}, "Ce texte est trop long : 2\u202f000 caractères au plus."),
    ],
)
def test_bad_input_is_refused_in_french_and_saves_nothing(as_chair, values, message):
    response = _record(as_chair, **values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert message in page
    assert "Rien n’a été enregistré" in page or "Le formulaire contient des erreurs" in page
    assert _certifications() == []
    assert _status().impact_level is None
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.object_type == "impact_certification")
    ) == 0


def test_the_same_level_twice_on_the_same_day_changes_nothing(as_chair):
    assert _record(as_chair).status_code == 302
    response = _record(as_chair)
    assert response.status_code == 422 and "est déjà enregistré au" in response.get_data(as_text=True)
    assert len(_certifications()) == 1


@pytest.mark.parametrize("persona", ["intrapreneur@demo.beta.gouv.fr", "coach@demo.beta.gouv.fr",
                                     "finance@demo.beta.gouv.fr"])
def test_only_admins_and_chairs_record_it(demo, as_persona, persona):
    client = as_persona(persona)
    assert client.get(URL).status_code == 403
    assert post_form(client, URL, {"level": "validated", "certified_on": TODAY.isoformat(),
                                   "certified_by": "Moi"}).status_code == 403
    assert _certifications() == []
    page = client.get("/startups/signaux-faibles").get_data(as_text=True)
    assert "Enregistrer un niveau d’impact" not in page and "Aucun niveau d’impact enregistré." in page


def test_an_admin_records_it_too(demo, as_persona):
    assert _record(as_persona("admin@demo.beta.gouv.fr"), level="validated").status_code == 302
    assert _status().impact_level == "validated"


def test_the_portfolio_filters_on_it_and_exports_it(as_chair):
    _record(as_chair, certified_on=(TODAY - timedelta(days=2)).isoformat())
    listed = as_chair.get("/startups/?impact=certified").get_data(as_text=True)
    assert 'data-slug="signaux-faibles"' in listed and 'data-slug="conseillers-entreprises"' not in listed
    assert 'data-impact="certified">Matrice certifiée' in listed
    never = as_chair.get("/startups/?impact=none").get_data(as_text=True)
    assert 'data-slug="conseillers-entreprises"' in never and 'data-slug="signaux-faibles"' not in never
    assert 'data-slug="signaux-faibles"' not in as_chair.get("/startups/?impact=validated").get_data(as_text=True)
    refused = as_chair.get("/startups/?impact=or")
    assert refused.status_code == 400 and "Niveau d’impact inconnu : « or »" in refused.get_data(as_text=True)

    text = as_chair.get("/startups/export.csv?impact=certified").get_data().decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["slug"], row["impact_level"], row["impact_on"], row["impact_by"]) == (
        "signaux-faibles", "Matrice certifiée", (TODAY - timedelta(days=2)).isoformat(), "Coachs produit de la DINUM"
    )


def test_the_funnel_of_a_past_day_counts_only_the_startups_of_the_level_asked(as_chair):
    _record(as_chair, certified_on=(TODAY - timedelta(days=2)).isoformat())
    for on in (TODAY, TODAY - timedelta(days=1)):
        page = as_chair.get(f"/startups/?impact=certified&on={on.isoformat()}").get_data(as_text=True)
        counts = {phase: int(count) for phase, count in
                  re.findall(r'data-phase="([^"]+)"[^>]*>\s*[^<:]+ : (\d+)</a>', page, re.S)}
        assert sum(counts.values()) == 1 and all(count >= 0 for count in counts.values()), (on, counts)


def test_the_api_gives_the_level_and_its_history(as_chair):
    _record(as_chair, level="published", certified_on=(TODAY - timedelta(days=10)).isoformat(), certified_by="")
    _record(as_chair, certified_on=TODAY.isoformat())
    body = as_chair.get("/api/v1/startups/signaux-faibles").get_json()
    assert body["impact"] == {"level": "certified", "label": "Matrice certifiée", "since": TODAY.isoformat(),
                              "certified_by": "Coachs produit de la DINUM"}
    assert [(item["level"], item["since"], item["recorded_by"]) for item in body["impact_history"]] == [
        ("certified", TODAY.isoformat(), "Claire Lefèvre"),
        ("published", (TODAY - timedelta(days=10)).isoformat(), "Claire Lefèvre"),
    ]
    other = as_chair.get("/api/v1/startups/conseillers-entreprises").get_json()
    assert other["impact"] is None and other["impact_history"] == []


def test_the_dossier_and_its_pdf_show_the_level(as_chair):
    _record(as_chair)
    meeting = committee()
    pack = as_chair.get(f"/governance/meetings/{meeting.id}/pack").get_data(as_text=True)
    signaux = pack[pack.index('data-slug="signaux-faibles"'):]
    impact = signaux[signaux.index('data-testid="dossier-impact"'):]
    assert "Matrice certifiée" in impact[:400] and "certifié par Coachs produit de la DINUM" in impact[:400]
    place = pack[pack.index('data-slug="conseillers-entreprises"'):]
    assert "Aucun niveau d’impact enregistré." in place

    from test_governance_pack_pdf import pdf_text

    text = pdf_text(as_chair.get(f"/governance/meetings/{meeting.id}/pack.pdf").data)
    assert "Niveau d’impact certifié" in text and "Matrice certifiée" in text


def test_a_kept_startup_page_and_portfolio_row_show_a_new_level_at_once(as_chair):
    """Both are kept under what they show (the startup's revision, the row's values): recording a
    level is a write on the startup's record, so the next request shows it."""
    page, row = as_chair.get("/startups/signaux-faibles").get_data(as_text=True), \
        as_chair.get("/startups/?q=signaux").get_data(as_text=True)
    assert "Matrice certifiée" not in page and "data-impact-cell" not in row
    assert _record(as_chair).status_code == 302
    assert "Matrice certifiée" in as_chair.get("/startups/signaux-faibles").get_data(as_text=True)
    assert "data-impact-cell" in as_chair.get("/startups/?q=signaux").get_data(as_text=True)
