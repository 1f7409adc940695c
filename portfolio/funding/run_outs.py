"""Estimated funding run-out dates of many startups at once, for their status rows (the
next-committee rule and the committee schedule).

The same computation as `portfolio.funding.consumption.estimated_run_out(startup, today)` (one
startup: the CP granted as of the day less the CP paid, spent at the rate paid so far), through
the same `consumption.envelopes_by_startup`, but in five SQL statements for any number of
startups, and from plain values: lines, amounts, conventions and reports are read as rows (the
columns that computation reads) and attached to their owners, and the entries are summed per line
(`consumption.consumed_on`). No object is loaded: at 10x the startups active on a day have some
15,000 lines, amounts and reports between them.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from sqlalchemy import Row, and_, select

from portfolio.database import among
from portfolio.extensions import db
from portfolio.funding import consumption
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine, LineAmount


@dataclass
class _Convention:
    """What the consumption reads of a convention: its dates and its reports (plain rows)."""

    id: int
    effective_on: date | None
    signed_on: date | None
    ends_on: date | None
    until_paid: bool
    reports: list[Row] = field(default_factory=list)


@dataclass
class _Line:
    """What the consumption reads of a funding line: its owners and its amounts (plain rows)."""

    id: int
    startup_id: int
    convention_id: int
    convention: _Convention
    amounts: list[Row] = field(default_factory=list)


def estimated_run_outs(startup_ids: Sequence[int], day: date) -> dict[int, date | None]:
    """{startup id: estimated run-out on `day`, or None} for the startups with funding lines."""
    if not startup_ids:
        return {}
    funded = and_(among(FundingLine.startup_id, startup_ids), consumption.funds_the_future(day))
    line_ids = select(FundingLine.id).where(funded)
    convention_ids = select(FundingLine.convention_id).where(funded)
    line_rows = db.session.execute(
        select(FundingLine.id, FundingLine.startup_id, FundingLine.convention_id).where(funded)
    ).all()
    if not line_rows:
        return {}
    conventions = {
        row.id: _Convention(row.id, row.effective_on, row.signed_on, row.ends_on, row.until_paid)
        for row in db.session.execute(
            select(Convention.id, Convention.effective_on, Convention.signed_on, Convention.ends_on, Convention.until_paid)
            .where(Convention.id.in_(convention_ids))
        )
    }
    for report in db.session.execute(
        select(ConsumptionReport.convention_id, ConsumptionReport.quarter_start, ConsumptionReport.submitted_on)
        .where(ConsumptionReport.convention_id.in_(convention_ids))
        .order_by(ConsumptionReport.quarter_start)
    ):
        conventions[report.convention_id].reports.append(report)
    amounts = defaultdict(list)
    for amount in db.session.execute(
        select(LineAmount.line_id, LineAmount.id, LineAmount.effective_on, LineAmount.ae, LineAmount.cp)
        .where(LineAmount.line_id.in_(line_ids))
        .order_by(LineAmount.effective_on, LineAmount.id)
    ):
        amounts[amount.line_id].append(amount)
    lines = [
        _Line(row.id, row.startup_id, row.convention_id, conventions[row.convention_id], amounts[row.id])
        for row in line_rows
    ]
    envelopes = consumption.envelopes_by_startup(lines, day, consumption.consumed_on(day, line_ids))
    return {startup_id: envelope.run_out for startup_id, envelope in envelopes.items()}
