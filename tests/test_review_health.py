"""A review's health: the chair records it with a reason; "à surveiller" adds a follow-up due 3
months after the meeting; the startup page shows the latest with its committee's date, the
portfolio filters on it (from the status row, equal to the rebuilt one), and every write is audited."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import held_committee, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import decisions
from portfolio.governance.models import FollowUpAction, Review
from portfolio.status import store
from portfolio.status.compute import compute
from portfolio.timeutil import add_months, today_in_paris


@pytest.fixture
def as_chair(client):
    response = post_form(
        client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def review(demo):
    meeting = held_committee()
    review = next(review for review in meeting.reviews if review.startup.slug == "signaux-faibles")
    decisions.record_decision(review, "continue_6_months")
    db.session.commit()
    return review


def _health_url(review) -> str:
    return f"/governance/reviews/{review.id}/health"


def _status(slug: str):
    db.session.expire_all()
    return store.status_of(startup(slug).id)


def test_the_chair_records_watch_and_a_follow_up_is_due_in_3_months(review, as_chair):
    assert as_chair.get(_health_url(review)).status_code == 200
    response = post_form(as_chair, _health_url(review), {"health": "watch", "reason": "Usage en baisse"},
                         token_from=_health_url(review))
    assert response.status_code == 302
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.health, review.health_reason, review.health_recorded_on) == (
        "watch", "Usage en baisse", today_in_paris()
    )
    (action,) = review.decision.follow_ups
    assert action.due_on == add_months(today_in_paris(), 3)
    assert "Usage en baisse" in action.text
    status = _status("signaux-faibles")
    assert (status.health, status.health_on, status.health_meeting_id) == ("watch", today_in_paris(), review.meeting_id)
    # The status row equals what a rebuild computes.
    (rebuilt,) = compute(today_in_paris(), [status.startup_id])
    assert (rebuilt.health, rebuilt.health_on) == (status.health, status.health_on)
    # Recording it again adds no second follow-up.
    post_form(as_chair, _health_url(review), {"health": "watch", "reason": "Toujours en baisse"},
              token_from=_health_url(review))
    assert db.session.scalar(select(func.count(FollowUpAction.id))) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "review", AuditEvent.object_id == str(review.id))
    ).all()
    assert [event.after["health"] for event in events if (event.after or {}).get("health")] == ["watch"]
    assert [event.after["health_reason"] for event in events if (event.after or {}).get("health_reason")] == [
        "Usage en baisse", "Toujours en baisse"
    ]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.object_type == "follow_up_action")) == 1


def test_the_startup_page_and_the_meeting_show_the_health_as_a_badge_with_text(review, as_chair):
    post_form(as_chair, _health_url(review), {"health": "struggling", "reason": "Équipe réduite"},
              token_from=_health_url(review))
    page = as_chair.get("/startups/signaux-faibles").get_data(as_text=True)
    assert 'data-testid="health"' in page
    assert 'fr-badge--error" data-health="struggling">En difficulté' in page
    assert today_in_paris().strftime("%d/%m/%Y") in page and "Équipe réduite" in page
    meeting_page = as_chair.get(f"/governance/meetings/{review.meeting_id}").get_data(as_text=True)
    assert "En difficulté" in meeting_page


def test_the_portfolio_filters_on_the_latest_health(review, as_chair):
    post_form(as_chair, _health_url(review), {"health": "watch", "reason": "Usage en baisse"},
              token_from=_health_url(review))
    watched = as_chair.get("/startups/?health=watch").get_data(as_text=True)
    assert "Signaux Faibles" in watched and "Conseillers Entreprises" not in watched
    assert 'data-health="watch">À surveiller' in watched
    assert "Signaux Faibles" not in as_chair.get("/startups/?health=on_track").get_data(as_text=True)
    response = as_chair.get("/startups/?health=vert")
    assert response.status_code == 400 and "Santé inconnue : « vert »" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"health": "watch", "reason": ""}, "Indiquez le motif de « À surveiller »."),
        ({"health": "struggling", "reason": "  "}, "Indiquez le motif de « En difficulté »."),
        ({"health": "", "reason": "x"}, "Choisissez la santé de la startup."),
        ({"health": "rouge", "reason": "x"}, "Choisissez la santé de la startup."),
        ({"health": "watch", "reason": "x" * 1001}, "1000"),
        ({"health": "watch", "reason": "x", "follow_up_due": "2020-01-01"}, "L’échéance du suivi doit suivre"),
    ],
)
def test_bad_health_input_is_refused_in_french_and_changes_nothing(review, as_chair, data, message):
    response = post_form(as_chair, _health_url(review), data, token_from=_health_url(review))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Review, review.id).health is None
    assert db.session.scalar(select(func.count(FollowUpAction.id))) == 0
    assert _status("signaux-faibles").health is None


def test_watch_needs_the_decision_its_follow_up_belongs_to(demo, as_chair):
    meeting = held_committee()
    review = meeting.reviews[0]
    response = post_form(as_chair, _health_url(review), {"health": "watch", "reason": "Usage"},
                         token_from=_health_url(review))
    assert response.status_code == 422
    assert "Enregistrez d’abord la décision" in response.get_data(as_text=True)
    # On track needs neither a reason nor a decision.
    response = post_form(as_chair, _health_url(review), {"health": "on_track"}, token_from=_health_url(review))
    assert response.status_code == 302
    assert _status(review.startup.slug).health == "on_track"


def test_a_chosen_follow_up_date_is_kept(review, as_chair):
    due = today_in_paris() + timedelta(days=45)
    post_form(as_chair, _health_url(review),
              {"health": "watch", "reason": "Usage", "follow_up_due": due.isoformat()}, token_from=_health_url(review))
    assert db.session.scalar(select(FollowUpAction.due_on)) == due
