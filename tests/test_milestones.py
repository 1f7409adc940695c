"""A startup's milestones: the startup page shows the newest and links to all of them, a page at a
time; its coaches and its intrapreneurs correct or remove one (removal asks first), French errors
change nothing, each write leaves its audit event, and others are refused."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import PASSWORD, csrf_token
from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import acting_as
from portfolio.extensions import db
from portfolio.startups import operations
from portfolio.startups.models import Indicator, Measurement, Milestone, Startup

SF = "/startups/signaux-faibles"


@pytest.fixture
def people(demo, make_user):
    return {
        "coach": make_user("coach", scope="dinum", name="Camille Coach"),
        "intrapreneur": make_user("intrapreneur", scope="signaux-faibles", name="Inès Intra"),
        "intrapreneur_other": make_user("intrapreneur", scope="conseillers-entreprises"),
        "finance": make_user("finance"),
    }


@pytest.fixture
def as_user(app, people):
    def client_for(role: str):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"csrf_token": token, "email": people[role].email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return client_for


def send(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def signaux_faibles() -> Startup:
    db.session.expire_all()
    return db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))


@pytest.fixture
def milestone(people) -> Milestone:
    subject = signaux_faibles()
    indicator = Indicator(name="Établissements traités", unit="établissements")
    subject.indicators.append(indicator)
    db.session.flush()
    with acting_as(label="test"):
        logged = operations.log_milestone(
            subject, date(2021, 3, 1), "product_launch", "Ouverture aux URSSAF", "Première version.",
            measurements=[(indicator, "8000")],
        )
    db.session.commit()
    return logged


def milestone_events(milestone_id: int, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "milestone", AuditEvent.object_id == str(milestone_id), AuditEvent.action == action
    )))


def test_an_intrapreneur_corrects_a_milestone_and_the_audit_keeps_before_and_after(as_user, milestone):
    client = as_user("intrapreneur")
    url = f"{SF}/milestones/{milestone.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "Ouverture aux URSSAF" in form and 'value="2021-03-01"' in form
    response = send(client, url, {"date": "2021-03-15", "kind": "national_impact", "title": "Ouverture nationale",
                                  "text": "## Bilan\n\n- 8 000 établissements"})
    assert response.status_code == 302
    corrected = db.session.get(Milestone, milestone.id)
    db.session.refresh(corrected)
    assert (corrected.date, corrected.kind, corrected.title) == (date(2021, 3, 15), "national_impact", "Ouverture nationale")
    [event] = milestone_events(milestone.id, "update")
    assert event.actor_label == "Inès Intra"
    assert event.before["title"] == "Ouverture aux URSSAF" and event.after["title"] == "Ouverture nationale"
    page = client.get(SF).get_data(as_text=True)
    assert "Ouverture nationale" in page and "<li>8 000 établissements</li>" in page


def test_a_bad_correction_gives_french_errors_and_changes_nothing(as_user, milestone):
    client = as_user("coach")
    response = send(client, f"{SF}/milestones/{milestone.id}/edit", {"date": "31/02/2021", "kind": "fête", "title": ""})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in text and "Rien n’a été enregistré" in text
    assert "Indiquez la date du fait marquant." in text and "Ce champ est obligatoire." in text
    assert "est pas un choix valide." in text
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).title == "Ouverture aux URSSAF"
    assert milestone_events(milestone.id, "update") == []


def test_removing_a_milestone_asks_first_then_keeps_its_measurements(as_user, milestone):
    client = as_user("coach")
    url = f"{SF}/milestones/{milestone.id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Supprimer le fait marquant « Ouverture aux URSSAF » ?" in confirm.get_data(as_text=True)
    assert db.session.get(Milestone, milestone.id) is not None  # nothing removed by asking
    response = send(client, url, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id) is None
    [measurement] = db.session.scalars(select(Measurement).join(Indicator).where(Indicator.name == "Établissements traités"))
    assert measurement.milestone_id is None and measurement.value == 8000
    [event] = milestone_events(milestone.id, "delete")
    assert event.actor_label == "Camille Coach" and event.before["title"] == "Ouverture aux URSSAF"
    assert "Fait marquant supprimé : Ouverture aux URSSAF." in client.get(SF).get_data(as_text=True)


@pytest.mark.parametrize("role", ["intrapreneur_other", "finance"])
def test_others_may_neither_correct_nor_remove(as_user, milestone, role):
    client = as_user(role)
    for action in ("edit", "delete"):
        url = f"{SF}/milestones/{milestone.id}/{action}"
        assert client.get(url).status_code == 403
        assert send(client, url, {"date": "2021-01-01", "kind": "other", "title": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).title == "Ouverture aux URSSAF"


def test_a_milestone_of_another_startup_is_not_found(as_user, milestone):
    assert as_user("coach").get(f"/startups/conseillers-entreprises/milestones/{milestone.id}/edit").status_code in (403, 404)


def test_a_startup_with_many_milestones_shows_the_newest_and_pages_the_rest(app, as_user, people):
    subject = signaux_faibles()
    with acting_as(label="test"):
        for i in range(130):
            operations.log_milestone(subject, date(2015, 1, 1) + timedelta(days=i), "other", f"Fait numéro {i}",
                                     text="Un texte " * 40)
    db.session.commit()
    client = as_user("finance")
    page = client.get(SF).get_data(as_text=True)
    assert page.count('data-kind="milestone"') == 20
    timeline = page[page.index('data-testid="timeline"'):page.index('id="indicateurs"')]
    assert "Fait numéro 129" in timeline and "Fait numéro 100" not in timeline
    assert "Voir les 13" in page  # "Voir les 130 faits marquants" (or more with the demo's own)
    total = len(subject.milestones)
    first = client.get(f"{SF}/milestones").get_data(as_text=True)
    assert f"{total} faits marquants" in first.replace("\u202f", " ")
    assert first.count("data-milestone=") == app.config["PAGE_SIZE"]
    last_page = -(-total // app.config["PAGE_SIZE"])
    last = client.get(f"{SF}/milestones?page={last_page}").get_data(as_text=True)
    assert last.count("data-milestone=") == total - (last_page - 1) * app.config["PAGE_SIZE"]
    # finance reads, but may not correct
    assert "Corriger" not in first


def test_a_startup_page_with_1700_milestones_stays_light(as_user, people):
    subject = signaux_faibles()
    with acting_as(label="test"):
        subject.milestones.extend(
            Milestone(date=date(2000, 1, 1) + timedelta(days=i), kind="other", title=f"Fait marquant n° {i}",
                      text="Un paragraphe de texte qui raconte ce qui s’est passé ce jour-là. " * 3)
            for i in range(1700)
        )
        db.session.commit()
    response = as_user("finance").get(SF)
    assert response.status_code == 200
    size = len(response.get_data())
    print(f"startup page with 1,700 milestones: {size // 1000} kB")
    assert size < 150_000, f"{size} bytes"
