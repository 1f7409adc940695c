"""What the reminder rules read from the other domains, each loaded once per sweep in a fixed
number of statements (shared through the context's cache), and the links to the pages to act on."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Row, select
from sqlalchemy.orm import selectinload

from portfolio.database import among
from portfolio.extensions import db
from portfolio.funding import consumption
from portfolio.funding.amounts import format_euros
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine
from portfolio.governance.models import Meeting, Review
from portfolio.reminders.due import Context, link
from portfolio.startups.models import Startup
from portfolio.status import store
from portfolio.status.compute import Status, compute
from portfolio.timeutil import paris_day_start, today_in_paris

#: Conventions whose obligations run: signed or published (a draft has none yet, a closed one no more).
LIVE_STATUSES = ("signed", "published")


def convention_link(convention_id: int) -> str | None:
    return link(("funding.convention_detail", {"convention_id": convention_id}))


def startup_link(slug: str) -> str | None:
    return link(("startups.detail", {"slug": slug}))


def meeting_link(meeting_id: int, slug: str | None = None) -> str | None:
    candidates = [("governance.meeting_detail", {"meeting_id": meeting_id})]
    if slug:
        candidates.append(("startups.detail", {"slug": slug}))
    return link(*candidates)


def live_conventions(ctx: Context) -> list[Convention]:
    """The conventions whose obligations run, alone (one statement). Most rules keep a few of them
    and load those whole (`loaded_whole`); the quarterly one reads the reports as plain values
    (`filed_reports`)."""
    return ctx.cached(
        "conventions",
        lambda: list(
            db.session.scalars(select(Convention).where(Convention.status.in_(LIVE_STATUSES)).order_by(Convention.id))
        ),
    )


def filed_reports(ctx: Context) -> dict[int, dict[date, Row]]:
    """{convention id: {quarter start: report}}, every report as a plain row (quarter_start,
    submitted_on): what the report statuses read (one statement)."""

    def read() -> dict[int, dict[date, Row]]:
        reports: dict[int, dict[date, Row]] = {}
        columns = (ConsumptionReport.convention_id, ConsumptionReport.quarter_start, ConsumptionReport.submitted_on)
        for row in db.session.execute(select(*columns)):
            reports.setdefault(row.convention_id, {})[row.quarter_start] = row
        return reports

    return ctx.cached("reports", read)


def loaded_whole(conventions: list[Convention]) -> list[Convention]:
    """These conventions with their lines (amounts, startup) and reports, as the consumption reads
    them: one round of statements for all of them (what their entries sum to is `consumed`)."""
    if conventions:
        db.session.scalars(
            select(Convention)
            .where(Convention.id.in_([convention.id for convention in conventions]))
            .options(
                selectinload(Convention.lines).selectinload(FundingLine.amounts),
                selectinload(Convention.lines).selectinload(FundingLine.startup),
                selectinload(Convention.reports),
            )
        ).all()
    return conventions


def consumed(ctx: Context, conventions: list[Convention]) -> consumption.Consumed:
    """AE committed and CP paid per line of these conventions over the reports filed by today (one
    statement)."""
    if not conventions:
        return {}
    ids = [convention.id for convention in conventions]
    return consumption.consumed_on(ctx.today, select(FundingLine.id).where(FundingLine.convention_id.in_(ids)))


def startup_ids_of(convention: Convention) -> list[int]:
    return sorted({line.startup_id for line in convention.lines})


@dataclass(frozen=True)
class StartupState:
    """A startup's status on the context's day, with what the reminders name it by."""

    status: Status
    slug: str
    name: str
    updated_at: datetime


def startup_states(ctx: Context) -> list[StartupState]:
    """Every startup's status on the context's day: its status row when that day is today, computed
    by the same function otherwise (a sweep run "as of" another instant)."""

    def read() -> list[StartupState]:
        names = {row.id: row for row in db.session.execute(select(Startup.id, Startup.slug, Startup.name, Startup.updated_at))}
        if ctx.today == today_in_paris():
            store.refresh(ctx.today)
            statuses = store.stored()
        else:
            statuses = compute(ctx.today)
        return [
            StartupState(status, names[status.startup_id].slug, names[status.startup_id].name, names[status.startup_id].updated_at)
            for status in statuses
            if status.startup_id in names
        ]

    return ctx.cached("states", read)


def meetings_ahead(ctx: Context, days: int) -> list[Meeting]:
    """Scheduled meetings from today to `days` ahead (Paris days), with their reviews, preparations
    and startups."""
    start, stop = paris_day_start(ctx.today), paris_day_start(ctx.today + timedelta(days=days + 1))
    return ctx.cached(
        f"meetings:{days}",
        lambda: list(
            db.session.scalars(
                select(Meeting)
                .where(Meeting.status == "scheduled", Meeting.starts_at >= start, Meeting.starts_at < stop)
                .order_by(Meeting.starts_at, Meeting.id)
                .options(
                    selectinload(Meeting.reviews).selectinload(Review.preparation),
                    selectinload(Meeting.reviews).selectinload(Review.startup),
                )
            )
        ),
    )


def last_chairs(ctx: Context) -> dict[int, int]:
    """{startup id: the chair of its last committee (the status's), of those whose chair is known}."""

    def load() -> dict[int, int]:
        last = {state.status.startup_id: state.status.last_committee_id for state in startup_states(ctx)
                if state.status.last_committee_id is not None}
        if not last:
            return {}
        chairs = dict(db.session.execute(
            select(Meeting.id, Meeting.chair_id).where(Meeting.chair_id.is_not(None), among(Meeting.id, set(last.values())))
        ).all())
        return {startup_id: chairs[meeting_id] for startup_id, meeting_id in last.items() if meeting_id in chairs}

    return ctx.cached("last_chairs", load)


def unconsumed(envelopes) -> str | None:
    """"12 000 € d’AE et 3 000 € de CP" left on the envelopes, or None when all is consumed."""
    ae = sum((envelope.remaining_ae for envelope in envelopes), start=consumption.ZERO)
    cp = sum((envelope.remaining_cp for envelope in envelopes), start=consumption.ZERO)
    parts = [
        text for amount, text in ((ae, f"{format_euros(ae)} d’AE"), (cp, f"{format_euros(cp)} de CP")) if amount > 0
    ]
    return " et ".join(parts) or None
