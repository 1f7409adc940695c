"""What is recorded during and after a meeting: attendance and minutes, each review's decision
with its follow-up actions, the decision's validation (which writes the phase change it
triggers into the startup's history, once, through the coach's own `change_phase`), and closing.

Like `operations`, these flush and raise `GovernanceError` (or the startup's `StartupError` /
`NeedsConfirmation` when a phase change breaks the history's rules); the caller commits once.
Once the meeting is closed, every change here is an amendment with a reason.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update

from portfolio.accounts.models import User
from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.governance.models import ACTION_STATUSES, DECISION_OUTCOMES, Decision, FollowUpAction, Meeting, Review
from portfolio.governance.operations import (
    GovernanceError,
    amending,
    assign,
    clean_text,
    ensure_held,
    ensure_open,
    ordered_reviews,
    read_amount,
)
from portfolio.governance.timing import meeting_day
from portfolio.startups import operations as startup_operations
from portfolio.startups import phases
from portfolio.startups.models import PhaseSpan
from portfolio.timeutil import today_in_paris, utcnow

#: Outcomes a chair records (the registry's "unknown" comes only from its history).
RECORDABLE_OUTCOMES = {key: label for key, label in DECISION_OUTCOMES.items() if key != "unknown"}
#: The doctrine's provisional budget lasts one or two months: the next committee is due at its end.
PROVISIONAL_MONTHS = (1, 2)


def stop_phase(review: Review) -> str:
    """The phase an "Arrêt" moves the startup to on the meeting's day: "investigation non concluante"
    from investigation, "arrêté" otherwise."""
    current = phases.phase_on(review.startup.phase_spans, meeting_day(review.meeting))
    return "abandon-investigation" if current == "investigation" else "abandon"


def _checked_phase_change(
    review: Review, outcome: str, phase: str | None, on: date | None, decided: tuple[str | None, date | None]
) -> tuple[str | None, date | None]:
    """The doctrine's phase changes: "Arrêt" ends the startup from the meeting's day and carries no
    other change; "6 mois" may only move it forward in the lifecycle; no other outcome stops it.
    `decided` is the change already recorded (kept as it is, even once in the history)."""
    if outcome == "stop":
        ending = stop_phase(review)
        if phase is not None and phase != ending:
            raise GovernanceError(
                f"Une décision d’arrêt ne s’accompagne d’aucun autre changement de phase : la startup passe en "
                f"« {phases.label(ending)} » à la date de la réunion. Retirez le changement de phase "
                f"« {phases.label(phase)} »."
            )
        return ending, meeting_day(review.meeting)
    if phase is None:
        return None, None
    if phase in phases.STOPPED_PHASES:
        raise GovernanceError(
            f"« {phases.label(phase)} » arrête la startup : choisissez l’issue « Arrêt » plutôt qu’un changement de phase."
        )
    # Once validated or closed the change is refused anyway, with its own message (record_decision).
    locked = review.meeting.status == "closed" or (review.decision is not None and review.decision.validated_at)
    if outcome == "continue_6_months" and (phase, on) != decided and not locked:
        current = phases.phase_on(review.startup.phase_spans, on)
        if current is not None and phases.RANK[phase] <= phases.RANK.get(current, -1):
            raise GovernanceError(
                f"Un budget pour 6 mois ne fait avancer la startup que vers une phase suivante : elle est en "
                f"« {phases.label(current)} » le {on:%d/%m/%Y}, « {phases.label(phase)} » n’est pas après."
            )
    return phase, on


def _checked_months(outcome: str, months) -> int | None:
    if outcome != "provisional":
        return None
    if months in (None, ""):
        raise GovernanceError("Indiquez la durée du budget provisoire : 1 ou 2 mois.")
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = None
    if months not in PROVISIONAL_MONTHS:
        raise GovernanceError("Un budget provisoire dure 1 ou 2 mois.")
    return months


# --- Attendance and minutes ----------------------------------------------------------------


def record_attendance(
    meeting: Meeting, present: set[int], minutes: str | None = None, reason: str | None = None
) -> None:
    """Who attended (participant ids present; everyone else absent) and the meeting's minutes.
    The meeting is then held; once closed, this is an amendment with a reason. Not before its day."""
    ensure_held(meeting)
    with amending(meeting, reason):
        for participant in meeting.participants:
            assign(participant, attended=participant.id in present)
        assign(meeting, minutes=clean_text(minutes))
        if meeting.status == "scheduled":
            meeting.status = "held"
            meeting.revise()
        db.session.flush()


def record_review_minutes(review: Review, minutes: str | None, reason: str | None = None) -> bool:
    ensure_held(review.meeting)
    with amending(review.meeting, reason):
        changed = assign(review, minutes=clean_text(minutes))
        db.session.flush()
    return changed


# --- Decisions and follow-ups --------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpInput:
    """A follow-up as entered: `id` names an existing one (empty text then removes it)."""

    text: str | None
    due_on: date | None
    owner_id: int | None = None
    owner_name: str | None = None
    status: str = "open"
    id: int | None = None


def _checked_follow_ups(
    decision: Decision | None, inputs, held_on: date
) -> list[tuple[FollowUpAction | None, FollowUpInput, User | None]]:
    existing = {action.id: action for action in (decision.follow_ups if decision else [])}
    checked = []
    for item in inputs:
        action = existing.get(item.id) if item.id is not None else None
        if item.id is not None and action is None:
            raise GovernanceError("Cette action de suivi n’appartient pas à la décision.")
        text = clean_text(item.text)
        if text is None:
            if action is None and (item.due_on or item.owner_id or clean_text(item.owner_name)):
                raise GovernanceError("Décrivez chaque action de suivi que vous datez ou confiez à quelqu’un.")
            checked.append((action, item, None))
            continue
        if item.due_on is None:
            raise GovernanceError(f"Indiquez l’échéance de l’action de suivi « {text[:60]} ».")
        if item.due_on <= held_on and (action is None or action.due_on != item.due_on):
            raise GovernanceError(
                f"L’échéance de l’action de suivi « {text[:60]} » doit suivre la réunion du {held_on:%d/%m/%Y}."
            )
        if item.status not in ACTION_STATUSES:
            raise GovernanceError(f"Statut inconnu pour l’action de suivi « {text[:60]} ».")
        owner = db.session.get(User, item.owner_id) if item.owner_id else None
        if item.owner_id and owner is None:
            raise GovernanceError(f"Le responsable choisi pour « {text[:60]} » n’existe pas.")
        if owner is None and clean_text(item.owner_name) is None:
            raise GovernanceError(f"Indiquez le responsable de l’action de suivi « {text[:60]} ».")
        checked.append((action, item, owner))
    return checked


def _done_on(status: str, current: date | None, today: date) -> date | None:
    return (current or today) if status == "done" else None


def _apply_follow_ups(decision: Decision, checked, today: date) -> None:
    for action, item, owner in checked:
        text = clean_text(item.text)
        if text is None:
            if action is not None:
                decision.follow_ups.remove(action)
            continue
        values = {
            "text": text,
            "due_on": item.due_on,
            "owner_id": owner.id if owner else None,
            "owner_name": None if owner else clean_text(item.owner_name),
            "status": item.status,
        }
        if action is None:
            action = FollowUpAction(**values, done_on=_done_on(item.status, None, today))
            decision.follow_ups.append(action)
        else:
            assign(action, **values, done_on=_done_on(item.status, action.done_on, today))


def record_decision(
    review: Review,
    outcome: str,
    phase_change_to: str | None = None,
    phase_change_on: date | None = None,
    amount_granted: str | None = None,
    conditions: str | None = None,
    reserves: str | None = None,
    follow_ups=(),
    reason: str | None = None,
    today: date | None = None,
    provisional_months: int | str | None = None,
) -> Decision:
    """Create or change the review's decision and its follow-ups, from the meeting's day on.
    Validated, its phase change is in the startup's history and stays as it is; closed, any
    change is an amendment with a reason. The doctrine's phase rules: see `_checked_phase_change`;
    a provisional budget gives its months (1 or 2), when the next committee is due."""
    ensure_held(review.meeting, today)
    if outcome not in RECORDABLE_OUTCOMES and not (review.decision and review.decision.outcome == outcome):
        raise GovernanceError("Choisissez l’issue de la revue.")
    phase = None
    if clean_text(phase_change_to):
        phase = phases.normalise_phase(phase_change_to)
        if phase is None:
            raise GovernanceError(f"Phase inconnue : {phase_change_to}.")
        if phase_change_on is None:
            raise GovernanceError("Indiquez la date du changement de phase décidé.")
    on = phase_change_on if phase else None
    decision = review.decision
    decided = (decision.phase_change_to, decision.phase_change_on) if decision is not None else (None, None)
    if outcome != "unknown":
        phase, on = _checked_phase_change(review, outcome, phase, on, decided)
    months = _checked_months(outcome, provisional_months)
    amount = read_amount(amount_granted)
    if (phase, on) != decided:
        if review.meeting.status == "closed":
            # A closed meeting validates nothing more: the change would be recorded and never applied.
            raise GovernanceError(
                "La réunion est clôturée : un changement de phase ne s’y décide plus. "
                "Faites-le depuis la page de la startup."
            )
        if decision is not None and decision.validated_at:
            raise GovernanceError(
                "La décision est validée : son changement de phase ne se modifie plus ici. "
                "Corrigez la période depuis la page de la startup."
            )
    checked = _checked_follow_ups(decision, follow_ups, meeting_day(review.meeting))
    with amending(review.meeting, reason):
        if decision is None:
            decision = Decision(outcome=outcome)
            review.decision = decision
        assign(
            decision,
            outcome=outcome,
            phase_change_to=phase,
            phase_change_on=on,
            amount_granted=amount,
            provisional_months=months,
            conditions=clean_text(conditions),
            reserves=clean_text(reserves),
        )
        _apply_follow_ups(decision, checked, today or today_in_paris())
        db.session.flush()
    return decision


def phase_change_reason(decision: Decision) -> str:
    """The reason written with the phase change, so that the startup's timeline names the decision."""
    meeting = decision.review.meeting
    return f"Décision « {DECISION_OUTCOMES.get(decision.outcome, decision.outcome)} » — {meeting.title}."


def validate_decision(decision: Decision, by, confirmed: bool = False) -> PhaseSpan | None:
    """Make the decision final; with a phase change, write it into the startup's history through
    `change_phase` (the coach's rules: a change against the lifecycle needs `confirmed`).
    Validating again changes nothing. The validation is first claimed by an UPDATE that only
    one transaction can win (`validated_at IS NULL`), so two concurrent validations cannot both
    write the phase change. Returns the span written now, if any."""
    if decision.validated_at is not None:
        return None
    ensure_open(decision.review.meeting, "ses décisions ne peuvent plus être validées")
    ensure_held(decision.review.meeting)
    now = utcnow()
    claim = db.session.execute(
        update(Decision).where(Decision.id == decision.id, Decision.validated_at.is_(None)).values(validated_at=now),
        execution_options={"synchronize_session": False},
    )
    if claim.rowcount == 0:
        db.session.refresh(decision)
        return None
    span = None
    if decision.phase_change_to:
        span = startup_operations.change_phase(
            decision.review.startup,
            to=decision.phase_change_to,
            on=decision.phase_change_on,
            by=by,
            reason=phase_change_reason(decision),
            confirmed=confirmed,
        )
        db.session.flush()
    with described(action="validate"):
        # The claim wrote validated_at behind the ORM's back: setting it here records it in the audit trail.
        decision.validated_at = now
        decision.validated_by_id = getattr(by, "id", None)
        decision.phase_span_id = span.id if span is not None else None
        db.session.flush()
    return span


def set_follow_up_status(action: FollowUpAction, status: str, today: date | None = None) -> bool:
    """A follow-up's progress; it is checked at the next committee, so it moves even after closing."""
    if status not in ACTION_STATUSES:
        raise GovernanceError("Choisissez le statut de l’action de suivi.")
    changed = assign(action, status=status, done_on=_done_on(status, action.done_on, today or today_in_paris()))
    db.session.flush()
    return changed


# --- Closing -------------------------------------------------------------------------------


def close_meeting(meeting: Meeting, now: datetime | None = None) -> None:
    """Lock the meeting: from now on its minutes and decisions change only by amendment.
    Every recorded decision must be validated first (its phase change written). Not before its day."""
    ensure_open(meeting)
    ensure_held(meeting)
    pending = [
        review.startup.name
        for review in ordered_reviews(meeting)
        if review.decision and not review.decision.validated_at
    ]
    if pending:
        raise GovernanceError(f"Validez d’abord la décision concernant : {', '.join(pending)}.")
    with described(action="close"):
        meeting.status = "closed"
        meeting.closed_at = now or utcnow()
        meeting.revise(meeting.closed_at)
        db.session.flush()
