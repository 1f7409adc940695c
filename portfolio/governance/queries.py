"""Reading meetings: the ones a person may see (the same rule as `meeting.view`, in SQL, for the
paginated list), in the order the list shows them, narrowed by the list's filters, the choices the
governance forms offer, and what the homes show (an intrapreneur's reviews to prepare, a chair's
meetings, packs and decisions)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portfolio.accounts.models import RoleGrant, User
from portfolio.database import among
from portfolio.extensions import db
from portfolio.governance.doctrine import pack_due_on
from portfolio.governance.dossier import preparation_gaps, preparation_status
from portfolio.governance.models import Decision, Meeting, Participant, Review
from portfolio.startups.models import CoIncubation, Startup
from portfolio.timeutil import paris_day_start, to_paris, utcnow


def visible_meetings(user) -> Select:
    """The meetings `user` may read, theirs as chair first, then upcoming (soonest first), then past
    (latest first). Mirrors the `meeting.view` rule of portfolio.accounts.permissions."""
    statement = select(Meeting).options(
        selectinload(Meeting.chair), selectinload(Meeting.reviews).selectinload(Review.startup)
    )
    sees_all = (
        user.has_role("admin")
        or user.has_role("committee_chair")
        or any(grant.incubator_id is None for grant in user.grants("coach"))
    )
    if not sees_all:
        conditions = [
            Meeting.chair_id == user.id,
            exists().where(Participant.meeting_id == Meeting.id, Participant.user_id == user.id),
        ]
        own = [grant.startup_id for grant in user.grants("intrapreneur") if grant.startup_id is not None]
        if own:
            conditions.append(exists().where(Review.meeting_id == Meeting.id, Review.startup_id.in_(own)))
        incubators = [grant.incubator_id for grant in user.grants("coach")]
        if incubators:
            co_incubated = exists().where(
                CoIncubation.startup_id == Review.startup_id, CoIncubation.incubator_id.in_(incubators)
            )
            conditions.append(
                exists()
                .where(Review.meeting_id == Meeting.id, Startup.id == Review.startup_id)
                .where(or_(Startup.incubator_id.in_(incubators), co_incubated))
            )
        statement = statement.where(or_(*conditions))
    now = utcnow()
    past = case((Meeting.starts_at < now, 1), else_=0)
    return statement.order_by(
        case((Meeting.chair_id == user.id, 0), else_=1),
        past,
        case((Meeting.starts_at >= now, Meeting.starts_at)),
        Meeting.starts_at.desc(),
        Meeting.id.desc(),
    )


def filtered_meetings(
    statement: Select,
    since: date | None = None,
    until: date | None = None,
    kind: str | None = None,
    status: str | None = None,
    startup: Startup | None = None,
) -> Select:
    """`statement` (meetings) narrowed to those held from `since` to `until` (days in Paris, both
    included), of a kind, in a status, or reviewing a startup."""
    if since is not None:
        statement = statement.where(Meeting.starts_at >= paris_day_start(since))
    if until is not None:
        statement = statement.where(Meeting.starts_at < paris_day_start(until + timedelta(days=1)))
    if kind:
        statement = statement.where(Meeting.kind == kind)
    if status:
        statement = statement.where(Meeting.status == status)
    if startup is not None:
        statement = statement.where(exists().where(Review.meeting_id == Meeting.id, Review.startup_id == startup.id))
    return statement


def chair_choices() -> list[tuple[int, str]]:
    """Active accounts that may preside: committee chairs."""
    statement = (
        select(User.id, User.name)
        .where(User.active.is_(True), exists().where(RoleGrant.user_id == User.id, RoleGrant.role == "committee_chair"))
        .order_by(User.name, User.id)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def account_choices(exclude: set[int] = frozenset()) -> list[tuple[int, str]]:
    statement = select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name, User.id)
    return [
        (user_id, f"{name} <{email}>") for user_id, name, email in db.session.execute(statement) if user_id not in exclude
    ]


def follow_up_owner_choices(review: Review) -> list[tuple[int, str]]:
    """Who may own a follow-up: the meeting's participants with an account and the startup's intrapreneurs."""
    ids = {participant.user_id for participant in review.meeting.participants if participant.user_id}
    intrapreneurs = select(RoleGrant.user_id).where(
        RoleGrant.role == "intrapreneur", RoleGrant.startup_id == review.startup_id
    )
    statement = (
        select(User).where(User.active.is_(True), or_(User.id.in_(ids), User.id.in_(intrapreneurs))).order_by(User.name)
    )
    return [(user.id, user.name) for user in db.session.scalars(statement)]


# --- The homes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAhead:
    """A review in a meeting still to come, with where its preparation stands."""

    review: Review
    #: "missing", "incomplete" or "complete" (portfolio.governance.dossier.preparation_status).
    preparation: str
    #: What the preparation still lacks, in French.
    gaps: list[str]

    @property
    def meeting(self) -> Meeting:
        return self.review.meeting


def reviews_ahead(startup_ids: list[int], now: datetime) -> list[ReviewAhead]:
    """The reviews of these startups (and of no other) in meetings scheduled to start from `now` on,
    soonest first, with their meeting and preparation: one statement."""
    if not startup_ids:
        return []
    statement = (
        select(Review)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .where(among(Review.startup_id, startup_ids), Meeting.status == "scheduled", Meeting.starts_at >= now)
        .order_by(Meeting.starts_at, Review.id)
        .options(contains_eager(Review.meeting), joinedload(Review.preparation), joinedload(Review.startup))
    )
    return [
        ReviewAhead(review, preparation_status(review), preparation_gaps(review.preparation))
        for review in db.session.scalars(statement).unique()
    ]


@dataclass(frozen=True)
class Counted:
    """How many there are, and the first few of them."""

    total: int
    first: list


def _chaired_ahead(user_id: int, now: datetime):
    return (Meeting.chair_id == user_id, Meeting.status == "scheduled", Meeting.starts_at >= now)


def chaired_meetings_ahead(user_id: int, now: datetime, first: int = 5) -> Counted:
    """The meetings the person chairs still to come, soonest first, with their reviews' startups."""
    total = db.session.scalar(select(func.count(Meeting.id)).where(*_chaired_ahead(user_id, now)))
    # Joined, not a second statement: the home runs the same statements with or without meetings.
    meetings = db.session.scalars(
        select(Meeting).where(*_chaired_ahead(user_id, now)).order_by(Meeting.starts_at, Meeting.id).limit(first)
        .options(joinedload(Meeting.reviews).joinedload(Review.startup))
    ).unique().all()
    return Counted(total, list(meetings))


@dataclass(frozen=True)
class PackToSend:
    meeting: Meeting
    #: The day it is to be sent by (a week before the meeting).
    due_on: date


def packs_to_send(user_id: int, now: datetime, first: int = 5) -> Counted:
    """The packs of the person's meetings to come that have not been sent, the earliest due first."""
    unsent = (*_chaired_ahead(user_id, now), Meeting.pack_sent_at.is_(None))
    total = db.session.scalar(select(func.count(Meeting.id)).where(*unsent))
    meetings = db.session.scalars(
        select(Meeting).where(*unsent).order_by(Meeting.starts_at, Meeting.id).limit(first)
    ).all()
    return Counted(total, [PackToSend(meeting, pack_due_on(to_paris(meeting.starts_at).date())) for meeting in meetings])


def decisions_to_record(user_id: int, today: date, first: int = 5) -> Counted:
    """The reviews of the meetings the person chairs, held by today and not closed nor cancelled,
    whose decision is not recorded or not validated yet, the oldest meeting first."""
    conditions = (
        Meeting.chair_id == user_id,
        Meeting.status.in_(("scheduled", "held")),
        # Decisions open on the meeting's day in Paris (portfolio.governance.timing).
        Meeting.starts_at < paris_day_start(today + timedelta(days=1)),
        or_(Decision.id.is_(None), Decision.validated_at.is_(None)),
    )
    base = (
        select(Review)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .outerjoin(Decision, Decision.review_id == Review.id)
        .where(*conditions)
    )
    total = db.session.scalar(select(func.count()).select_from(base.with_only_columns(Review.id).subquery()))
    reviews = db.session.scalars(
        base.order_by(Meeting.starts_at, Review.position, Review.id).limit(first)
        .options(contains_eager(Review.meeting), contains_eager(Review.decision), joinedload(Review.startup))
    ).unique().all()
    return Counted(total, list(reviews))
