"""A meeting's calendar event follows its revisions and the site's public address: SEQUENCE 0
when scheduled, raised by a move and by a cancellation, LAST-MODIFIED set each time, the same UID
built from PUBLIC_URL whatever Host the file was fetched by; read back by icalendar and vobject."""
from datetime import time

import pytest
import vobject
from icalendar import Calendar

from portfolio.extensions import db
from portfolio.governance import calendar, operations

from governance_helpers import chair, next_weekday

PUBLIC = "https://portfolio.example.gouv.fr"


@pytest.fixture
def app_overrides():
    return {"PUBLIC_URL": PUBLIC}


def _ics(client, meeting_id: int) -> dict:
    response = client.get(f"/governance/meetings/{meeting_id}.ics")
    assert response.status_code == 200
    return _read(response.data, meeting_id)


def _feed_event(client, secret: str, host: str, meeting_id: int) -> dict:
    """The meeting's event in the chair's feed, fetched by another address (the feed needs no cookie)."""
    response = client.get(f"/calendar/{secret}.ics", headers={"Host": host})
    assert response.status_code == 200
    return _read(response.data, meeting_id)


def _read(data: bytes, meeting_id: int) -> dict:
    """The meeting's SEQUENCE, UID, STATUS, URL and LAST-MODIFIED as each library reads them (they must agree)."""
    mine = f"meeting-{meeting_id}@"
    event = next(event for event in Calendar.from_ical(data).walk("VEVENT") if str(event["uid"]).startswith(mine))
    parsed = next(event for event in vobject.readOne(data.decode("utf-8")).vevent_list if event.uid.value.startswith(mine))
    by_icalendar = {
        "sequence": int(event["sequence"]),
        "uid": str(event["uid"]),
        "status": str(event["status"]),
        "url": str(event["url"]),
        "last_modified": event["last-modified"].dt,
    }
    by_vobject = {
        "sequence": int(parsed.sequence.value),
        "uid": parsed.uid.value,
        "status": parsed.status.value,
        "url": parsed.url.value,
        "last_modified": parsed.last_modified.value,
    }
    assert by_icalendar == by_vobject
    return by_icalendar


def test_a_moved_then_cancelled_meeting_shows_sequence_0_1_2_and_the_same_public_uid(client, demo, login):
    presidente = chair()
    meeting = operations.schedule_meeting(
        "investment_committee", next_weekday(30), time(14, 0), presidente, location="DGE, salle 2.14"
    )
    db.session.commit()
    secret = calendar.create_token(presidente).token
    db.session.commit()
    login(presidente, password="demo-portfolio")

    scheduled = _ics(client, meeting.id)
    assert _feed_event(client, secret, "127.0.0.1:5000", meeting.id) == scheduled
    operations.edit_meeting(
        meeting, "investment_committee", next_weekday(37), time(10, 0), presidente, location="DGE, salle 2.14"
    )
    db.session.commit()
    moved = _ics(client, meeting.id)
    assert _feed_event(client, secret, "localhost", meeting.id) == moved
    operations.cancel_meeting(meeting)
    db.session.commit()
    cancelled = _ics(client, meeting.id)
    assert _feed_event(client, secret, "interne.proxy:8080", meeting.id) == cancelled

    assert [scheduled["sequence"], moved["sequence"], cancelled["sequence"]] == [0, 1, 2]
    assert scheduled["uid"] == moved["uid"] == cancelled["uid"] == f"meeting-{meeting.id}@portfolio.example.gouv.fr"
    assert cancelled["url"] == f"{PUBLIC}/governance/meetings/{meeting.id}"
    assert [scheduled["status"], moved["status"], cancelled["status"]] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert scheduled["last_modified"] <= moved["last_modified"] <= cancelled["last_modified"]


def test_a_change_of_place_raises_the_sequence_and_a_change_of_title_does_not(demo):
    presidente = chair()
    day = next_weekday(30)
    meeting = operations.schedule_meeting("investment_committee", day, time(14, 0), presidente, location="Salle A")
    db.session.commit()
    operations.edit_meeting(meeting, "investment_committee", day, time(14, 0), presidente, title="Autre titre", location="Salle A")
    assert meeting.sequence == 0 and meeting.revised_at is None
    operations.edit_meeting(meeting, "investment_committee", day, time(14, 0), presidente, location="Salle B")
    assert meeting.sequence == 1 and meeting.revised_at is not None


def test_the_feed_link_is_built_from_public_url(client, demo, login):
    presidente = chair()
    calendar.create_token(presidente)
    db.session.commit()
    login(presidente, password="demo-portfolio")
    html = client.get("/governance/calendar").get_data(as_text=True)
    assert f'value="{PUBLIC}/calendar/' in html and "http://localhost" not in html
