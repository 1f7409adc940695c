"""A startup's own pages: what everyone sees, what coaches and intrapreneurs may write, the
French errors (422, nothing saved), the audit event of every write, who is refused, and a
query count of the startup page that does not grow with the data."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conftest import PASSWORD, count_statements, csrf_token
from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import acting_as
from portfolio.extensions import db
from portfolio.startups import operations
from portfolio.startups.models import (
    Incubator,
    Indicator,
    Measurement,
    Milestone,
    Organisation,
    Startup,
    TeamMember,
)
from portfolio.startups.phases import ACTIVE_PHASES
from portfolio.timeutil import today_in_paris

SF = "/startups/signaux-faibles"


@pytest.fixture
def people(demo, make_user):
    db.session.add(Incubator(slug="autre-incubateur", name="Un autre incubateur"))
    db.session.commit()
    return {
        "coach": make_user("coach", scope="dinum", name="Camille Coach"),
        "coach_other": make_user("coach", scope="autre-incubateur"),
        "intrapreneur": make_user("intrapreneur", scope="signaux-faibles", name="Inès Intra"),
        "intrapreneur_other": make_user("intrapreneur", scope="conseillers-entreprises"),
        "finance": make_user("finance"),
    }


@pytest.fixture
def as_user(app, people):
    """A logged-in test client per role: as_user("coach")."""

    def client_for(role: str):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"csrf_token": token, "email": people[role].email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return client_for


def send(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def startup(slug: str = "signaux-faibles") -> Startup:
    db.session.expire_all()
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(object_type: str, action: str | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.object_type == object_type).order_by(AuditEvent.id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.session.scalars(statement))


def spans(slug: str = "signaux-faibles"):
    return [(span.phase, span.start, span.end) for span in sorted(startup(slug).phase_spans, key=lambda s: s.start)]


# --- The startup page -------------------------------------------------------------------------


def test_the_startup_page_shows_identity_phase_timeline_charts_and_history(as_user):
    page = as_user("finance").get(SF).get_data(as_text=True)
    assert "<h1>Signaux Faibles</h1>" in page
    assert "Accélération" in page and "depuis le 01/04/2019" in page
    sponsors = re.search(r'data-testid="sponsors">(.*?)</dd>', page, re.S).group(1)
    assert all(name in sponsors for name in ("DGE", "DGEFP", "BDF", "ACOSS", "DINUM"))
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', page, re.S).group(1)
    assert "Construction → <strong>Accélération</strong>" in timeline
    assert "Convention d’avril 2019" in timeline and "Enregistré par démo" in timeline
    assert "Tests d’intrusion du CERT de la Banque de France" in timeline
    assert page.count('data-testid="indicator-chart"') == 1
    for value in ("8\u202f000", "20\u202f000", "300\u202f000"):
        assert value in page
    assert 'href="/startups/signaux-faibles/history"' in page[page.index('data-testid="history-link"'):]
    assert 'data-testid="actions"' not in page and "<form method=\"post\" novalidate" not in page


def test_the_detailed_history_tells_every_change_newest_first_a_page_at_a_time(app, as_user):
    """Every event about the startup and its records (not another startup's), in French, newest
    first; past a page, the rest on the next pages; in the same number of statements per page."""
    subject, other = startup(), startup("conseillers-entreprises")
    with acting_as(label="Camille Coach"):
        for i in range(app.config["PAGE_SIZE"] + 5):
            operations.log_milestone(subject, date(2015, 1, 1) + timedelta(days=i), "other", f"Fait numéro {i}")
        operations.log_milestone(other, date(2015, 1, 1), "other", "Fait d’une autre startup")
        db.session.commit()
    client = as_user("finance")
    first = client.get(f"{SF}/history")
    assert first.status_code == 200
    first = first.get_data(as_text=True)
    table = first[first.index('data-testid="history"'):]
    assert "Fait numéro 54" in table and "Fait d’une autre startup" not in table
    assert table.index("Fait numéro 54") < table.index("Fait numéro 53")
    assert table.count("<tr>") == app.config["PAGE_SIZE"] + 1  # the header's row and a page of events
    assert "Fait marquant" in table and "Camille Coach" in table and "milestone #" not in table
    total = int(re.search(r"([\d\u202f]+) événements", first).group(1).replace("\u202f", ""))
    pages = [table]
    for number in range(2, -(-total // app.config["PAGE_SIZE"]) + 1):
        html = client.get(f"{SF}/history?page={number}").get_data(as_text=True)
        pages.append(html[html.index('data-testid="history"'):])
    assert sum(page.count("<tr>") - 1 for page in pages) == total
    every = "".join(pages)
    assert all(every.count(f"Fait numéro {i}<") == 1 for i in range(app.config["PAGE_SIZE"] + 5))
    assert count_statements(client, f"{SF}/history") == count_statements(client, f"{SF}/history?page={len(pages)}")
    assert client.get("/startups/inconnue/history").status_code == 404


def test_the_page_obeys_the_content_security_policy(as_user):
    page = as_user("coach").get(SF).get_data(as_text=True)
    assert 'style="' not in page and "<style" not in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_an_unknown_startup_is_not_found(as_user):
    assert as_user("coach").get("/startups/inconnue").status_code == 404


def test_the_demo_includes_place_des_entreprises_from_the_convention(as_user):
    page = as_user("finance").get("/startups/conseillers-entreprises").get_data(as_text=True)
    assert "Place des Entreprises" in page and "Transféré" in page
    assert "Convention de délégation de gestion FTM : 200 000 €" in page
    assert "Conseil régional d’Île-de-France" in page


# --- Identity -----------------------------------------------------------------------------------


def test_a_coach_creates_a_startup_and_the_creation_is_audited(as_user, people):
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    dge = db.session.scalar(select(Organisation).where(Organisation.slug == "dge"))
    response = send(
        as_user("coach"),
        "/startups/new",
        {"name": "Mon Entreprise Éco", "pitch": "Aider", "incubator": dinum.id, "sponsors": [dge.id]},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/startups/mon-entreprise-eco")
    created = startup("mon-entreprise-eco")
    assert created.incubator.slug == "dinum" and [link.organisation.slug for link in created.sponsorships] == ["dge"]
    creation = events("startup", "create")[-1]
    assert creation.object_id == str(created.id) and creation.actor_label == "Camille Coach"
    assert events("sponsorship", "create")[-1].object_id == f"{created.id}-{dge.id}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Ce champ est obligatoire"),
        ({"name": "X", "incubator": ""}, "Choisissez l’incubateur principal"),
        ({"name": "X", "slug": "Pas Bon"}, "ne convient pas"),
        ({"name": "X", "slug": "signaux-faibles"}, "Une startup a déjà l’identifiant « signaux-faibles »"),
        ({"name": "X", "website": "pas une adresse"}, "Saisissez une adresse web complète"),
    ],
    ids=["no-name", "no-incubator", "bad-slug", "taken-slug", "bad-url"],
)
def test_creating_with_bad_input_gives_a_french_error_and_saves_nothing(as_user, data, message):
    dinum_id = db.session.scalar(select(Incubator.id).where(Incubator.slug == "dinum"))
    before, audit_before = count(Startup), count(AuditEvent)
    response = send(as_user("coach"), "/startups/new", {"incubator": dinum_id, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (count(Startup), count(AuditEvent)) == (before, audit_before)


def test_a_coach_cannot_place_a_startup_in_an_incubator_they_do_not_coach(as_user):
    dinum_id = db.session.scalar(select(Incubator.id).where(Incubator.slug == "dinum"))
    response = send(as_user("coach_other"), "/startups/new", {"name": "Ailleurs", "incubator": dinum_id})
    assert response.status_code == 422
    assert "choisissez au moins un incubateur que vous accompagnez" in response.get_data(as_text=True)
    assert startup("ailleurs") is None


def test_a_coach_edits_identity_co_incubators_and_sponsors(as_user):
    other = db.session.scalar(select(Incubator).where(Incubator.slug == "autre-incubateur"))
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    dge, bdf = (db.session.scalar(select(Organisation).where(Organisation.slug == slug)) for slug in ("dge", "bdf"))
    response = send(
        as_user("coach"),
        f"{SF}/edit",
        {
            "name": "Signaux Faibles",
            "pitch": "Détecter tôt les entreprises en difficulté",
            "incubator": dinum.id,
            "co_incubators": [other.id],
            "porteur": "DGE",
            "sponsors": [dge.id, bdf.id],
            "website": "https://signaux-faibles.beta.gouv.fr",
        },
    )
    assert response.status_code == 302
    edited = startup()
    assert edited.pitch == "Détecter tôt les entreprises en difficulté"
    assert edited.incubator_ids == {dinum.id, other.id}
    assert {link.organisation.slug for link in edited.sponsorships} == {"dge", "bdf"}
    update = events("startup", "update")[-1]
    assert update.after["pitch"] == "Détecter tôt les entreprises en difficulté"
    assert update.after["website"] == "https://signaux-faibles.beta.gouv.fr"
    assert len(events("sponsorship", "delete")) == 3  # dgefp, acoss and dinum are no longer sponsors
    assert events("co_incubation", "create")


def test_editing_with_a_bad_link_changes_nothing(as_user):
    dinum_id = db.session.scalar(select(Incubator.id).where(Incubator.slug == "dinum"))
    audit_before = count(AuditEvent)
    response = send(
        as_user("coach"), f"{SF}/edit", {"name": "Autre nom", "incubator": dinum_id, "repository": "github"}
    )
    assert response.status_code == 422 and "Saisissez une adresse web complète" in response.get_data(as_text=True)
    assert startup().name == "Signaux Faibles" and count(AuditEvent) == audit_before


# --- Phases -----------------------------------------------------------------------------------


def test_a_coach_changes_the_phase_and_the_timeline_says_who_when_why_and_before(as_user):
    coach = as_user("coach")
    response = send(coach, f"{SF}/phase", {"phase": "consolidation", "on": "2021-01-04", "reason": "Comité de décembre"})
    assert response.status_code == 302
    assert spans()[-2:] == [
        ("acceleration", date(2019, 4, 1), date(2021, 1, 4)),
        ("consolidation", date(2021, 1, 4), None),
    ]
    assert [event.reason for event in events("phase_span")[-2:]] == ["Comité de décembre", "Comité de décembre"]
    assert events("phase_span", "phase_change")[-1].actor_label == "Camille Coach"
    page = coach.get(SF).get_data(as_text=True)
    assert "Accélération → <strong>En consolidation</strong>" in page
    assert "Enregistré par Camille Coach le" in page and "Motif : « Comité de décembre »" in page


def test_going_back_in_the_lifecycle_asks_for_confirmation_first(as_user):
    coach = as_user("coach")
    data = {"phase": "construction", "on": "2021-01-04", "reason": "Retour en construction"}
    response = send(coach, f"{SF}/phase", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="confirmation"' in page and "reviendrait de « Accélération » à « Construction »" in page
    assert 'name="confirmed" value="1"' in page
    assert spans()[-1] == ("acceleration", date(2019, 4, 1), None)
    assert send(coach, f"{SF}/phase", {**data, "confirmed": "1"}).status_code == 302
    assert spans()[-1] == ("construction", date(2021, 1, 4), None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phase": "consolidation", "on": "2021-01-04", "reason": ""}, "Indiquez le motif du changement de phase"),
        ({"phase": "consolidation", "on": "04/01/2021x", "reason": "x"}, "date"),
        ({"phase": "", "on": "2021-01-04", "reason": "x"}, "Choisissez la nouvelle phase"),
        ({"phase": "consolidation", "on": "2019-01-01", "reason": "x"}, "un changement de phase doit être daté après"),
        ({"phase": "acceleration", "on": "2021-01-04", "reason": "x"}, "déjà en phase « Accélération »"),
    ],
    ids=["no-reason", "bad-date", "no-phase", "before-current-span", "same-phase"],
)
def test_a_bad_phase_change_gives_a_french_error_and_changes_nothing(as_user, data, message):
    before, audit_before = spans(), count(AuditEvent)
    response = send(as_user("coach"), f"{SF}/phase", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert spans() == before and count(AuditEvent) == audit_before


def test_a_change_dated_in_the_future_is_shown_as_planned(as_user):
    coach = as_user("coach")
    later = today_in_paris() + timedelta(days=40)
    send(coach, f"{SF}/phase", {"phase": "consolidation", "on": later.isoformat(), "reason": "Prévu au comité"})
    page = coach.get(SF).get_data(as_text=True)
    current = re.search(r'data-testid="current-phase">(.*?)</p>', page, re.S).group(1)
    assert "Accélération" in current and "Prévu" in current and f"{later:%d/%m/%Y}" in current


def test_a_coach_corrects_a_past_span_with_a_reason(as_user):
    coach = as_user("coach")
    first = min(startup().phase_spans, key=lambda span: span.start)
    response = send(
        coach,
        f"{SF}/phases/{first.id}/edit",
        {"phase": "construction", "start": "2016-03-01", "end": "2019-04-01", "comment": "", "reason": "Date exacte"},
    )
    assert response.status_code == 302
    assert spans()[0] == ("construction", date(2016, 3, 1), date(2019, 4, 1))
    correction = events("phase_span", "phase_correction")[-1]
    assert correction.before["start"] == "2016-01-01" and correction.after["start"] == "2016-03-01"
    assert correction.reason == "Date exacte" and correction.actor_label == "Camille Coach"
    page = coach.get(SF).get_data(as_text=True)
    assert "Correction par Camille Coach" in page and "Début 01/01/2016 → 01/03/2016" in page


def test_a_correction_that_overlaps_is_refused(as_user):
    first = min(startup().phase_spans, key=lambda span: span.start)
    before, audit_before = spans(), count(AuditEvent)
    response = send(
        as_user("coach"),
        f"{SF}/phases/{first.id}/edit",
        {"phase": "construction", "start": "2016-01-01", "end": "2020-01-01", "reason": "erreur"},
    )
    assert response.status_code == 422 and "se chevauchent" in response.get_data(as_text=True)
    assert spans() == before and count(AuditEvent) == audit_before


def test_a_span_of_another_startup_is_not_found_under_this_one(as_user):
    other_span = startup("conseillers-entreprises").phase_spans[0]
    assert as_user("coach").get(f"{SF}/phases/{other_span.id}/edit").status_code == 404


# --- Team ----------------------------------------------------------------------------------------


def test_a_coach_adds_a_team_member_then_records_their_departure(as_user):
    coach = as_user("coach")
    response = send(coach, f"{SF}/team/new", {"name": "Dominique Dev", "role": "développeuse", "start": "2020-01-06"})
    assert response.status_code == 302
    member = db.session.scalar(select(TeamMember).where(TeamMember.name == "Dominique Dev"))
    assert events("team_member", "create")[-1].object_id == str(member.id)
    response = send(coach, f"{SF}/team/{member.id}/end", {"end": "2019-12-01"})
    assert response.status_code == 422 and "précède la date d’arrivée" in response.get_data(as_text=True)
    assert send(coach, f"{SF}/team/{member.id}/end", {"end": "2021-06-30"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(TeamMember, member.id).end == date(2021, 6, 30)
    assert events("team_member", "update")[-1].after == {"end": "2021-06-30"}


def test_a_team_member_without_a_role_is_refused(as_user):
    response = send(as_user("coach"), f"{SF}/team/new", {"name": "Sans Rôle", "role": ""})
    assert response.status_code == 422 and "Ce champ est obligatoire" in response.get_data(as_text=True)
    assert count(TeamMember) == 0


# --- Milestones and indicators ------------------------------------------------------------------


def test_an_intrapreneur_logs_a_milestone_with_a_measurement_on_their_startup(as_user):
    intrapreneur = as_user("intrapreneur")
    indicator = startup().indicators[0]
    before = startup().updated_at
    response = send(
        intrapreneur,
        f"{SF}/milestones/new",
        {
            "date": "2020-06-30",
            "kind": "national_impact",
            "title": "Déploiement dans toutes les régions",
            "text": "",
            f"indicator_{indicator.id}": "350 000",
        },
    )
    assert response.status_code == 302
    milestone = db.session.scalar(select(Milestone).where(Milestone.title == "Déploiement dans toutes les régions"))
    measurement = db.session.scalar(select(Measurement).where(Measurement.milestone_id == milestone.id))
    assert measurement.value == 350000 and measurement.date == date(2020, 6, 30)
    assert events("milestone", "create")[-1].actor_label == "Inès Intra"
    assert events("measurement", "create")[-1].object_id == str(measurement.id)
    assert startup().updated_at > before
    page = intrapreneur.get(SF).get_data(as_text=True)
    assert "Déploiement dans toutes les régions" in page and "350\u202f000" in page
    assert page.count("<circle") == 4


def test_a_milestone_with_a_value_that_is_not_a_number_is_refused(as_user):
    indicator = startup().indicators[0]
    before, audit_before = count(Milestone), count(AuditEvent)
    response = send(
        as_user("intrapreneur"),
        f"{SF}/milestones/new",
        {"date": "2020-06-30", "kind": "other", "title": "Essai", f"indicator_{indicator.id}": "beaucoup"},
    )
    assert response.status_code == 422 and "n’est pas un nombre" in response.get_data(as_text=True)
    assert (count(Milestone), count(AuditEvent)) == (before, audit_before)


def test_a_milestone_needs_a_known_kind_and_a_title(as_user):
    response = send(as_user("intrapreneur"), f"{SF}/milestones/new", {"date": "2020-06-30", "kind": "fête", "title": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Ce champ est obligatoire" in page and "choix valide" in page


def test_an_intrapreneur_adds_an_indicator_and_measures_it(as_user):
    intrapreneur = as_user("intrapreneur")
    response = send(intrapreneur, f"{SF}/indicators/new", {"name": "Entreprises accompagnées", "unit": "entreprises"})
    indicator = db.session.scalar(select(Indicator).where(Indicator.name == "Entreprises accompagnées"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/indicators/{indicator.id}/measurements/new"
    )
    assert send(intrapreneur, response.headers["Location"], {"date": "2026-06-30", "value": "700"}).status_code == 302
    duplicate = send(intrapreneur, response.headers["Location"], {"date": "2026-06-30", "value": "12,5"})
    assert duplicate.status_code == 422 and "existe déjà pour le 30/06/2026" in duplicate.get_data(as_text=True)
    again = send(intrapreneur, f"{SF}/indicators/new", {"name": "entreprises accompagnées"})
    assert again.status_code == 422 and "suit déjà l’indicateur" in again.get_data(as_text=True)
    assert [(m.date, m.value) for m in db.session.get(Indicator, indicator.id).measurements] == [(date(2026, 6, 30), 700)]
    assert events("indicator", "create") and events("measurement", "create")[-1].after["value"] == "700"


def test_the_chart_is_escaped_svg_with_french_numbers():
    from portfolio.startups.charts import format_number, indicator_chart

    svg = indicator_chart("<b>visites</b>", "pages", [(date(2020, 1, 1), 1500), (date(2020, 6, 1), 12.5)], "c")
    assert svg.startswith("<svg") and "<b>" not in svg and "&lt;b&gt;visites&lt;/b&gt;" in svg
    assert svg.count("<circle") == 2 and "<polyline" in svg
    assert "01/01/2020 : 1\u202f500 pages" in svg and "12,5" in svg
    assert format_number(1234567) == "1\u202f234\u202f567" and indicator_chart("x", None, [], "c") == ""


def test_the_touch_of_updated_at_leaves_no_event_of_its_own(as_user):
    indicator = startup().indicators[0]
    audit_before = count(AuditEvent)
    send(as_user("intrapreneur"), f"{SF}/indicators/{indicator.id}/measurements/new", {"date": "2020-06-30", "value": "1"})
    new_events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(audit_before)).all()
    assert [event.object_type for event in new_events] == ["measurement"]


# --- Who may do what -------------------------------------------------------------------------------


def test_another_startup_s_page_is_read_only_for_an_intrapreneur(as_user):
    other = as_user("intrapreneur_other")
    page = other.get(SF).get_data(as_text=True)
    assert "Ajouter un fait marquant" not in page and "Ajouter une mesure" not in page
    assert "Changer de phase" not in page and "Corriger cette période" not in page
    indicator = startup().indicators[0]
    assert send(other, f"{SF}/milestones/new", {"date": "2020-01-01", "kind": "other", "title": "x"}).status_code == 403
    assert send(other, f"{SF}/indicators/{indicator.id}/measurements/new", {"date": "2020-01-01", "value": "1"}).status_code == 403
    assert count(Milestone) == 6


def test_an_intrapreneur_logs_but_does_not_edit_their_startup(as_user):
    own = as_user("intrapreneur")
    page = own.get(SF).get_data(as_text=True)
    assert "Ajouter un fait marquant" in page and "Ajouter une mesure" in page
    assert "Changer de phase" not in page and "Modifier les informations" not in page
    assert send(own, f"{SF}/phase", {"phase": "abandon", "on": "2021-01-01", "reason": "x"}).status_code == 403


def test_a_coach_of_another_incubator_reads_but_does_not_write(as_user):
    other = as_user("coach_other")
    page = other.get(SF).get_data(as_text=True)
    assert "Changer de phase" not in page and "Ajouter un fait marquant" not in page
    assert send(other, f"{SF}/phase", {"phase": "abandon", "on": "2021-01-01", "reason": "x"}).status_code == 403
    assert spans()[-1][0] == "acceleration"


# --- The number of queries of the startup page ------------------------------------------------------


def _startup_of_size(size: int) -> Startup:
    """A startup with `size` phase spans, milestones (with a measurement each), team members,
    co-incubators and sponsors, and size // 5 indicators: all written through the operations."""
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    incubators = [Incubator(slug=f"inc-{size}-{i}", name=f"Incubateur {size}-{i}") for i in range(size)]
    organisations = [Organisation(slug=f"org-{size}-{i}", name=f"Organisation {size}-{i}") for i in range(size)]
    db.session.add_all(incubators + organisations)
    with acting_as(label="test"):
        subject = operations.create_startup(
            name=f"Taille {size}",
            incubator=dinum,
            porteur=organisations[0],
            co_incubators=incubators,
            sponsors=organisations,
        )
        indicators = [operations.add_indicator(subject, f"Indicateur {i}", "unités") for i in range(size // 5)]
        for i in range(size):
            on = date(2000, 1, 1) + timedelta(days=30 * i)
            operations.change_phase(subject, to=ACTIVE_PHASES[i % 4], on=on, reason=f"Étape {i}", confirmed=True)
            operations.log_milestone(subject, on, "other", f"Fait {i}", measurements=[(indicators[i % len(indicators)], i)])
            operations.add_team_member(subject, f"Personne {i}", "développeur·se", start=on)
    db.session.commit()
    return subject


def test_the_startup_page_runs_the_same_number_of_queries_whatever_the_data_size(as_user):
    small, large = _startup_of_size(5), _startup_of_size(50)
    client = as_user("coach")
    for slug in (small.slug, large.slug):  # warm up: first requests load what is cached per process
        client.get(f"/startups/{slug}")
    small_count = count_statements(client, f"/startups/{small.slug}")
    large_count = count_statements(client, f"/startups/{large.slug}")
    page = client.get(f"/startups/{large.slug}").get_data(as_text=True)
    # Every phase change; the 20 newest milestones, and a link to all of them.
    assert page.count('data-kind="milestone"') == 20 and page.count('data-kind="phase"') == 50
    assert "Voir les 50 faits marquants" in page
    assert page.count('data-testid="indicator-chart"') == 10
    assert small_count == large_count, f"{small_count} queries for 5 of each, {large_count} for 50"
    print(f"startup page: {small_count} SQL statements for 5 of each, {large_count} for 50")


def _without_csrf(page: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]+', r"\1", page)


def test_the_page_body_is_kept_per_reader_until_the_next_write(as_user):
    """Rendered once per write and reader: each reader keeps their own buttons; a write shows at once."""
    coach, other = as_user("coach"), as_user("coach_other")
    first = coach.get(SF).get_data(as_text=True)
    assert "Modifier les informations" in first
    assert "Modifier les informations" not in other.get(SF).get_data(as_text=True)
    # the same body and layout; the CSRF token is signed with the second it was made, so it may differ
    assert _without_csrf(coach.get(SF).get_data(as_text=True)) == _without_csrf(first)
    with acting_as(label="essai"):
        startup().pitch = "Anticiper les défaillances d’entreprises"
        db.session.commit()
    assert "Anticiper les défaillances d’entreprises" in coach.get(SF).get_data(as_text=True)
    assert "Anticiper les défaillances d’entreprises" in other.get(SF).get_data(as_text=True)


def test_a_kept_page_shows_at_once_what_changed_in_its_record_or_in_the_names_it_shows(as_user):
    """The body is kept under the startup's revision: a milestone, the incubator's or a sponsor's new
    name shows on the next request, in any order of readers."""
    coach, intrapreneur = as_user("coach"), as_user("intrapreneur")
    assert "Incubateur interministériel" not in coach.get(SF).get_data(as_text=True)
    send(intrapreneur, f"{SF}/milestones/new", {"date": today_in_paris().isoformat(), "kind": "other",
                                                 "title": "Ouverture à tous les départements", "text": ""})
    assert "Ouverture à tous les départements" in coach.get(SF).get_data(as_text=True)
    with acting_as(label="essai"):
        renamed = startup()
        renamed.incubator.name = "Incubateur interministériel"
        sponsor = renamed.sponsorships[0].organisation
        sponsor.name, sponsor.acronym = "Sponsor renommé", None
        db.session.commit()
    for reader in (coach, intrapreneur):
        page = reader.get(SF).get_data(as_text=True)
        assert "Incubateur interministériel" in page and "Sponsor renommé" in page
