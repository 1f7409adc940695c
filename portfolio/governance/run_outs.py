"""Estimated funding run-out dates of many startups at once, for the next-committee rule.

The same computation as `portfolio.funding.consumption.estimated_run_out(startup, today)` (one
startup: the CP granted as of the day less the CP paid, spent at the rate paid so far), through
the same `consumption.envelopes_by_startup`, but in five SQL statements for any number of
startups: lines, amounts, conventions and reports are each read in one statement and attached to
their owners, and the entries are summed per line from plain values (`consumption.consumed_on`),
instead of one round of loads per startup.
"""
from collections import defaultdict
from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from portfolio.extensions import db
from portfolio.funding import consumption
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine, LineAmount


def estimated_run_outs(startup_ids: Sequence[int], day: date) -> dict[int, date | None]:
    """{startup id: estimated run-out on `day`, or None} for the startups with funding lines."""
    if not startup_ids:
        return {}
    line_ids = select(FundingLine.id).where(FundingLine.startup_id.in_(startup_ids))
    convention_ids = select(FundingLine.convention_id).where(FundingLine.startup_id.in_(startup_ids))
    lines = db.session.scalars(select(FundingLine).where(FundingLine.startup_id.in_(startup_ids))).all()
    if not lines:
        return {}
    amounts = db.session.scalars(
        select(LineAmount).where(LineAmount.line_id.in_(line_ids)).order_by(LineAmount.effective_on, LineAmount.id)
    ).all()
    conventions = db.session.scalars(select(Convention).where(Convention.id.in_(convention_ids))).all()
    filed = db.session.scalars(
        select(ConsumptionReport)
        .where(ConsumptionReport.convention_id.in_(convention_ids))
        .order_by(ConsumptionReport.quarter_start)
    ).all()
    consumed = consumption.consumed_on(day, line_ids)
    _attach(lines, "amounts", amounts, "line_id")
    _attach(conventions, "reports", filed, "convention_id")
    # Conventions are in the session now: each line's `convention` resolves without a query.
    envelopes = consumption.envelopes_by_startup(lines, day, consumed)
    return {startup_id: envelope.run_out for startup_id, envelope in envelopes.items()}


def _attach(owners, collection: str, children, key: str) -> None:
    """Set each owner's collection to its children (already ordered) without a lazy load."""
    grouped = defaultdict(list)
    for child in children:
        grouped[getattr(child, key)].append(child)
    for owner in owners:
        set_committed_value(owner, collection, grouped.get(owner.id, []))
