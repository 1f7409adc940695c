"""The rules of a meeting before it is held: scheduling (entered in Europe/Paris, stored in
UTC), participants, the agenda of reviews, the intrapreneurs' preparations and the pack sent
to the participants. What is recorded during and after it (attendance, minutes, decisions,
follow-ups, closing) is in `decisions`.

Views, the CLI and the demo call these; they flush, the caller commits once. A broken rule
raises `GovernanceError` with a French message, and the caller rolls back: nothing changes.
Once a meeting is closed, its minutes and decisions change only through an amendment that
gives a reason (`amending`): the audit trail keeps it with the before and after values.
"""

import contextlib
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Iterator, Mapping


from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.governance.models import (
    DEFAULT_SLOTS,
    IMPACT_CRITERIA,
    IMPACT_LEVELS,
    MEETING_KINDS,
    PARTICIPANT_ROLES,
    Meeting,
    Participant,
    Preparation,
    Review,
)
from portfolio.governance.timing import not_yet_open_message, record_is_open
from portfolio.startups import phases
from portfolio.startups.models import Startup
from portfolio.timeutil import PARIS, to_paris, today_in_paris, utcnow

#: The longest slot of a review, in minutes (a whole afternoon).
MAX_SLOT_MINUTES = 240
#: The doctrine sends the pack one week before the meeting.
#: The role the chair holds among the participants (Article 4: the porteur's representative presides).
CHAIR_ROLE = "porteur_representative"


class GovernanceError(ValueError):
    """A rule of governance was broken; the message is French and shown as is."""

    #: The form field the message belongs to, when it is one field's (e.g. "day").
    field: str | None = None


class MeetingDateError(GovernanceError):
    """The meeting's date breaks a rule of time (scheduled in the past, a past committee in the future)."""

    field = "day"


class NotYetHeld(GovernanceError):
    """The meeting's day has not come: its attendance, decisions and closing are not open yet."""


def ensure_held(meeting: Meeting, today: date | None = None) -> None:
    """Refuse recording what happens at a meeting (attendance, decisions, validation, closing)
    before its day in Paris."""
    if not record_is_open(meeting, today):
        raise NotYetHeld(not_yet_open_message(meeting))


def clean_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def assign(obj, **values) -> bool:
    """Assign only what differs, so that the audit trail records real changes only."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


# --- Locks ---------------------------------------------------------------------------------


def ensure_open(meeting: Meeting, consequence: str = "elle ne peut plus être modifiée") -> None:
    """Refuse a change to a closed or cancelled meeting; `consequence` says what is refused."""
    if meeting.status == "closed":
        raise GovernanceError(f"La réunion est clôturée : {consequence}.")
    if meeting.status == "cancelled":
        raise GovernanceError(f"La réunion est annulée : {consequence}.")


@contextlib.contextmanager
def amending(meeting: Meeting, reason: str | None) -> Iterator[None]:
    """The writes of this block: plain while the meeting is open; once it is closed, an
    amendment that requires a reason, kept in the audit trail as action "amend"."""
    if meeting.status == "cancelled":
        raise GovernanceError("La réunion est annulée : rien ne peut plus y être enregistré.")
    if meeting.status != "closed":
        yield
        return
    reason = clean_text(reason)
    if reason is None:
        raise GovernanceError("La réunion est clôturée : une correction est un amendement, indiquez-en le motif.")
    with described(action="amend", reason=reason):
        yield


# --- Scheduling ----------------------------------------------------------------------------


def paris_moment(day: date | None, at: time | None) -> datetime:
    """A day and time on Paris clocks, as a UTC instant; a time the clocks skip is refused."""
    if day is None:
        raise GovernanceError("Indiquez la date de la réunion.")
    if at is None:
        raise GovernanceError("Indiquez l’heure de début de la réunion.")
    local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=PARIS)
    moment = local.astimezone(timezone.utc)
    if moment.astimezone(PARIS).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise GovernanceError(
            f"Le {_day(day)}, {at:%H:%M} n’existe pas à Paris (passage à l’heure d’été) : choisissez une autre heure."
        )
    return moment


def default_title(kind: str, day: date) -> str:
    return f"{MEETING_KINDS[kind]} du {_day(day)}"


def _check_meeting(kind: str, chair, location: str | None, video_link: str | None) -> None:
    if kind not in MEETING_KINDS:
        raise GovernanceError("Choisissez le type de réunion : instance de gouvernance ou comité d’investissement.")
    if chair is None:
        raise GovernanceError("Choisissez la présidence de la réunion.")
    if not (chair.has_role("committee_chair") or chair.has_role("admin")):
        raise GovernanceError(f"{chair.name} n’est pas président·e de comité : choisissez une autre présidence.")
    if location is None and video_link is None:
        raise GovernanceError("Indiquez le lieu de la réunion ou son lien de visioconférence.")


def _refuse_past(moment: datetime, now: datetime | None) -> None:
    if moment <= (now or utcnow()):
        local = to_paris(moment)
        raise MeetingDateError(
            f"Le {local:%d/%m/%Y} à {local:%H:%M} est passé : une réunion se programme à une date à venir."
        )


def _seat_chair(meeting: Meeting) -> None:
    """The chair sits among the participants (attendance, the pack) as the porteur's representative."""
    chair = meeting.chair
    if chair is not None and all(participant.user_id != chair.id for participant in meeting.participants):
        meeting.participants.append(Participant(user=chair, name=chair.name, email=chair.email, role=CHAIR_ROLE))


def _new_meeting(kind: str, day: date, starts_at: datetime, chair, title, location, video_link) -> Meeting:
    """A scheduled meeting with its chair seated among the participants, flushed."""
    meeting = Meeting(
        kind=kind,
        title=clean_text(title) or default_title(kind, day),
        starts_at=starts_at,
        location=location,
        video_link=video_link,
        chair=chair,
        status="scheduled",
        source="local",
    )
    db.session.add(meeting)
    _seat_chair(meeting)
    db.session.flush()
    return meeting


def schedule_meeting(
    kind: str,
    day: date | None,
    at: time | None,
    chair,
    title: str | None = None,
    location: str | None = None,
    video_link: str | None = None,
    now: datetime | None = None,
) -> Meeting:
    """A new meeting, its chair seated among the participants. A moment already past is refused."""
    location, video_link = clean_text(location), clean_text(video_link)
    _check_meeting(kind, chair, location, video_link)
    starts_at = paris_moment(day, at)
    _refuse_past(starts_at, now)
    meeting = _new_meeting(kind, day, starts_at, chair, title, location, video_link)
    return meeting


def record_past_committee(
    kind: str,
    day: date | None,
    at: time | None,
    chair,
    title: str | None = None,
    location: str | None = None,
    video_link: str | None = None,
    now: datetime | None = None,
) -> Meeting:
    """A meeting that already took place, entered afterwards ("Enregistrer un comité passé"): its
    moment must be past; it is marked as such (source "past", audit action "record_past") and its
    attendance and decisions are open at once."""
    location, video_link = clean_text(location), clean_text(video_link)
    _check_meeting(kind, chair, location, video_link)
    starts_at = paris_moment(day, at)
    if starts_at > (now or utcnow()):
        local = to_paris(starts_at)
        raise MeetingDateError(
            f"Le {local:%d/%m/%Y} à {local:%H:%M} est à venir : un comité passé se date avant maintenant ; "
            "programmez plutôt la réunion."
        )
    meeting = _new_meeting(kind, day, starts_at, chair, title, location, video_link)
    # Its own line in the history: the meeting was entered after it took place.
    with described(action="record_past", reason="Comité enregistré après coup, à sa date passée."):
        meeting.source = "past"
        db.session.flush()
    return meeting


def edit_meeting(
    meeting: Meeting,
    kind: str,
    day: date | None,
    at: time | None,
    chair,
    title: str | None = None,
    location: str | None = None,
    video_link: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Change a meeting's details; moving it to a moment already past is refused. True if it changed."""
    ensure_open(meeting)
    location, video_link = clean_text(location), clean_text(video_link)
    _check_meeting(kind, chair, location, video_link)
    starts_at = paris_moment(day, at)
    if starts_at != meeting.starts_at:
        if meeting.source == "past":
            if starts_at > (now or utcnow()):
                raise MeetingDateError("Un comité passé garde une date passée.")
        else:
            _refuse_past(starts_at, now)
    if kind == "governance_instance" and len(meeting.reviews) > 1:
        raise GovernanceError(
            "Une instance de gouvernance examine une seule startup : "
            "retirez d’abord les autres revues de l’ordre du jour."
        )
    revised = (starts_at, location, video_link) != (meeting.starts_at, meeting.location, meeting.video_link)
    changed = assign(
        meeting,
        kind=kind,
        title=clean_text(title) or default_title(kind, day),
        starts_at=starts_at,
        location=location,
        video_link=video_link,
        chair_id=chair.id,
    )
    if revised:
        meeting.revise()
    meeting.chair = chair
    _seat_chair(meeting)
    db.session.flush()
    return changed


def cancel_meeting(meeting: Meeting) -> None:
    ensure_open(meeting)
    if any(review.decision is not None for review in meeting.reviews):
        raise GovernanceError("Des décisions sont enregistrées pour cette réunion : elle ne peut plus être annulée.")
    with described(action="cancel"):
        meeting.status = "cancelled"
        meeting.revise()
        db.session.flush()


# --- Participants --------------------------------------------------------------------------


def add_participant(
    meeting: Meeting,
    role: str,
    user=None,
    name: str | None = None,
    email: str | None = None,
    organisation: str | None = None,
) -> Participant:
    """Invite an account of the application, or a named outside guest."""
    ensure_open(meeting, "la liste des participants ne peut plus changer")
    if role not in PARTICIPANT_ROLES:
        raise GovernanceError("Choisissez le rôle du participant.")
    name, email, organisation = clean_text(name), clean_text(email), clean_text(organisation)
    if user is not None:
        if any(participant.user_id == user.id for participant in meeting.participants):
            raise GovernanceError(f"{user.name} participe déjà à la réunion.")
        name, email = name or user.name, user.email
    elif name is None:
        raise GovernanceError("Choisissez un compte, ou indiquez le nom de la personne invitée.")
    email = email.lower() if email else None
    if email and any((participant.email or "").lower() == email for participant in meeting.participants):
        raise GovernanceError(f"L’adresse {email} est déjà celle d’un participant.")
    participant = Participant(user=user, name=name, email=email, organisation=organisation, role=role)
    meeting.participants.append(participant)
    db.session.flush()
    return participant


def remove_participant(participant: Participant) -> None:
    meeting = participant.meeting
    ensure_open(meeting, "la liste des participants ne peut plus changer")
    if participant.user_id is not None and participant.user_id == meeting.chair_id:
        raise GovernanceError("La présidence ne peut pas être retirée : changez d’abord de présidence.")
    meeting.participants.remove(participant)
    db.session.flush()


# --- Agenda --------------------------------------------------------------------------------


def _check_slots(presentation: int | None, questions: int | None, deliberation: int | None) -> tuple[int, int, int]:
    slots = (
        DEFAULT_SLOTS["presentation"] if presentation is None else presentation,
        DEFAULT_SLOTS["questions"] if questions is None else questions,
        DEFAULT_SLOTS["deliberation"] if deliberation is None else deliberation,
    )
    if any(minutes < 0 or minutes > MAX_SLOT_MINUTES for minutes in slots):
        raise GovernanceError(f"Chaque temps dure de 0 à {MAX_SLOT_MINUTES} minutes.")
    if sum(slots) == 0:
        raise GovernanceError("Une revue dure au moins une minute.")
    return slots


def _renumber(meeting: Meeting, ordered: list[Review]) -> None:
    for position, review in enumerate(ordered):
        if review.position != position:
            review.position = position


def add_review(
    meeting: Meeting,
    startup: Startup | None,
    presentation: int | None = None,
    questions: int | None = None,
    deliberation: int | None = None,
    today: date | None = None,
) -> Review:
    """Put a startup on the agenda, last, with the doctrine's slots unless others are given.
    A startup stopped today (phase in STOPPED_PHASES) is refused."""
    ensure_open(meeting, "l’ordre du jour ne peut plus changer")
    if startup is None:
        raise GovernanceError("Choisissez la startup à examiner.")
    phase = phases.phase_on(startup.phase_spans, today or today_in_paris())
    if phase in phases.STOPPED_PHASES:
        raise GovernanceError(
            f"{startup.name} est arrêtée (phase « {phases.label(phase)} ») : "
            "une startup arrêtée ne passe plus en comité."
        )
    if any(review.startup_id == startup.id for review in meeting.reviews):
        raise GovernanceError(f"{startup.name} est déjà à l’ordre du jour.")
    if meeting.kind == "governance_instance" and meeting.reviews:
        raise GovernanceError(
            "Une instance de gouvernance examine une seule startup : programmez un comité d’investissement "
            "pour en examiner plusieurs."
        )
    slots = _check_slots(presentation, questions, deliberation)
    position = max((review.position for review in meeting.reviews), default=-1) + 1
    review = Review(
        startup=startup,
        position=position,
        presentation_minutes=slots[0],
        questions_minutes=slots[1],
        deliberation_minutes=slots[2],
    )
    meeting.reviews.append(review)
    db.session.flush()
    return review


def set_slots(review: Review, presentation: int | None, questions: int | None, deliberation: int | None) -> bool:
    ensure_open(review.meeting, "l’ordre du jour ne peut plus changer")
    slots = _check_slots(presentation, questions, deliberation)
    changed = assign(review, presentation_minutes=slots[0], questions_minutes=slots[1], deliberation_minutes=slots[2])
    db.session.flush()
    return changed


def ordered_reviews(meeting: Meeting) -> list[Review]:
    return sorted(meeting.reviews, key=lambda review: (review.position, review.id or 0))


def move_review(review: Review, offset: int) -> bool:
    """Move a review up (-1) or down (+1) the agenda; False at either end."""
    meeting = review.meeting
    ensure_open(meeting, "l’ordre du jour ne peut plus changer")
    ordered = ordered_reviews(meeting)
    index = ordered.index(review)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(meeting, ordered)
    db.session.flush()
    return True


def remove_review(review: Review) -> None:
    meeting = review.meeting
    ensure_open(meeting, "l’ordre du jour ne peut plus changer")
    if review.decision is not None:
        raise GovernanceError(
            f"Une décision est enregistrée pour {review.startup.name} : la revue ne peut plus être retirée."
        )
    meeting.reviews.remove(review)
    _renumber(meeting, ordered_reviews(meeting))
    db.session.flush()


# --- Preparation ---------------------------------------------------------------------------


def read_amount(text: str | None) -> Decimal | None:
    """An optional amount written the French way; unreadable text is a GovernanceError."""
    if clean_text(text) is None:
        return None
    try:
        return parse_amount(text)
    except AmountError as error:
        raise GovernanceError(str(error)) from None


def _impact_grid(impact: Mapping[str, tuple[str | None, str | None]]) -> dict:
    unknown = set(impact) - set(IMPACT_CRITERIA)
    if unknown:
        raise GovernanceError(f"Critère d’impact inconnu : {', '.join(sorted(unknown))}.")
    grid = {}
    for criterion in IMPACT_CRITERIA:
        level, comment = impact.get(criterion, (None, None))
        level, comment = clean_text(level), clean_text(comment)
        if level is not None and level not in IMPACT_LEVELS:
            raise GovernanceError(f"Niveau inconnu pour « {IMPACT_CRITERIA[criterion]} » : {level}.")
        if level is not None or comment is not None:
            grid[criterion] = {"level": level, "comment": comment}
    return grid


def save_preparation(
    review: Review,
    by,
    done_since_last: str | None = None,
    objectives: str | None = None,
    budget_asked: str | None = None,
    blockers: str | None = None,
    impact: Mapping[str, tuple[str | None, str | None]] | None = None,
) -> Preparation:
    """What the intrapreneur prepares for the review; `budget_asked` is read by parse_amount."""
    ensure_open(review.meeting, "la préparation ne peut plus être modifiée")
    values = {
        "done_since_last": clean_text(done_since_last),
        "objectives": clean_text(objectives),
        "budget_asked": read_amount(budget_asked),
        "blockers": clean_text(blockers),
        "impact": _impact_grid(impact or {}),
    }
    preparation = review.preparation
    if preparation is None:
        preparation = Preparation(review=review, impact={})
        db.session.add(preparation)
    if assign(preparation, **values) or preparation.id is None:
        preparation.updated_at = utcnow()
        preparation.updated_by_id = getattr(by, "id", None)
    db.session.flush()
    return preparation


# --- The pack ------------------------------------------------------------------------------
