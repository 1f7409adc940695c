"""Recording a meeting: attendance, minutes, decisions and their follow-ups; validating a decision
writes its phase change into the startup's history exactly once, through the coach's service;
closing locks everything, and later corrections are amendments with a reason."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import chair, committee, held_committee, intrapreneur, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import decisions, operations
from portfolio.governance.models import Decision, FollowUpAction
from portfolio.startups.models import PhaseSpan
from portfolio.startups.operations import NeedsConfirmation, StartupError
from portfolio.timeutil import today_in_paris


@pytest.fixture
def as_chair(client):
    response = post_form(
        client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def meeting(demo):
    return held_committee()


def review_of(meeting, slug):
    return next(review for review in meeting.reviews if review.startup.slug == slug)


def decision_form(**overrides) -> dict:
    data = {
        "outcome": "continue_6_months",
        "phase_change_to": "consolidation",
        "phase_change_on": (today_in_paris() + timedelta(days=40)).isoformat(),
        "amount_granted": "168 000",
        "conditions": "Présenter l’usage par région.",
        "reserves": "",
        "follow_ups-0-id": "",
        "follow_ups-0-text": "Mesurer l’usage dans chaque région",
        "follow_ups-0-owner": str(intrapreneur().id),
        "follow_ups-0-owner_name": "",
        "follow_ups-0-due_on": "2031-03-01",
        "follow_ups-0-status": "open",
        "follow_ups-1-text": "",
        "follow_ups-1-status": "open",
    }
    return {**data, **overrides}


def spans(slug: str) -> list[tuple[str, date, date | None]]:
    db.session.expire_all()
    return [(span.phase, span.start, span.end) for span in startup(slug).phase_spans]


def span_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.object_type == "phase_span"))


# --- Decision and follow-ups ---------------------------------------------------------------


def test_the_chair_records_a_decision_with_a_follow_up(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    assert as_chair.get(f"/governance/reviews/{review.id}/decision").status_code == 200
    response = post_form(as_chair, f"/governance/reviews/{review.id}/decision", decision_form())
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision).where(Decision.review_id == review.id))
    assert (decision.outcome, decision.phase_change_to, str(decision.amount_granted)) == (
        "continue_6_months",
        "consolidation",
        "168000.00",
    )
    (action,) = decision.follow_ups
    assert (action.text, action.owner_id, action.due_on, action.status) == (
        "Mesurer l’usage dans chaque région",
        intrapreneur().id,
        date(2031, 3, 1),
        "open",
    )
    assert (
        decision.validated_at is None and spans("signaux-faibles")[-1][0] == "acceleration"
    ), "recorded, not yet validated"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"follow_ups-0-due_on": ""},
            "Indiquez l’échéance de l’action de suivi « Mesurer l’usage dans chaque région ».",
        ),
        ({"amount_granted": "cent mille"}, "« cent mille » n’est pas un montant valide"),
        ({"follow_ups-0-owner": ""}, "Indiquez le responsable de l’action de suivi"),
        ({"phase_change_on": ""}, "Indiquez la date du changement de phase décidé."),
        ({"outcome": ""}, "Choisissez l’issue de la revue."),
    ],
)
def test_bad_decision_input_is_refused_in_french_and_changes_nothing(meeting, as_chair, overrides, message):
    review = review_of(meeting, "signaux-faibles")
    response = post_form(as_chair, f"/governance/reviews/{review.id}/decision", decision_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Decision.id))) == 0
    assert db.session.scalar(select(func.count(FollowUpAction.id))) == 0


def test_follow_ups_are_edited_in_place_and_removed_by_emptying_them(meeting):
    review = review_of(meeting, "signaux-faibles")
    first = decisions.FollowUpInput(text="Première", due_on=date(2031, 1, 1), owner_name="Équipe DGE")
    second = decisions.FollowUpInput(text="Seconde", due_on=date(2031, 2, 1), owner_id=intrapreneur().id)
    decision = decisions.record_decision(review, "provisional", follow_ups=[first, second], provisional_months=1)
    db.session.commit()
    one, two = decision.follow_ups
    decisions.record_decision(
        review,
        "provisional",
        provisional_months=1,
        follow_ups=[
            decisions.FollowUpInput(
                id=one.id, text="Première, reformulée", due_on=date(2031, 1, 15), owner_name="DGE", status="done"
            ),
            decisions.FollowUpInput(id=two.id, text="", due_on=None),
        ],
        today=date(2030, 12, 1),
    )
    db.session.commit()
    db.session.expire_all()
    (kept,) = decision.follow_ups
    assert (kept.id, kept.text, kept.status, kept.done_on) == (
        one.id,
        "Première, reformulée",
        "done",
        date(2030, 12, 1),
    )


def test_the_owner_moves_a_follow_up_and_bad_status_is_refused(meeting, client):
    review = review_of(meeting, "signaux-faibles")
    decision = decisions.record_decision(
        review,
        "continue_6_months",
        follow_ups=[decisions.FollowUpInput(text="Faire", due_on=date(2031, 1, 1), owner_id=intrapreneur().id)],
    )
    db.session.commit()
    action = decision.follow_ups[0]
    post_form(
        client, "/login", {"email": "intrapreneur@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    assert post_form(client, f"/governance/follow-ups/{action.id}/status", {"status": "nimporte"}).status_code == 422
    assert post_form(client, f"/governance/follow-ups/{action.id}/status", {"status": "done"}).status_code == 302
    db.session.expire_all()
    assert (action.status, action.done_on) == ("done", today_in_paris())


# --- Validation: the phase change, once ------------------------------------------------------


def test_validating_twice_changes_the_history_exactly_once(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    on = today_in_paris() + timedelta(days=40)
    post_form(as_chair, f"/governance/reviews/{review.id}/decision", decision_form())
    before_spans, before_events = spans("signaux-faibles"), span_events()

    first = post_form(as_chair, f"/governance/reviews/{review.id}/validate")
    assert first.status_code == 302
    after_first = spans("signaux-faibles")
    assert after_first == [*before_spans[:-1], ("acceleration", date(2019, 4, 1), on), ("consolidation", on, None)]
    events_after_first = span_events()
    assert events_after_first == before_events + 2, "the new span, and the previous one closed"

    second = post_form(as_chair, f"/governance/reviews/{review.id}/validate")
    assert second.status_code == 302
    assert spans("signaux-faibles") == after_first and span_events() == events_after_first

    decision = db.session.scalar(select(Decision).where(Decision.review_id == review.id))
    assert decisions.validate_decision(decision, chair()) is None
    db.session.commit()
    assert spans("signaux-faibles") == after_first and span_events() == events_after_first

    span = db.session.get(PhaseSpan, decision.phase_span_id)
    assert (span.phase, span.start) == ("consolidation", on)
    assert span.comment == f"Décision « Budget pour 6 mois de plus » — {meeting.title}."
    assert decision.validated_by_id == chair().id and decision.validated_at is not None


def test_the_startup_timeline_shows_the_decided_phase_change(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    post_form(as_chair, f"/governance/reviews/{review.id}/decision", decision_form())
    post_form(as_chair, f"/governance/reviews/{review.id}/validate")
    page = as_chair.get("/startups/signaux-faibles").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"')[1]
    assert "En consolidation" in timeline
    assert f"Motif : « Décision « Budget pour 6 mois de plus » — {meeting.title}. »" in timeline


def test_a_phase_change_against_the_lifecycle_asks_for_confirmation(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    post_form(
        as_chair,
        f"/governance/reviews/{review.id}/decision",
        decision_form(outcome="provisional", provisional_months="1", phase_change_to="investigation"),
    )
    response = post_form(as_chair, f"/governance/reviews/{review.id}/validate")
    assert response.status_code == 200 and 'data-testid="confirmation"' in response.get_data(as_text=True)
    assert spans("signaux-faibles")[-1][0] == "acceleration"
    assert post_form(as_chair, f"/governance/reviews/{review.id}/validate", {"confirmed": "1"}).status_code == 302
    assert spans("signaux-faibles")[-1][0] == "investigation"


def test_a_phase_change_the_history_refuses_is_not_validated(meeting):
    review = review_of(meeting, "signaux-faibles")
    decision = decisions.record_decision(
        review, "continue_6_months", phase_change_to="consolidation", phase_change_on=date(2018, 1, 1)
    )
    db.session.commit()
    with pytest.raises(StartupError, match="doit être daté après ce jour"):
        decisions.validate_decision(decision, chair())
    db.session.rollback()
    db.session.expire_all()
    assert decision.validated_at is None and decision.phase_span_id is None


def test_a_validated_phase_change_is_no_longer_edited_from_the_decision(meeting):
    review = review_of(meeting, "signaux-faibles")
    on = today_in_paris() + timedelta(days=40)
    decision = decisions.record_decision(
        review, "continue_6_months", phase_change_to="consolidation", phase_change_on=on
    )
    decisions.validate_decision(decision, chair())
    db.session.commit()
    with pytest.raises(operations.GovernanceError, match="Corrigez la période depuis la page de la startup"):
        decisions.record_decision(
            review, "continue_6_months", phase_change_to="consolidation", phase_change_on=on + timedelta(days=1)
        )
    db.session.rollback()
    decisions.record_decision(
        review,
        "continue_6_months",
        phase_change_to="consolidation",
        phase_change_on=on,
        conditions="Nouvelle condition",
    )
    db.session.commit()
    assert decision.conditions == "Nouvelle condition"


def test_needs_confirmation_is_raised_by_the_same_rules_as_the_coachs(meeting):
    review = review_of(meeting, "signaux-faibles")
    decision = decisions.record_decision(
        review, "provisional", phase_change_to="construction", phase_change_on=today_in_paris() + timedelta(days=3),
        provisional_months=2,
    )
    with pytest.raises(NeedsConfirmation):
        decisions.validate_decision(decision, chair())


# --- Attendance, closing and amendments ----------------------------------------------------


def test_attendance_and_minutes_mark_the_meeting_held(meeting, as_chair):
    operations.add_participant(meeting, "sponsor", name="Jeanne Sponsor", email="jeanne@dge.gouv.fr")
    db.session.commit()
    seated, guest = meeting.participants
    response = post_form(
        as_chair,
        f"/governance/meetings/{meeting.id}/attendance",
        {f"present_{guest.id}": "y", "minutes": "Séance ouverte à 14 h."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (seated.attended, guest.attended, meeting.minutes, meeting.status) == (
        False,
        True,
        "Séance ouverte à 14 h.",
        "held",
    )
    review = review_of(meeting, "signaux-faibles")
    assert (
        post_form(as_chair, f"/governance/reviews/{review.id}/minutes", {"minutes": "Présentation claire."}).status_code
        == 302
    )
    db.session.expire_all()
    assert review.minutes == "Présentation claire."


def test_closing_requires_validated_decisions_then_locks_everything(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    post_form(as_chair, f"/governance/reviews/{review.id}/decision", decision_form(phase_change_to=""))
    refused = post_form(as_chair, f"/governance/meetings/{meeting.id}/close", follow_redirects=True)
    assert "Validez d’abord la décision concernant : Signaux Faibles." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.status == "scheduled"

    post_form(as_chair, f"/governance/reviews/{review.id}/validate")
    assert post_form(as_chair, f"/governance/meetings/{meeting.id}/close").status_code == 302
    db.session.expire_all()
    assert meeting.status == "closed" and meeting.closed_at is not None

    locked = post_form(as_chair, f"/governance/reviews/{review.id}/minutes", {"minutes": "Après coup"})
    assert locked.status_code == 422
    assert "une correction est un amendement, indiquez-en le motif" in locked.get_data(as_text=True)
    locked = post_form(
        as_chair,
        f"/governance/reviews/{review.id}/decision",
        decision_form(phase_change_to="", amount_granted="150 000"),
    )
    assert locked.status_code == 422
    preparation = post_form(as_chair, f"/governance/reviews/{review.id}/preparation", {"objectives": "Tard"})
    assert preparation.status_code == 422 and "la préparation ne peut plus être modifiée" in preparation.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert review.minutes is None and str(review.decision.amount_granted) == "168000.00"


def test_an_amendment_after_closing_keeps_its_reason_in_the_history(meeting, as_chair):
    review = review_of(meeting, "signaux-faibles")
    decisions.record_decision(review, "continue_6_months", amount_granted="168 000")
    decisions.validate_decision(review.decision, chair())
    decisions.close_meeting(meeting)
    db.session.commit()
    response = post_form(
        as_chair,
        f"/governance/reviews/{review.id}/decision",
        decision_form(phase_change_to="", amount_granted="150 000", reason="Erreur de saisie : 150 000 € votés."),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert str(review.decision.amount_granted) == "150000.00"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "amend", AuditEvent.object_type == "decision")
    )
    assert event.reason == "Erreur de saisie : 150 000 € votés."
    assert (event.before["amount_granted"], event.after["amount_granted"]) == ("168000.00", "150000.00")
    page = as_chair.get(f"/governance/meetings/{meeting.id}").get_data(as_text=True)
    assert 'data-testid="amendments"' in page and "Erreur de saisie : 150 000 € votés." in page
    late_phase = post_form(
        as_chair, f"/governance/reviews/{review.id}/decision", decision_form(reason="Oubli du changement de phase.")
    )
    assert late_phase.status_code == 422
    assert "un changement de phase ne s’y décide plus" in late_phase.get_data(as_text=True)


def test_a_cancelled_meeting_takes_nothing_more(meeting, as_chair):
    assert post_form(as_chair, f"/governance/meetings/{meeting.id}/cancel").status_code == 302
    db.session.expire_all()
    assert meeting.status == "cancelled"
    with pytest.raises(operations.GovernanceError, match="La réunion est annulée"):
        decisions.record_decision(review_of(meeting, "signaux-faibles"), "stop")
    with pytest.raises(operations.GovernanceError, match="La réunion est annulée"):
        operations.add_review(meeting, startup("signaux-faibles"))


def test_two_concurrent_validations_write_the_phase_change_once(meeting, app):
    """Two requests validating at the same moment: the second waits for the first's claim, then
    finds the decision validated and writes nothing."""
    import threading

    from portfolio.accounts.models import User

    review = review_of(meeting, "signaux-faibles")
    on = today_in_paris() + timedelta(days=40)
    decision_id = decisions.record_decision(
        review, "continue_6_months", phase_change_to="consolidation", phase_change_on=on
    ).id
    chair_id = chair().id
    db.session.commit()
    before = len(spans("signaux-faibles"))
    db.session.remove()
    first_claimed, results, errors = threading.Event(), {}, []

    def validate(name: str, wait_for: threading.Event | None, then_signal: threading.Event | None):
        try:
            with app.app_context():
                decision = db.session.get(Decision, decision_id)
                decision.review.startup.phase_spans  # loaded before the other commits, as in a real race
                if wait_for is not None:
                    assert wait_for.wait(10)
                span = decisions.validate_decision(decision, db.session.get(User, chair_id))
                if then_signal is not None:
                    then_signal.set()
                    threading.Event().wait(0.5)  # hold the claim while the other one tries
                db.session.commit()
                results[name] = span is not None
                db.session.remove()
        except Exception as error:  # reported below: an assertion in a thread would be lost
            errors.append(error)

    threads = [
        threading.Thread(target=validate, args=("first", None, first_claimed)),
        threading.Thread(target=validate, args=("second", first_claimed, None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert results == {"first": True, "second": False}
    assert len(spans("signaux-faibles")) == before + 1
