"""What each person's home shows: their "À faire" in short, then one section per role they hold, with
figures and the links to act. Everything is read from the domains' query modules (the status rows,
the meetings, the reminders' deadlines and deliveries, the imports' record), in a fixed number of
SQL statements whatever the size of the portfolio: a few per role held, never one per row."""
from dataclasses import dataclass, field
from datetime import date, datetime

from portfolio.governance import queries as governance_queries
from portfolio.imports import queries as import_queries
from portfolio.imports.models import ImportRun
from portfolio.reminders import queries as reminder_queries
from portfolio.status import queries as status_queries
from portfolio.status import store
from portfolio.timeutil import utcnow

#: How many items each block names before its "see all" link.
FIRST = 5
#: The reminders' rules about conventions that finance follows (besides the quarterly reports).
FINANCE_ALERT_RULES = ("convention_end_credits", "committee_before_end", "budget_year_end")
QUARTERLY_REPORT = "quarterly_report"


@dataclass
class MyStartup:
    """An intrapreneur's startup: its status at a glance and its reviews to come (soonest first)."""

    glance: status_queries.Glance
    reviews: list[governance_queries.ReviewAhead] = field(default_factory=list)

    @property
    def next_review(self) -> governance_queries.ReviewAhead | None:
        return self.reviews[0] if self.reviews else None


@dataclass
class ChairSection:
    meetings: governance_queries.Counted
    packs: governance_queries.Counted
    decisions: governance_queries.Counted


@dataclass
class FinanceSection:
    reports_due: int
    reports_late: int
    reports: list
    #: The reminders' deadlines of the conventions (end with credits left, year end, committee before the end).
    deadlines: int
    deadlines_late: int
    deadline_items: list


@dataclass
class AdminSection:
    last_import: ImportRun | None
    deliveries: reminder_queries.DeliveryHealth


@dataclass
class Home:
    today: date
    todo: reminder_queries.TodoSummary
    my_startups: list[MyStartup] | None = None
    to_update: list[status_queries.ToUpdate] | None = None
    chair: ChairSection | None = None
    finance: FinanceSection | None = None
    admin: AdminSection | None = None


def _my_startups(user, today: date, now: datetime) -> list[MyStartup]:
    ids = sorted({grant.startup_id for grant in user.grants("intrapreneur") if grant.startup_id is not None})
    mine = {glance.startup_id: MyStartup(glance) for glance in status_queries.glances_of(ids, today)}
    for review in governance_queries.reviews_ahead(ids, now):
        mine[review.review.startup_id].reviews.append(review)
    return list(mine.values())


def _to_update(user, today: date) -> list[status_queries.ToUpdate]:
    """Per incubator the person coaches, or once for the whole portfolio for a global coach."""
    grants = user.grants("coach")
    if any(grant.incubator_id is None for grant in grants):
        return [status_queries.to_update(None, today)]
    incubators = {grant.incubator_id: grant.incubator for grant in grants}
    return [
        status_queries.to_update(incubator, today)
        for incubator in sorted(incubators.values(), key=lambda incubator: incubator.name.lower())
    ]


def _finance(todo: reminder_queries.TodoSummary, today: date) -> FinanceSection:
    deadline_items = sorted(
        (deadline for rule in FINANCE_ALERT_RULES for deadline in todo.first_of_rule.get(rule, [])),
        key=lambda deadline: (deadline.due_on, deadline.id),
    )[:FIRST]
    return FinanceSection(
        reports_due=todo.by_rule.get(QUARTERLY_REPORT, 0),
        reports_late=todo.late_by_rule.get(QUARTERLY_REPORT, 0),
        reports=todo.first_of_rule.get(QUARTERLY_REPORT, []),
        deadlines=sum(todo.by_rule.get(rule, 0) for rule in FINANCE_ALERT_RULES),
        deadlines_late=sum(todo.late_by_rule.get(rule, 0) for rule in FINANCE_ALERT_RULES),
        deadline_items=deadline_items,
    )


def home_of(user, today: date, now: datetime | None = None) -> Home:
    """The home of `user` on `today` (Paris), meetings to come from `now` on."""
    now = now or utcnow()
    store.refresh(today)  # a home read just after midnight shows the new day's flags
    is_finance = user.has_role("finance")
    listed = (QUARTERLY_REPORT, *FINANCE_ALERT_RULES) if is_finance else ()
    home = Home(today=today, todo=reminder_queries.todo_summary(user.id, today, FIRST, listed))
    if user.has_role("intrapreneur"):
        home.my_startups = _my_startups(user, today, now)
    if user.has_role("coach"):
        home.to_update = _to_update(user, today)
    if user.has_role("committee_chair"):
        home.chair = ChairSection(
            meetings=governance_queries.chaired_meetings_ahead(user.id, now, FIRST),
            packs=governance_queries.packs_to_send(user.id, now, FIRST),
            decisions=governance_queries.decisions_to_record(user.id, today, FIRST),
        )
    if is_finance:
        home.finance = _finance(home.todo, today)
    if user.has_role("admin"):
        home.admin = AdminSection(last_import=import_queries.last_run(), deliveries=reminder_queries.delivery_health())
    return home
