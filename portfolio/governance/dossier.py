"""Each review's dossier, assembled from what the application knows, never typed: identity and
team, phase and time in phase, milestones and indicator trends since the startup's last
committee, previous decisions with the status of their follow-ups, funding across conventions
(granted vs consumed, estimated run-out) and the intrapreneur's preparation; plus the agenda's
computed times and which preparations are missing.

Everything is read in a fixed number of SQL statements whatever the number of reviews,
milestones, measurements or funding lines: one statement per relation, never one per review.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Collection

from flask import abort
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portfolio.accounts.models import User
from portfolio.accounts.permissions import can
from portfolio.extensions import db
from portfolio.funding import consumption
from portfolio.funding.charts import Bar, consumption_chart
from portfolio.funding.models import Convention, FundingLine
from portfolio.funding.queries import Amounts, amounts_on
from portfolio.governance.models import (
    IMPACT_CRITERIA,
    Decision,
    FollowUpAction,
    Meeting,
    Participant,
    Preparation,
    Review,
    outcome_label,
)
from portfolio.governance.operations import ordered_reviews
from portfolio.governance.schedule import portfolio_schedule
from portfolio.startups import phases
from portfolio.startups.models import Indicator, Measurement, Milestone, Sponsorship, Startup, TeamMember
from portfolio.startups.startup_page import Chart, charts
from portfolio.status import store
from portfolio.timeutil import duration_fr, to_paris, utcnow

PREPARATION_STATUSES = {"missing": "Manquante", "incomplete": "Incomplète", "complete": "Complète"}


# --- Loading -------------------------------------------------------------------------------


def _startup_options(path):
    """What a dossier shows of a startup: the many-to-one relations joined to the startups' own
    statement, one statement per collection."""
    return (
        path.joinedload(Startup.incubator),
        path.joinedload(Startup.porteur),
        path.selectinload(Startup.sponsorships).joinedload(Sponsorship.organisation),
        path.selectinload(Startup.phase_spans),
        path.selectinload(Startup.milestones),
        path.selectinload(Startup.indicators).selectinload(Indicator.measurements),
        path.selectinload(Startup.team),
    )


def load_meeting(meeting_id: int, full: bool = False, spans: bool = True) -> Meeting:
    """The meeting (404 otherwise), its participants and reviews; `full` loads all a dossier shows
    (again when the session already holds the meeting); `spans=False` leaves out the reviewed
    startups' phase spans (the pack, whose dossiers are kept, reads none)."""
    statement = select(Meeting).where(Meeting.id == meeting_id)
    reviews = selectinload(Meeting.reviews)
    if full:
        statement = statement.execution_options(populate_existing=True).options(
            joinedload(Meeting.chair),
            selectinload(Meeting.participants).joinedload(Participant.user),
            *_startup_options(reviews.joinedload(Review.startup)),
            reviews.joinedload(Review.preparation),
            reviews.joinedload(Review.decision).selectinload(Decision.follow_ups).joinedload(FollowUpAction.owner),
        )
    else:
        startups = reviews.joinedload(Review.startup)
        statement = statement.options(
            # The chair's name, not their roles (read, they are loaded then).
            joinedload(Meeting.chair).lazyload(User.roles),
            selectinload(Meeting.participants),
            startups.selectinload(Startup.phase_spans) if spans else startups,
            reviews.joinedload(Review.preparation),
        )
    meeting = db.session.scalar(statement)
    if meeting is None:
        abort(404)
    return meeting


def load_review(review_id: int) -> Review:
    """A review with its meeting, startup, preparation and decision (404 otherwise)."""
    review = db.session.scalar(
        select(Review)
        .where(Review.id == review_id)
        .options(
            selectinload(Review.meeting).selectinload(Meeting.participants).selectinload(Participant.user),
            selectinload(Review.meeting).selectinload(Meeting.reviews),
            selectinload(Review.startup).selectinload(Startup.phase_spans),
            selectinload(Review.preparation),
            selectinload(Review.decision).selectinload(Decision.follow_ups).selectinload(FollowUpAction.owner),
        )
    )
    if review is None:
        abort(404)
    return review


# --- The agenda ----------------------------------------------------------------------------


@dataclass
class AgendaItem:
    """A review on the agenda with its times on Paris clocks."""

    review: Review
    starts_at: datetime
    questions_at: datetime
    deliberation_at: datetime
    ends_at: datetime


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """The reviews in order, one after the other from the meeting's start."""
    items, moment = [], to_paris(meeting.starts_at)
    for review in ordered_reviews(meeting):
        questions_at = moment + timedelta(minutes=review.presentation_minutes)
        deliberation_at = questions_at + timedelta(minutes=review.questions_minutes)
        ends_at = deliberation_at + timedelta(minutes=review.deliberation_minutes)
        items.append(AgendaItem(review, moment, questions_at, deliberation_at, ends_at))
        moment = ends_at
    return items


# --- Preparations --------------------------------------------------------------------------


def preparation_gaps(preparation: Preparation | None) -> list[str]:
    """What the intrapreneur has not filled in yet (blockers may rightly be none)."""
    if preparation is None:
        return ["toute la préparation"]
    gaps = []
    if not preparation.done_since_last:
        gaps.append("ce qui a été fait depuis le dernier comité")
    if not preparation.objectives:
        gaps.append("les objectifs des 6 prochains mois")
    if preparation.budget_asked is None:
        gaps.append("le budget demandé")
    grid = preparation.impact or {}
    unrated = [label for key, label in IMPACT_CRITERIA.items() if not (grid.get(key) or {}).get("level")]
    if unrated:
        gaps.append(f"la grille d’impact ({', '.join(unrated)})")
    return gaps


def preparation_started(done_since_last: str | None, objectives: str | None) -> bool:
    """A preparation counts as made once it says what was done or the objectives: the reminders stop
    then ("À faire" and the sweep alike); the dossier still lists what it lacks."""
    return bool((done_since_last or "").strip() or (objectives or "").strip())


def preparation_status(review: Review) -> str:
    """"missing" (nothing said yet), "incomplete" (said, with gaps) or "complete"."""
    preparation = review.preparation
    if preparation is None or not preparation_started(preparation.done_since_last, preparation.objectives):
        return "missing"
    return "incomplete" if preparation_gaps(preparation) else "complete"


def missing_preparations(meeting: Meeting) -> list[Review]:
    """The reviews whose preparation is missing or incomplete, in agenda order."""
    return [review for review in ordered_reviews(meeting) if preparation_status(review) != "complete"]


# --- The dossier ---------------------------------------------------------------------------


@dataclass
class IndicatorTrend:
    """An indicator since the last committee: its value then, what was measured since, the change."""

    indicator: Indicator
    baseline: Measurement | None
    since: list[Measurement]

    @property
    def latest(self) -> Measurement | None:
        return self.since[-1] if self.since else self.baseline

    @property
    def change(self) -> Decimal | None:
        if self.baseline is None or not self.since:
            return None
        return self.since[-1].value - self.baseline.value


@dataclass
class PastReview:
    """A previous review of the startup, with its decision and follow-ups."""

    review: Review
    day: date

    @property
    def decision(self) -> Decision | None:
        return self.review.decision

    @property
    def open_follow_ups(self) -> list[FollowUpAction]:
        return [action for action in self.decision.follow_ups if action.status == "open"] if self.decision else []


@dataclass
class ConventionFunding:
    convention: Convention
    lines: list[tuple[FundingLine, Amounts | None]]
    envelope: consumption.Envelope


@dataclass
class Funding:
    """The startup's lines across conventions, granted vs consumed, and the estimated run-out."""

    conventions: list[ConventionFunding] = field(default_factory=list)
    total: consumption.Envelope = field(default_factory=consumption.Envelope)

    def __bool__(self) -> bool:
        return bool(self.conventions)


@dataclass
class Dossier:
    review: Review
    item: AgendaItem
    today: date
    #: The day of the startup's previous review (of any meeting held before this one), if any.
    last_committee: date | None
    #: Its status row, and its committee situation today (None when it is not active), as every page says them.
    status: object | None
    committee: object | None
    current_span: object | None
    time_in_phase: str | None
    team: list[TeamMember]
    milestones: list[Milestone]
    trends: list[IndicatorTrend]
    past_reviews: list[PastReview]
    funding: Funding
    preparation_gaps: list[str]
    #: Whether the pack's reader may read the startup's funding (otherwise `funding` is empty).
    funding_readable: bool = True
    #: Each indicator's chart (as on the startup page), and the funding's consumed-vs-granted chart.
    indicator_charts: list[Chart] = field(default_factory=list)
    consumption_chart: Markup | None = None

    @property
    def startup(self) -> Startup:
        return self.review.startup

    @property
    def preparation(self) -> Preparation | None:
        return self.review.preparation

    @property
    def last_committee_text(self) -> str:
        """Its last investment committee, as the startup page and the next committees say it."""
        if self.status is None or self.status.last_committee_on is None:
            return "Jamais passée en comité."
        day, outcome = self.status.last_committee_on, outcome_label(self.status.last_committee_outcome)
        return f"Dernier comité d’investissement : le {day:%d/%m/%Y} ({outcome})."


def _past_reviews(meeting: Meeting, startup_ids: list[int]) -> dict[int, list[PastReview]]:
    """Each startup's reviews in meetings held before this one (begun by now, not cancelled), newest first."""
    if not startup_ids:
        return {}
    before = min(meeting.starts_at, utcnow())
    statement = (
        select(Review)
        .join(Review.meeting)
        .where(
            Review.startup_id.in_(startup_ids),
            Review.meeting_id != meeting.id,
            Meeting.starts_at < before,
            Meeting.status != "cancelled",
        )
        .options(
            contains_eager(Review.meeting),
            selectinload(Review.decision).selectinload(Decision.follow_ups).selectinload(FollowUpAction.owner),
        )
        .order_by(Meeting.starts_at.desc(), Review.id.desc())
    )
    past: dict[int, list[PastReview]] = {}
    for review in db.session.scalars(statement):
        past.setdefault(review.startup_id, []).append(PastReview(review, to_paris(review.meeting.starts_at).date()))
    return past


def _funding(startup_ids: list[int], today: date) -> dict[int, Funding]:
    """Every startup's lines with their conventions loaded whole (consumption is per convention)."""
    if not startup_ids:
        return {}
    convention_ids = select(FundingLine.convention_id).where(FundingLine.startup_id.in_(startup_ids))
    conventions = db.session.scalars(
        select(Convention)
        .where(Convention.id.in_(convention_ids))
        .options(
            selectinload(Convention.lines).selectinload(FundingLine.amounts),
            selectinload(Convention.lines).selectinload(FundingLine.startup),
            selectinload(Convention.reports),
        )
        .order_by(Convention.signed_on, Convention.reference)
    ).all()
    # What the reports' entries sum to, as plain values: no entry objects to load.
    consumed = consumption.consumed_on(today, select(FundingLine.id).where(FundingLine.convention_id.in_(convention_ids)))
    funding = {startup_id: Funding() for startup_id in startup_ids}
    for convention in conventions:
        used = consumption.consumption(convention, today, consumed)
        for share in used.startups:
            if share.startup.id not in funding:
                continue
            lines = sorted(
                (line for line in convention.lines if line.startup_id == share.startup.id),
                key=lambda line: (line.fiscal_year, line.position),
            )
            summary = funding[share.startup.id]
            summary.conventions.append(
                ConventionFunding(convention, [(line, amounts_on(line, today)) for line in lines], share.envelope)
            )
            summary.total.add(share.envelope)
    return funding


def _trends(startup: Startup, since: date | None) -> list[IndicatorTrend]:
    trends = []
    for indicator in sorted(startup.indicators, key=lambda indicator: indicator.name.lower()):
        ordered = sorted(indicator.measurements, key=lambda measurement: measurement.date)
        if since is None:
            trends.append(IndicatorTrend(indicator, None, ordered))
            continue
        before = [measurement for measurement in ordered if measurement.date <= since]
        after = [measurement for measurement in ordered if measurement.date > since]
        trends.append(IndicatorTrend(indicator, before[-1] if before else None, after))
    return trends


def readable_funding(reader, meeting: Meeting) -> frozenset[int]:
    """The reviewed startups whose funding `reader` may read (`startup.funding`); none for an
    outside guest without an account (None). A pack shows `reader` the funding of these only: the
    rest of the pack is for every reader of the meeting."""
    return frozenset(
        review.startup_id for review in meeting.reviews if reader is not None and can(reader, "startup.funding", review.startup)
    )


def _consumption_chart(funding: Funding, chart_id: str) -> Markup | None:
    """The funding domain's consumed-vs-granted chart: a group of bars per convention, then the total;
    for a startup funded by one convention, that convention's bars alone (they are the total, and
    each text of a chart costs the PDF some milliseconds)."""
    if not funding:
        return None

    def bar(label: str, envelope: consumption.Envelope) -> Bar:
        return Bar(label, envelope.granted_ae, envelope.committed_ae, envelope.granted_cp, envelope.paid_cp)

    if len(funding.conventions) == 1:
        return consumption_chart([], bar(funding.conventions[0].convention.reference, funding.total), chart_id)
    bars = [bar(part.convention.reference, part.envelope) for part in funding.conventions]
    return consumption_chart(bars, bar("Total", funding.total), chart_id)


def dossiers(meeting: Meeting, today: date, funding_of: Collection[int] | None = None) -> list[Dossier]:
    """One dossier per review, in agenda order; `meeting` loaded with load_meeting(full=True). The
    funding of the startups in `funding_of` only (`readable_funding`), of every one when None."""
    items = agenda(meeting)
    startup_ids = [item.review.startup_id for item in items]
    readable = set(startup_ids) if funding_of is None else set(funding_of) & set(startup_ids)
    past = _past_reviews(meeting, startup_ids)
    funding = _funding(sorted(readable), today)
    statuses = store.statuses_of(startup_ids)
    committees = {row.startup_id: row for row in portfolio_schedule(today, startup_ids=startup_ids)}
    result = []
    for item in items:
        startup = item.review.startup
        previous = past.get(startup.id, [])
        last = previous[0].day if previous else None
        status = statuses.get(startup.id)
        startup_funding = funding.get(startup.id, Funding())
        current = phases.Span(status.phase, status.phase_since) if status is not None and status.phase else None
        result.append(
            Dossier(
                review=item.review,
                item=item,
                today=today,
                last_committee=last,
                status=status,
                committee=committees.get(startup.id),
                current_span=current,
                time_in_phase=duration_fr(current.start, today) if current is not None else None,
                team=sorted(
                    (member for member in startup.team if member.end is None or member.end > today),
                    key=lambda member: (member.start or date.min, member.name),
                ),
                milestones=sorted(
                    (milestone for milestone in startup.milestones if last is None or milestone.date > last),
                    key=lambda milestone: (milestone.date, milestone.id),
                    reverse=True,
                ),
                trends=_trends(startup, last),
                past_reviews=previous,
                funding=startup_funding,
                preparation_gaps=preparation_gaps(item.review.preparation) if item.review.preparation else [],
                funding_readable=startup.id in readable,
                indicator_charts=[chart for chart in charts(startup) if chart.indicator.measurements],
                consumption_chart=_consumption_chart(startup_funding, f"consommation-{item.review.id}"),
            )
        )
    return result
