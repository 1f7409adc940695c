"""A startup's status as the API gives it: current phase and since when, last and next committee,
when the next one is due and its funding run-out.

The one place the API reads it from, through the functions the pages use today (the phase rule of
`startups.phases`, the committee schedule of `governance.schedule`); when the derived status row
per startup lands, this function reads that row instead and nothing else in the API changes."""
from dataclasses import dataclass
from datetime import date

from portfolio.governance import schedule
from portfolio.startups import phases
from portfolio.startups.models import Startup


@dataclass(frozen=True)
class StartupStatus:
    on: date
    phase: str | None
    phase_since: date | None
    last_committee: date | None
    #: The next investment committee already scheduled, if any.
    next_committee: date | None
    #: The doctrine's deadline for the next committee (None when the startup is not followed).
    next_committee_due: date | None
    #: One of governance.schedule.STATUSES, or None when the startup is not in a followed phase.
    committee_status: str | None
    run_out: date | None


def startup_status(startup: Startup, today: date) -> StartupStatus:
    current = phases.phase_span_on(startup.phase_spans, today)
    committee = schedule.next_committee_for(startup, today)
    return StartupStatus(
        on=today,
        phase=current.phase if current else None,
        phase_since=current.start if current else None,
        last_committee=committee.last_committee if committee else None,
        next_committee=committee.scheduled_on if committee else None,
        next_committee_due=committee.next_committee if committee else None,
        committee_status=committee.status if committee else None,
        run_out=committee.run_out if committee else None,
    )
