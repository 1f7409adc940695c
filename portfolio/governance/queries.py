"""Reading meetings: the ones a person may see (the same rule as `meeting.view`, in SQL, for the
paginated list), in the order the list shows them, narrowed by the list's filters, and the choices
the governance forms offer."""

from datetime import date, timedelta

from sqlalchemy import Select, case, exists, or_, select
from sqlalchemy.orm import selectinload

from portfolio.accounts.models import RoleGrant, User
from portfolio.extensions import db
from portfolio.governance.models import Meeting, Participant, Review
from portfolio.startups.models import CoIncubation, Startup
from portfolio.timeutil import paris_day_start, utcnow


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
