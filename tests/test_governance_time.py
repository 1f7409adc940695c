"""Meetings follow time: scheduled ahead, recorded on their day (Paris), a committee that already
took place entered as such; decisions act by the doctrine: "Arrêt" ends the startup, "6 mois" moves
it forward only, a provisional budget sets the next committee due at its end; follow-ups come due
after their meeting."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import chair, committee, held_committee, intrapreneur, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import decisions, operations
from portfolio.governance.models import Decision, Meeting
from portfolio.governance.schedule import next_committee_for
from portfolio.startups.phases import phase_on
from portfolio.timeutil import today_in_paris


@pytest.fixture
def as_chair(client, demo):
    response = post_form(
        client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    assert response.status_code == 302
    return client


def meeting_form(day: date, **overrides) -> dict:
    chair_id = str(chair().id)
    return {
        "kind": "investment_committee", "title": "", "day": day.isoformat(), "at": "14:00",
        "location": "DGE, salle 2.14", "video_link": "", "chair": chair_id, **overrides,
    }


def review_of(meeting, slug):
    return next(review for review in meeting.reviews if review.startup.slug == slug)


# --- Scheduling and the past committee ------------------------------------------------------


def test_scheduling_refuses_a_past_date_with_a_french_error_on_the_date_field(as_chair):
    response = post_form(as_chair, "/governance/meetings/new", meeting_form(date(2020, 1, 15)), token_from="/governance/meetings/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "est passé : une réunion se programme à une date à venir" in page
    # On the date field itself: its group is in error and the message follows its input.
    field = page.split('name="day"')[1].split('name="at"')[0]
    assert "est passé : une réunion se programme à une date à venir" in field
    assert db.session.scalar(select(func.count(Meeting.id))) == 1  # the demo's committee alone


def test_a_past_committee_is_entered_through_its_own_page_and_marked_as_such(as_chair):
    url = "/governance/meetings/past/new"
    assert "Enregistrer un comité passé" in as_chair.get(url).get_data(as_text=True)
    future = post_form(as_chair, url, meeting_form(today_in_paris() + timedelta(days=3)), token_from=url)
    assert future.status_code == 422 and "un comité passé se date avant maintenant" in future.get_data(as_text=True)
    response = post_form(as_chair, url, meeting_form(date(2026, 6, 10)), token_from=url)
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert meeting.source == "past" and meeting.starts_at.date() == date(2026, 6, 10)
    page = as_chair.get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    assert "Comité enregistré après coup" in page and 'data-testid="past-marker"' in page
    assert 'data-testid="record-opens"' not in page  # its decisions are open at once
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "meeting", AuditEvent.action == "record_past")
    )
    assert event is not None and event.reason == "Comité enregistré après coup, à sa date passée."


# --- Nothing is recorded before the meeting's day --------------------------------------------


def test_before_its_day_the_page_says_when_decisions_open_and_the_routes_refuse(as_chair):
    meeting = committee(days=30)
    review = review_of(meeting, "signaux-faibles")
    day = (meeting.starts_at.astimezone(__import__("portfolio.timeutil", fromlist=["PARIS"]).PARIS)).date()
    page = as_chair.get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    assert f"Les décisions s’ouvriront le {day:%d/%m/%Y}" in page
    assert "Valider la décision" not in page and "Clôturer la réunion" not in page
    for path in (f"/governance/reviews/{review.id}/decision", f"/governance/meetings/{meeting.id}/attendance",
                 f"/governance/meetings/{meeting.id}/close", f"/governance/reviews/{review.id}/validate"):
        refused = as_chair.get(path)
        assert refused.status_code == 302, path
        assert f"s’ouvriront le {day:%d/%m/%Y}" in as_chair.get(refused.headers["Location"]).get_data(as_text=True)
    posted = post_form(
        as_chair, f"/governance/reviews/{review.id}/decision", {"outcome": "continue_6_months"},
        token_from=f"/governance/meetings/{meeting.id}",
    )
    assert posted.status_code == 409 and "Rien n’a été enregistré" in posted.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Decision.id))) == 0
    with pytest.raises(operations.NotYetHeld, match="s’ouvriront le"):
        decisions.record_decision(review, "continue_6_months")
    with pytest.raises(operations.NotYetHeld):
        decisions.close_meeting(meeting)
    with pytest.raises(operations.NotYetHeld):
        decisions.record_attendance(meeting, set())
    db.session.rollback()
    # On its day, it opens.
    decisions.record_decision(review, "continue_6_months", today=day)


# --- Decisions act ---------------------------------------------------------------------------


def test_a_validated_stop_ends_the_startup_from_the_meetings_day(demo):
    meeting = held_committee()
    review = review_of(meeting, "signaux-faibles")
    decision = decisions.record_decision(review, "stop")
    assert (decision.phase_change_to, decision.phase_change_on) == ("abandon", today_in_paris())
    decisions.validate_decision(decision, chair())
    db.session.commit()
    assert phase_on(startup("signaux-faibles").phase_spans, today_in_paris()) == "abandon"


def test_a_stop_from_investigation_is_an_inconclusive_investigation(demo):
    from portfolio.startups.operations import change_phase

    change_phase(startup("conseillers-entreprises"), to="investigation", on=date(2026, 1, 5), reason="Test", confirmed=True)
    db.session.commit()
    meeting = held_committee()
    decision = decisions.record_decision(review_of(meeting, "conseillers-entreprises"), "stop")
    decisions.validate_decision(decision, chair())
    db.session.commit()
    assert phase_on(startup("conseillers-entreprises").phase_spans, today_in_paris()) == "abandon-investigation"


def test_a_stop_with_another_phase_change_is_refused_in_french(demo):
    meeting = held_committee()
    with pytest.raises(operations.GovernanceError, match="Une décision d’arrêt ne s’accompagne d’aucun autre"):
        decisions.record_decision(
            review_of(meeting, "signaux-faibles"), "stop", phase_change_to="acceleration",
            phase_change_on=today_in_paris(),
        )


def test_six_months_carries_a_forward_phase_change_only(demo):
    meeting = held_committee()
    review = review_of(meeting, "signaux-faibles")  # in acceleration
    with pytest.raises(operations.GovernanceError, match="ne fait avancer la startup que vers une phase suivante"):
        decisions.record_decision(review, "continue_6_months", phase_change_to="construction",
                                  phase_change_on=today_in_paris() + timedelta(days=1))
    with pytest.raises(operations.GovernanceError, match="choisissez l’issue « Arrêt »"):
        decisions.record_decision(review, "continue_6_months", phase_change_to="abandon",
                                  phase_change_on=today_in_paris() + timedelta(days=1))
    decision = decisions.record_decision(review, "continue_6_months", phase_change_to="consolidation",
                                         phase_change_on=today_in_paris() + timedelta(days=1))
    assert decision.phase_change_to == "consolidation"


def test_a_provisional_budget_sets_the_next_committee_due_at_its_end(demo):
    from portfolio.timeutil import add_months

    meeting = held_committee()
    review = review_of(meeting, "signaux-faibles")
    with pytest.raises(operations.GovernanceError, match="1 ou 2 mois"):
        decisions.record_decision(review, "provisional")
    with pytest.raises(operations.GovernanceError, match="1 ou 2 mois"):
        decisions.record_decision(review, "provisional", provisional_months="3")
    decisions.record_decision(review, "continue_6_months")
    db.session.commit()
    row = next_committee_for(startup("signaux-faibles"), run_outs=lambda ids, day: {})
    assert row.next_committee == add_months(today_in_paris(), 6)
    decisions.record_decision(review, "provisional", provisional_months="2")
    db.session.commit()
    row = next_committee_for(startup("signaux-faibles"), run_outs=lambda ids, day: {})
    assert row.next_committee == add_months(today_in_paris(), 2)
    assert review.decision.provisional_months == 2


def test_a_follow_up_due_on_or_before_its_meeting_is_refused(demo):
    meeting = held_committee()
    review = review_of(meeting, "signaux-faibles")
    early = decisions.FollowUpInput(text="Mesurer l’usage", due_on=today_in_paris(), owner_id=intrapreneur().id)
    with pytest.raises(operations.GovernanceError, match="doit suivre la réunion du"):
        decisions.record_decision(review, "continue_6_months", follow_ups=[early])
    later = decisions.FollowUpInput(text="Mesurer l’usage", due_on=today_in_paris() + timedelta(days=30),
                                    owner_id=intrapreneur().id)
    decision = decisions.record_decision(review, "continue_6_months", follow_ups=[later])
    assert len(decision.follow_ups) == 1
