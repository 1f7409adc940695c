"""iCalendar output, read back with the `icalendar` library: one meeting's .ics (organiser,
attendees, location, agenda, Paris times on both sides of the March 2026 daylight-saving change)
and the private feed (the right meetings and deadlines; a revoked or unknown token answers 404)."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.governance.models import CalendarToken, Decision, FollowUpAction, Meeting, Participant, Review
from portfolio.startups.models import Incubator, PhaseSpan, Startup
from portfolio.timeutil import PARIS, today_in_paris

from conftest import post_form

TODAY = today_in_paris()


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def add_startup(slug: str, name: str, incubator=None) -> Startup:
    startup = Startup(
        slug=slug, name=name, incubator=incubator,
        phase_spans=[PhaseSpan(phase="construction", start=TODAY - timedelta(days=400))],
    )
    db.session.add(startup)
    return startup


@pytest.fixture
def world(app, make_user):
    dinum = Incubator(slug="dinum", name="Incubateur de la DINUM")
    signaux = add_startup("signaux-faibles", "Signaux Faibles", dinum)
    place = add_startup("conseillers-entreprises", "Place des Entreprises", dinum)
    other = add_startup("autre", "Autre startup")
    db.session.commit()
    chair = make_user("committee_chair", name="Claire Lefèvre", email="presidente@test.gouv.fr")
    intrapreneur = make_user("intrapreneur", scope="signaux-faibles", name="Inès Moreau", email="ines@test.gouv.fr")
    outsider = make_user("intrapreneur", scope="autre", email="autre@test.gouv.fr")
    before = Meeting(
        kind="investment_committee", title="Comité d’investissement de printemps",
        starts_at=paris(date(2026, 3, 27), 10), location="20 avenue de Ségur, Paris",
        video_link="https://webinaire.numerique.gouv.fr/comite", chair=chair,
        participants=[
            Participant(user=intrapreneur, name=intrapreneur.name, email=intrapreneur.email, role="intrapreneur"),
            Participant(name="Paul Sponsor", email="paul.sponsor@dge.gouv.fr", organisation="DGE", role="sponsor"),
            Participant(name="Invité sans adresse", role="other"),
        ],
        reviews=[
            Review(startup=signaux, position=0),
            Review(startup=place, position=1, presentation_minutes=10, questions_minutes=10, deliberation_minutes=10),
        ],
    )
    after = Meeting(
        kind="governance_instance", title="Comité de pilotage Signaux Faibles",
        starts_at=paris(date(2026, 3, 30), 10), video_link="https://webinaire.numerique.gouv.fr/copil",
        chair=chair, reviews=[Review(startup=signaux, position=0)],
    )
    unrelated = Meeting(
        kind="governance_instance", title="Comité de pilotage d’une autre startup",
        starts_at=paris(TODAY + timedelta(days=10), 14), reviews=[Review(startup=other)],
    )
    recent = Meeting(
        kind="investment_committee", title="Dernier comité", starts_at=paris(TODAY - timedelta(days=20), 10),
        status="closed", chair=chair, reviews=[Review(startup=signaux, position=0)],
    )
    db.session.add_all([before, after, unrelated, recent])
    db.session.flush()
    decision = Decision(review=recent.reviews[0], outcome="continue_6_months")
    decision.follow_ups = [
        FollowUpAction(text="Mesurer l’usage par les agents", owner=intrapreneur, due_on=TODAY + timedelta(days=30)),
        FollowUpAction(text="Action close", owner=intrapreneur, due_on=TODAY + timedelta(days=5), status="done"),
        FollowUpAction(text="Action de la présidente", owner=chair, due_on=TODAY + timedelta(days=40)),
    ]
    db.session.add(decision)
    db.session.commit()
    return {
        "chair": chair, "intrapreneur": intrapreneur, "outsider": outsider,
        "before": before, "after": after, "unrelated": unrelated, "recent": recent,
    }


def events_of(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_meeting_ics_carries_organiser_attendees_location_and_agenda(client, login, world):
    login(world["chair"])
    response = client.get(f"/governance/meetings/{world['before'].id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].endswith('.ics"')
    calendar = Calendar.from_ical(response.data)
    assert calendar["version"] == "2.0" and calendar["method"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Comité d’investissement de printemps"
    assert str(event["organizer"]) == "mailto:presidente@test.gouv.fr"
    assert event["organizer"].params["CN"] == "Claire Lefèvre"
    attendees = {str(address): address.params for address in event["attendee"]}
    assert set(attendees) == {"mailto:ines@test.gouv.fr", "mailto:paul.sponsor@dge.gouv.fr"}
    assert attendees["mailto:paul.sponsor@dge.gouv.fr"]["CN"] == "Paul Sponsor"
    assert str(event["location"]) == "20 avenue de Ségur, Paris"
    description = str(event["description"])
    assert "1. 10:00–10:50 Signaux Faibles — présentation 15 min, questions 15 min, délibération 20 min" in description
    assert "2. 10:50–11:20 Place des Entreprises" in description
    assert "Visioconférence : https://webinaire.numerique.gouv.fr/comite" in description
    assert event["uid"].startswith(f"meeting-{world['before'].id}@")
    assert str(event["url"]).endswith(f"/governance/meetings/{world['before'].id}")


def test_times_are_right_across_the_daylight_saving_change(client, login, world):
    login(world["chair"])
    before = Calendar.from_ical(client.get(f"/governance/meetings/{world['before'].id}.ics").data)
    after = Calendar.from_ical(client.get(f"/governance/meetings/{world['after'].id}.ics").data)
    [spring], [summer] = before.walk("VEVENT"), after.walk("VEVENT")
    # Written as Paris wall-clock times with their zone…
    assert spring["dtstart"].params["TZID"] == "Europe/Paris" and summer["dtstart"].params["TZID"] == "Europe/Paris"
    assert spring.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 3, 27, 10, 0)
    assert summer.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 3, 30, 10, 0)
    # …that are the right instants: UTC+1 before 29 March 2026, UTC+2 after.
    assert spring.decoded("dtstart").astimezone(timezone.utc) == datetime(2026, 3, 27, 9, 0, tzinfo=timezone.utc)
    assert summer.decoded("dtstart").astimezone(timezone.utc) == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)
    assert spring.decoded("dtend") - spring.decoded("dtstart") == timedelta(minutes=80)  # 50 + 30 min of agenda
    assert summer.decoded("dtend") - summer.decoded("dtstart") == timedelta(minutes=50)
    # The VTIMEZONE sent along says the same, for clients that read it rather than their own database.
    for calendar in (before, after):
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/Paris"
        own = zone.to_tz(lookup_tzid=False)
        assert datetime(2026, 3, 27, 10, tzinfo=own).utcoffset() == timedelta(hours=1)
        assert datetime(2026, 3, 30, 10, tzinfo=own).utcoffset() == timedelta(hours=2)
        assert datetime(2026, 10, 26, 10, tzinfo=own).utcoffset() == timedelta(hours=1)


def test_meeting_ics_is_for_those_who_may_view_the_meeting(client, login, world):
    login(world["outsider"])
    assert client.get(f"/governance/meetings/{world['before'].id}.ics").status_code == 403
    assert client.get("/governance/meetings/999999.ics").status_code == 404


def test_participant_may_download_the_meeting(client, login, world):
    login(world["intrapreneur"])
    assert client.get(f"/governance/meetings/{world['before'].id}.ics").status_code == 200


def create_feed(client, login, user) -> str:
    login(user)
    response = post_form(client, "/governance/calendar/token")
    assert response.status_code == 302
    token = db.session.scalar(
        select(CalendarToken).where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
    )
    assert token.token in client.get("/governance/calendar").get_data(as_text=True)
    return f"/calendar/{token.token}.ics"


def test_intrapreneur_feed_lists_their_meetings_actions_and_startup_committee(client, login, world):
    url = create_feed(client, login, world["intrapreneur"])
    client.post("/logout", data={})
    client.delete_cookie("session")
    response = client.get(url)  # no login: the token is the credential
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = events_of(response.data)
    assert set(events) == {
        "Comité d’investissement de printemps",  # participant
        "Action de suivi à échéance — Signaux Faibles",  # their open action only
        "Prochain comité d’investissement — Signaux Faibles",  # their startup only
    }
    action = events["Action de suivi à échéance — Signaux Faibles"]
    assert action.decoded("dtstart") == TODAY + timedelta(days=30)
    assert str(action["description"]) == "Mesurer l’usage par les agents"
    committee = events["Prochain comité d’investissement — Signaux Faibles"]
    last = TODAY - timedelta(days=20)
    assert isinstance(committee.decoded("dtstart"), date) and not isinstance(committee.decoded("dtstart"), datetime)
    assert committee.decoded("dtstart") > last + timedelta(days=180)
    assert committee.decoded("dtend") - committee.decoded("dtstart") == timedelta(days=1)


def test_chair_feed_lists_chaired_meetings_and_every_startup_committee(client, login, world):
    events = events_of(client.get(create_feed(client, login, world["chair"])).data)
    assert {
        "Comité d’investissement de printemps",
        "Comité de pilotage Signaux Faibles",
        "Dernier comité",
        "Action de suivi à échéance — Signaux Faibles",
    } <= set(events)
    assert "Comité de pilotage d’une autre startup" not in events
    # Autre startup was never reviewed by an investment committee and has no funding: no date to show.
    assert sorted(name for name in events if name.startswith("Prochain comité")) == [
        "Prochain comité d’investissement — Place des Entreprises",
        "Prochain comité d’investissement — Signaux Faibles",
    ]


def test_revoked_or_unknown_token_answers_404(client, login, world):
    url = create_feed(client, login, world["intrapreneur"])
    confirmation = client.get("/governance/calendar/token/revoke")
    assert "Révoquer votre lien d’agenda ?" in confirmation.get_data(as_text=True)
    assert client.get(url).status_code == 200  # asking is not revoking
    response = post_form(client, "/governance/calendar/token/revoke", follow_redirects=True)
    assert "Votre lien d’agenda est révoqué" in response.get_data(as_text=True)
    assert client.get(url).status_code == 404
    assert client.get("/calendar/inconnu.ics").status_code == 404
    new_url = create_feed(client, login, world["intrapreneur"])
    assert new_url != url and client.get(new_url).status_code == 200
    assert client.get(url).status_code == 404


def test_one_active_link_at_a_time(client, login, world):
    create_feed(client, login, world["chair"])
    response = post_form(client, "/governance/calendar/token", follow_redirects=True)
    assert "Vous avez déjà un lien d’agenda actif" in response.get_data(as_text=True)
    assert db.session.query(CalendarToken).filter_by(user_id=world["chair"].id).count() == 1


def test_feed_of_a_deactivated_account_answers_404(client, login, world):
    url = create_feed(client, login, world["intrapreneur"])
    world["intrapreneur"].active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_the_token_is_masked_in_the_audit_trail(client, login, world):
    from portfolio.audit.models import AuditEvent

    create_feed(client, login, world["chair"])
    token = db.session.scalar(select(CalendarToken))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar_token")).all()
    assert events and all(token.token not in str(event.after) for event in events)
