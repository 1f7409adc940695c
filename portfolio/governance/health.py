"""A review's health: the chair's judgement of the startup at that committee ("en bonne voie",
"à surveiller", "en difficulté") with its reason. "À surveiller" adds a follow-up to the review's
decision, due 3 months after the meeting by default (the UK's amber). The startup's latest health
is in its status row (`portfolio.status`), which the startup page and the portfolio filter read.

Flushes and raises `GovernanceError`; the caller commits once."""
from datetime import date

from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Optional

from portfolio.extensions import db
from portfolio.forms import Form, bounded, choices
from portfolio.governance.models import HEALTH_LEVELS, HEALTH_NEEDS_REASON, FollowUpAction, Review
from portfolio.governance.operations import GovernanceError, amending, assign, clean_text, ensure_held
from portfolio.governance.timing import meeting_day
from portfolio.timeutil import add_months, today_in_paris

#: An "à surveiller" follow-up is due this many months after the meeting unless the chair says otherwise.
WATCH_MONTHS = 3
MAX_REASON = 1000


def watch_due_on(review: Review) -> date:
    return add_months(meeting_day(review.meeting), WATCH_MONTHS)


def record_health(
    review: Review,
    health: str,
    reason: str | None,
    by,
    follow_up_due: date | None = None,
    amendment_reason: str | None = None,
    today: date | None = None,
) -> FollowUpAction | None:
    """Record the review's health; returns the follow-up a new "à surveiller" created, if any."""
    ensure_held(review.meeting, today)
    if health not in HEALTH_LEVELS:
        raise GovernanceError("Choisissez la santé de la startup.")
    reason = clean_text(reason)
    if health in HEALTH_NEEDS_REASON and reason is None:
        raise GovernanceError(f"Indiquez le motif de « {HEALTH_LEVELS[health]} ».")
    if reason is not None and len(reason) > MAX_REASON:
        raise GovernanceError(f"Le motif ne dépasse pas {MAX_REASON} caractères.")
    watching = health == "watch" and review.health != "watch"
    due = follow_up_due or watch_due_on(review)
    if watching:
        if review.decision is None:
            raise GovernanceError(
                "Enregistrez d’abord la décision de la revue : l’action de suivi de « À surveiller » s’y rattache."
            )
        if due <= meeting_day(review.meeting):
            raise GovernanceError(
                f"L’échéance du suivi doit suivre la réunion du {meeting_day(review.meeting):%d/%m/%Y}."
            )
    action = None
    with amending(review.meeting, amendment_reason):
        changed = assign(review, health=health, health_reason=reason)
        if changed:
            assign(review, health_recorded_on=today or today_in_paris(), health_by_id=getattr(by, "id", None))
        if watching:
            action = FollowUpAction(
                text=f"Santé « À surveiller » : {reason}"[:2000],
                due_on=due,
                owner_id=getattr(by, "id", None),
                owner_name=None if getattr(by, "id", None) else "Présidence du comité",
            )
            review.decision.follow_ups.append(action)
        db.session.flush()
    return action


class HealthForm(Form):
    health = SelectField(
        "Santé de la startup",
        choices=choices(HEALTH_LEVELS.items(), empty="— Choisir —"),
        validators=[DataRequired("Choisissez la santé de la startup.")],
        default="",
        # An unknown value is refused by record_health, in the same French words.
        validate_choice=False,
    )
    reason = TextAreaField(
        "Motif",
        validators=[Optional(), bounded(MAX_REASON)],
        description="Obligatoire pour « À surveiller » et « En difficulté ».",
    )
    follow_up_due = DateField(
        "Échéance du suivi (« À surveiller »)",
        validators=[Optional()],
        description=f"Laissée vide : {WATCH_MONTHS} mois après la réunion.",
    )
    amendment_reason = TextAreaField("Motif de la correction", validators=[Optional(), bounded(2000)])
