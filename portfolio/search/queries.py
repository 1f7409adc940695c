"""The search's queries: for a typed text, the startups, meetings and conventions that match it,
each kind under the same visibility rules as its own list (every startup; the meetings of
`visible_meetings`; conventions for their readers only), a page of each in a constant number of
statements whatever the portfolio's size.

Text is matched without case nor accents (`portfolio.startups.folding`): a startup by its name,
pitch (the status row's folded search text, as the portfolio list searches it) or slug; a meeting
by its title or a reviewed startup's name; a convention by its reference, title or a funded
startup's name."""
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, case, exists, func, or_, select

from portfolio.accounts.permissions import can
from portfolio.extensions import db
from portfolio.funding.models import Convention, FundingLine
from portfolio.governance.models import Meeting, Review
from portfolio.governance.queries import visible_meetings
from portfolio.startups.folding import fold_text, folded
from portfolio.startups.models import Incubator, Startup
from portfolio.status.models import StartupStatus

#: The kinds of results, in the page's order, with their French names (singular, plural).
KINDS = {
    "startups": ("startup", "startups"),
    "meetings": ("réunion", "réunions"),
    "conventions": ("convention", "conventions"),
}
#: What a person may read of each kind (the action the kind's own list requires).
KIND_ACTIONS = {"startups": "startup.view", "meetings": "meeting.view", "conventions": "funding.view"}
#: The longest text searched (as the portfolio list's own search field).
MAX_TEXT = 200
#: How many results of each kind the page shows before "Voir les N …".
PREVIEW = 5


class RowPagination(SelectPagination):
    """A page of a select of several columns: its rows, not only their first column."""

    def _query_items(self) -> list:
        statement = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(statement).all())


@dataclass
class Group:
    """One kind of result: its key, its page of results and how many there are in all."""

    kind: str
    page: Pagination

    @property
    def singular(self) -> str:
        return KINDS[self.kind][0]

    @property
    def plural(self) -> str:
        return KINDS[self.kind][1]


def readable_kinds(user) -> list[str]:
    """The kinds of results `user` may read, in the page's order."""
    return [kind for kind in KINDS if can(user, KIND_ACTIONS[kind])]


def _startups_matching(wanted: str) -> Select:
    name, slug = StartupStatus.sort_name, func.lower(Startup.slug)
    starts = or_(name.startswith(wanted, autoescape=True), slug.startswith(wanted, autoescape=True))
    return (
        select(Startup.slug, Startup.name, Startup.pitch, StartupStatus.phase, Incubator.name.label("incubator"))
        .join(StartupStatus, StartupStatus.startup_id == Startup.id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(or_(StartupStatus.search_text.contains(wanted, autoescape=True), slug.contains(wanted, autoescape=True)))
        .order_by(case((starts, 0), else_=1), name, Startup.id)
    )


def _startup_named(wanted: str, startup_id):
    """A condition: the startup `startup_id` (a column) has `wanted` in its name."""
    return exists().where(
        StartupStatus.startup_id == startup_id, StartupStatus.sort_name.contains(wanted, autoescape=True)
    )


def _meetings_matching(user, wanted: str) -> Select:
    reviewed = exists().where(Review.meeting_id == Meeting.id, _startup_named(wanted, Review.startup_id))
    return visible_meetings(user).where(or_(folded(Meeting.title).contains(wanted, autoescape=True), reviewed))


def _conventions_matching(wanted: str) -> Select:
    funded = exists().where(FundingLine.convention_id == Convention.id, _startup_named(wanted, FundingLine.startup_id))
    return (
        select(Convention)
        .where(
            or_(
                folded(Convention.reference).contains(wanted, autoescape=True),
                folded(Convention.title).contains(wanted, autoescape=True),
                funded,
            )
        )
        .order_by(Convention.signed_on.desc().nulls_last(), Convention.reference)
    )


def search(user, text: str, kinds: list[str], page: int | None, per_page: int) -> list[Group]:
    """A page of each of `kinds` matching `text` (the caller checked that `user` may read them):
    two statements a kind (count, page), and a meeting's chair and reviewed startups in bulk."""
    wanted = fold_text(text)
    groups = []
    for kind in kinds:
        if kind == "startups":
            pagination = RowPagination(
                select=_startups_matching(wanted), session=db.session(), page=page, per_page=per_page,
                max_per_page=None, error_out=False,
            )
        else:
            statement = _meetings_matching(user, wanted) if kind == "meetings" else _conventions_matching(wanted)
            pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
        groups.append(Group(kind, pagination))
    return groups
