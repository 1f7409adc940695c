"""What the reminder rules read from the other domains, each loaded once per sweep in a fixed
number of statements (shared through the context's cache), and the links to the pages to act on."""
from datetime import date, timedelta

from sqlalchemy import Row, select
from sqlalchemy.orm import selectinload

from portfolio.extensions import db
from portfolio.funding import consumption
from portfolio.funding.amounts import format_euros
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine
from portfolio.governance.models import Meeting, Review
from portfolio.reminders.due import Context, link
from portfolio.startups.models import Startup
from portfolio.startups.phases import phase_on_query
from portfolio.timeutil import paris_day_start

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


def upcoming_meetings(ctx: Context) -> list[Meeting]:
    """Scheduled meetings from today to 7 days ahead (Paris days), with their reviews and preparations."""
    start, stop = paris_day_start(ctx.today), paris_day_start(ctx.today + timedelta(days=8))
    return ctx.cached(
        "meetings",
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


def current_phases(ctx: Context) -> list[tuple[int, str, str, str, date]]:
    """(id, slug, name, phase, phase start) of every startup with a phase today."""
    current = phase_on_query(ctx.today).subquery("current_phase")
    return ctx.cached(
        "phases",
        lambda: db.session.execute(
            select(Startup.id, Startup.slug, Startup.name, current.c.phase, current.c.start)
            .join(current, current.c.startup_id == Startup.id)
            .order_by(Startup.id)
        ).all(),
    )


def last_chairs(ctx: Context) -> dict[int, int]:
    """{startup id: the chair of its latest investment committee held by the end of the day, of
    those whose chair is known} (one statement)."""

    def load() -> dict[int, int]:
        rows = db.session.execute(
            select(Review.startup_id, Meeting.chair_id)
            .join(Meeting, Meeting.id == Review.meeting_id)
            .where(
                Meeting.kind == "investment_committee",
                Meeting.status != "cancelled",
                Meeting.starts_at < paris_day_start(ctx.today + timedelta(days=1)),
                Meeting.chair_id.is_not(None),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
        return dict(rows.all())  # later meetings overwrite earlier ones

    return ctx.cached("last_chairs", load)


def unconsumed(envelopes) -> str | None:
    """"12 000 € d’AE et 3 000 € de CP" left on the envelopes, or None when all is consumed."""
    ae = sum((envelope.remaining_ae for envelope in envelopes), start=consumption.ZERO)
    cp = sum((envelope.remaining_cp for envelope in envelopes), start=consumption.ZERO)
    parts = [
        text for amount, text in ((ae, f"{format_euros(ae)} d’AE"), (cp, f"{format_euros(cp)} de CP")) if amount > 0
    ]
    return " et ".join(parts) or None
