"""Preparing a meeting: scheduling in Paris time, participants, the agenda and its times, the
intrapreneur's preparation, the pack (sent, printable, assembled in a constant number of SQL
statements), the list of meetings, and the demo committee."""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import chair, committee, intrapreneur, next_weekday, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.models import Meeting, Preparation, Review
from portfolio.startups import operations as startup_operations
from portfolio.timeutil import today_in_paris, utcnow


@pytest.fixture
def as_persona(client):
    """The client, logged out of any previous persona and in as this one."""

    def log_in(email: str):
        post_form(client, "/logout", token_from="/login")
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD}, token_from="/login")
        assert response.status_code == 302
        return client

    return log_in


def meeting_count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


# --- Scheduling ----------------------------------------------------------------------------


def test_a_chair_schedules_a_committee_in_paris_time_stored_in_utc(demo, as_persona):
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = post_form(
        client,
        "/governance/meetings/new",
        {
            "kind": "investment_committee",
            "title": "",
            "day": "2030-07-01",
            "at": "14:00",
            "location": "DGE, salle 2.14",
            "video_link": "",
            "chair": str(chair().id),
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.starts_at == datetime(2030, 7, 1, 12, 0, tzinfo=timezone.utc))
    )
    assert meeting is not None, "14:00 in Paris in July is 12:00 UTC"
    assert meeting.title == "Comité d’investissement du 01/07/2030"
    assert meeting.status == "scheduled" and meeting.chair_id == chair().id
    assert [(participant.user_id, participant.role) for participant in meeting.participants] == [
        (chair().id, "porteur_representative")
    ]
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "meeting", AuditEvent.action == "create")
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "01/07/2030 à 14:00" in page


def test_winter_time_is_one_hour_from_utc_and_a_skipped_hour_is_refused(demo):
    meeting = operations.schedule_meeting(
        "investment_committee", date(2030, 1, 15), time(9, 30), chair(), location="DGE"
    )
    assert meeting.starts_at == datetime(2030, 1, 15, 8, 30, tzinfo=timezone.utc)
    with pytest.raises(operations.GovernanceError, match="n’existe pas à Paris"):
        operations.schedule_meeting("investment_committee", date(2030, 3, 31), time(2, 30), chair(), location="DGE")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"day": "2020-01-06", "at": "14:00"}, "est passé : une réunion se programme à une date à venir"),
        ({"location": ""}, "Indiquez le lieu de la réunion ou son lien de visioconférence"),
        ({"at": ""}, "Indiquez l’heure de début"),
        ({"video_link": "pas une adresse"}, "Saisissez une adresse web complète"),
    ],
)
def test_bad_scheduling_input_is_refused_in_french_and_changes_nothing(demo, as_persona, values, message):
    client = as_persona("presidente@demo.beta.gouv.fr")
    before = meeting_count()
    data = {
        "kind": "investment_committee",
        "day": next_weekday(10).isoformat(),
        "at": "14:00",
        "location": "DGE",
        "chair": str(chair().id),
        **values,
    }
    response = post_form(client, "/governance/meetings/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert meeting_count() == before


def test_a_meeting_in_the_past_is_refused_by_the_operation_too(demo):
    with pytest.raises(operations.GovernanceError, match="est passé"):
        operations.schedule_meeting(
            "governance_instance", today_in_paris() - timedelta(days=1), time(10, 0), chair(), location="DGE"
        )


def test_the_chair_must_preside_committees(demo):
    with pytest.raises(operations.GovernanceError, match="n’est pas président·e de comité"):
        operations.schedule_meeting("investment_committee", next_weekday(), time(10, 0), intrapreneur(), location="DGE")


# --- Agenda --------------------------------------------------------------------------------


def test_reviews_get_the_doctrine_slots_and_the_agenda_computes_times(demo, as_persona):
    meeting = committee()
    assert [
        (r.startup.slug, r.presentation_minutes, r.questions_minutes, r.deliberation_minutes) for r in meeting.reviews
    ] == [
        ("signaux-faibles", 15, 15, 20),
        ("conseillers-entreprises", 15, 15, 20),
    ]
    client = as_persona("presidente@demo.beta.gouv.fr")
    page = client.get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    assert "14:00–14:50" in page and "14:50–15:40" in page

    first, second = meeting.reviews
    response = post_form(
        client, f"/governance/reviews/{first.id}/slots", {"presentation": "10", "questions": "20", "deliberation": "30"}
    )
    assert response.status_code == 302
    response = post_form(client, f"/governance/reviews/{second.id}/move", {"direction": "up"})
    assert response.status_code == 302
    page = client.get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    # Place des Entreprises now opens (50 min), then Signaux Faibles' 60 minutes.
    assert "14:00–14:50" in page and "14:50–15:50" in page
    assert page.index("conseillers-entreprises") < page.index('data-slug="signaux-faibles"')


def test_a_stopped_startup_is_refused_on_the_agenda(demo, as_persona):
    stopped = startup("conseillers-entreprises")
    startup_operations.change_phase(
        stopped, to="abandon", on=today_in_paris() - timedelta(days=1), reason="Arrêt", confirmed=True
    )
    db.session.commit()
    meeting = committee(slugs=["signaux-faibles"])
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = post_form(
        client,
        f"/governance/meetings/{meeting.id}/reviews/new",
        {"startup": "Place des Entreprises", "presentation": "15", "questions": "15", "deliberation": "20"},
    )
    assert response.status_code == 422
    assert (
        "Place des Entreprises est arrêtée (phase « Arrêté ») : une startup arrêtée ne passe plus en comité."
        in response.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count(Review.id)).where(Review.meeting_id == meeting.id)) == 1


def test_a_governance_instance_reviews_one_startup_and_no_startup_twice(demo):
    instance = operations.schedule_meeting("governance_instance", next_weekday(), time(10, 0), chair(), location="DGE")
    operations.add_review(instance, startup("signaux-faibles"))
    with pytest.raises(operations.GovernanceError, match="déjà à l’ordre du jour"):
        operations.add_review(instance, startup("signaux-faibles"))
    with pytest.raises(operations.GovernanceError, match="une seule startup"):
        operations.add_review(instance, startup("conseillers-entreprises"))


def test_slots_out_of_range_are_refused(demo, as_persona):
    meeting = committee(slugs=["signaux-faibles"])
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = post_form(
        client,
        f"/governance/reviews/{meeting.reviews[0].id}/slots",
        {"presentation": "-5", "questions": "15", "deliberation": "20"},
    )
    assert response.status_code == 422
    assert "entre 0 et 240" in response.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.reviews[0].presentation_minutes == 15


# --- Participants --------------------------------------------------------------------------


def test_the_chair_invites_an_account_and_an_outside_guest(demo, as_persona):
    meeting = committee()
    client = as_persona("presidente@demo.beta.gouv.fr")
    url = f"/governance/meetings/{meeting.id}/participants/new"
    assert post_form(client, url, {"user": str(intrapreneur().id), "role": "intrapreneur"}).status_code == 302
    response = post_form(
        client,
        url,
        {"name": "Jeanne Sponsor", "email": "Jeanne.Sponsor@dge.gouv.fr", "organisation": "DGE", "role": "sponsor"},
    )
    assert response.status_code == 302
    # An account already invited is no longer offered; the operation refuses it too.
    assert post_form(client, url, {"user": str(intrapreneur().id), "role": "intrapreneur"}).status_code == 422
    with pytest.raises(operations.GovernanceError, match="Inès Moreau participe déjà à la réunion"):
        operations.add_participant(meeting, "intrapreneur", user=intrapreneur())
    db.session.rollback()
    nobody = post_form(client, url, {"role": "sponsor"})
    assert nobody.status_code == 422 and "indiquez le nom de la personne invitée" in nobody.get_data(as_text=True)

    db.session.expire_all()
    people = {participant.name: participant for participant in meeting.participants}
    assert people["Jeanne Sponsor"].email == "jeanne.sponsor@dge.gouv.fr" and people["Jeanne Sponsor"].user_id is None
    assert people["Inès Moreau"].email == "intrapreneur@demo.beta.gouv.fr"

    guest = people["Jeanne Sponsor"]
    assert post_form(client, f"/governance/meetings/{meeting.id}/participants/{guest.id}/remove").status_code == 302
    seated = next(p for p in meeting.participants if p.user_id == chair().id)
    response = post_form(
        client, f"/governance/meetings/{meeting.id}/participants/{seated.id}/remove", follow_redirects=True
    )
    assert "La présidence ne peut pas être retirée" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(p.name for p in meeting.participants) == ["Claire Lefèvre", "Inès Moreau"]


# --- Preparation ---------------------------------------------------------------------------


def preparation_data(**overrides) -> dict:
    data = {
        "done_since_last": "Déploiement dans trois nouvelles régions.",
        "objectives": "Ouvrir l’outil aux DREETS.",
        "budget_asked": "452 900,50",
        "blockers": "Accès aux données fiscales.",
    }
    for key in ("usable", "used", "useful", "impactful", "efficient"):
        data[f"impact_{key}_level"] = "yes"
        data[f"impact_{key}_comment"] = f"Commentaire {key}"
    return {**data, **overrides}


def test_the_intrapreneur_fills_their_startups_preparation(demo, as_persona):
    meeting = committee()
    review = next(r for r in meeting.reviews if r.startup.slug == "signaux-faibles")
    client = as_persona("intrapreneur@demo.beta.gouv.fr")
    assert client.get(f"/governance/reviews/{review.id}/preparation").status_code == 200
    response = post_form(client, f"/governance/reviews/{review.id}/preparation", preparation_data())
    assert response.status_code == 302
    preparation = db.session.scalar(select(Preparation).where(Preparation.review_id == review.id))
    assert preparation.budget_asked == Decimal("452900.50")
    assert preparation.impact["used"] == {"level": "yes", "comment": "Commentaire used"}
    assert preparation.updated_by_id == intrapreneur().id

    other = next(r for r in meeting.reviews if r.startup.slug == "conseillers-entreprises")
    assert client.get(f"/governance/reviews/{other.id}/preparation").status_code == 403
    assert post_form(client, f"/governance/reviews/{other.id}/preparation", preparation_data()).status_code == 403


def test_an_amount_that_does_not_parse_is_refused_and_nothing_is_saved(demo, as_persona):
    meeting = committee(slugs=["signaux-faibles"])
    review = meeting.reviews[0]
    client = as_persona("intrapreneur@demo.beta.gouv.fr")
    response = post_form(
        client, f"/governance/reviews/{review.id}/preparation", preparation_data(budget_asked="beaucoup")
    )
    assert response.status_code == 422
    assert "« beaucoup » n’est pas un montant valide" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Preparation.id))) == 0
    with pytest.raises(operations.GovernanceError, match="n’est pas un montant valide"):
        operations.save_preparation(review, intrapreneur(), budget_asked="12,345")


def test_the_meeting_page_lists_missing_and_incomplete_preparations(demo, as_persona):
    meeting = committee()
    first = meeting.reviews[0]
    operations.save_preparation(first, intrapreneur(), done_since_last="Beaucoup", objectives="Plus encore")
    db.session.commit()
    page = as_persona("presidente@demo.beta.gouv.fr").get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-preparation="incomplete"' in page and 'data-preparation="missing"' in page
    assert (
        "Signaux Faibles — manque le budget demandé, "
        "la grille d’impact (Utilisable, Utilisé, Utile, Impactant, Efficient)" in page
    )
    assert "Place des Entreprises — manque toute la préparation" in page


# --- The pack ------------------------------------------------------------------------------


def test_sending_the_pack_records_when_and_to_whom(demo, as_persona):
    meeting = committee()
    operations.add_participant(
        meeting, "sponsor", name="Jeanne Sponsor", email="jeanne@dge.gouv.fr", organisation="DGE"
    )
    operations.add_participant(meeting, "portfolio_manager", name="Sans Adresse")
    db.session.commit()
    client = as_persona("presidente@demo.beta.gouv.fr")
    confirmation = client.get(f"/governance/meetings/{meeting.id}/send").get_data(as_text=True)
    assert "Envoyer le dossier (PDF) par courriel" in confirmation
    response = post_form(client, f"/governance/meetings/{meeting.id}/send", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Dossier envoyé" in page
    db.session.expire_all()
    assert meeting.pack_sent_to == ["jeanne@dge.gouv.fr", "presidente@demo.beta.gouv.fr"]
    assert utcnow() - meeting.pack_sent_at < timedelta(minutes=1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "send_pack"))
    assert event.after["pack_sent_to"] == ["jeanne@dge.gouv.fr", "presidente@demo.beta.gouv.fr"]


def test_the_printable_pack_gathers_the_agenda_and_every_dossier(demo, as_persona):
    meeting = committee()
    client = as_persona("presidente@demo.beta.gouv.fr")
    response = client.get(f"/governance/meetings/{meeting.id}/pack")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/static/governance/pack.css" in page and "style=" not in page and "<style" not in page
    assert page.count('data-testid="dossier"') == 2
    assert "Signaux Faibles" in page and "Place des Entreprises" in page
    css = client.get("/static/governance/pack.css")
    assert "@media print" in css.get_data(as_text=True) and "break-before: page" in css.get_data(as_text=True)
    css.close()


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_a_chair_theirs_first_and_an_intrapreneur_only_theirs(demo, as_persona, make_user):
    other_chair = make_user("committee_chair", name="Autre Présidence")
    theirs = operations.schedule_meeting(
        "investment_committee", next_weekday(5), time(9, 0), other_chair, location="DINUM"
    )
    operations.add_review(theirs, startup("conseillers-entreprises"))
    mine = committee(slugs=["signaux-faibles"], days=60, title="Mon comité")
    db.session.commit()
    page = as_persona("presidente@demo.beta.gouv.fr").get("/governance/meetings").get_data(as_text=True)
    assert page.index("Mon comité") < page.index(theirs.title), "the chair's own meetings come first"
    client = as_persona("intrapreneur@demo.beta.gouv.fr")
    listing = client.get("/governance/meetings").get_data(as_text=True)
    assert "Mon comité" in listing and f'data-meeting-id="{theirs.id}"' not in listing
    assert client.get(f"/governance/meetings/{theirs.id}").status_code == 403
    assert client.get(f"/governance/meetings/{mine.id}").status_code == 200


def test_the_list_is_paginated(demo, as_persona, app):
    app.config["PAGE_SIZE"] = 2
    for days in (10, 20, 40):
        committee(slugs=["signaux-faibles"], days=days, title=f"Comité à {days} jours")
    client = as_persona("presidente@demo.beta.gouv.fr")
    first = client.get("/governance/meetings").get_data(as_text=True)
    assert first.count("data-meeting-id=") == 2 and "4 réunions" in first
    assert client.get("/governance/meetings?page=2").get_data(as_text=True).count("data-meeting-id=") == 2


# --- The demo ------------------------------------------------------------------------------


def test_the_demo_schedules_one_upcoming_committee_for_both_startups(demo):
    from portfolio.audit.tracking import acting_as
    from portfolio.demo.data import load_demo

    with acting_as(label="démo"):
        load_demo()
        db.session.commit()
    meetings = db.session.scalars(select(Meeting).where(Meeting.source == "local")).all()
    assert len(meetings) == 1
    meeting = meetings[0]
    assert meeting.chair.email == "presidente@demo.beta.gouv.fr" and meeting.starts_at > utcnow()
    assert [review.startup.slug for review in operations.ordered_reviews(meeting)] == [
        "signaux-faibles",
        "conseillers-entreprises",
    ]
    roles = {participant.role for participant in meeting.participants}
    assert {
        "intrapreneur",
        "sponsor",
        "portfolio_manager",
        "delegant_representative",
        "porteur_representative",
    } <= roles


def test_the_list_shows_exactly_the_meetings_each_person_may_read(demo, make_user):
    """The list's SQL and the `meeting.view` rule agree, role by role."""
    from portfolio.accounts.permissions import can
    from portfolio.governance.queries import visible_meetings
    from portfolio.startups.models import Incubator

    db.session.add(Incubator(slug="autre", name="Autre incubateur"))
    db.session.commit()
    finance = make_user("finance")
    people = [
        finance,
        make_user(None),
        make_user("coach", scope="dinum"),
        make_user("coach", scope="autre"),
        make_user("coach"),
        make_user("intrapreneur", scope="signaux-faibles"),
        make_user("intrapreneur", scope="conseillers-entreprises"),
        make_user("committee_chair"),
        make_user("admin"),
    ]
    reviewing_signaux = committee(slugs=["signaux-faibles"])
    with_a_participant = committee(slugs=[])
    operations.add_participant(with_a_participant, "delegant_representative", user=finance)
    committee(slugs=["conseillers-entreprises"])
    db.session.commit()
    meetings = db.session.scalars(select(Meeting)).all()
    for person in people:
        listed = {meeting.id for meeting in db.session.scalars(visible_meetings(person))}
        allowed = {meeting.id for meeting in meetings if can(person, "meeting.view", meeting)}
        assert listed == allowed, person.email
    assert {m.id for m in db.session.scalars(visible_meetings(finance))} == {with_a_participant.id}
    assert reviewing_signaux.id in {m.id for m in db.session.scalars(visible_meetings(people[2]))}
    assert not set(db.session.scalars(visible_meetings(people[3])))
