"""A startup's status as the API gives it: current phase and since when, last and next committee,
when the next one is due, its committee situation and its funding run-out.

Read from the startup's derived status row (`portfolio.status`), as the startup page reads it, so
that the API, the pages, the exports and the reminders say the same thing."""
from dataclasses import dataclass
from datetime import date

from portfolio.governance.doctrine import committee_status
from portfolio.startups.models import Startup
from portfolio.startups.phases import ACTIVE_PHASES
from portfolio.status import store


@dataclass(frozen=True)
class StatusView:
    on: date
    phase: str | None = None
    phase_since: date | None = None
    last_committee: date | None = None
    #: The next investment committee already scheduled, if any.
    next_committee: date | None = None
    #: The doctrine's deadline for the next committee (None when the startup is not followed).
    next_committee_due: date | None = None
    #: One of governance.doctrine.STATUSES, or None when the startup is not in a followed phase.
    committee_status: str | None = None
    run_out: date | None = None


def startup_status(startup: Startup, today: date) -> StatusView:
    store.refresh(today)
    row = store.status_of(startup.id)
    if row is None:
        return StatusView(on=today)
    followed = row.phase in ACTIVE_PHASES
    return StatusView(
        on=today,
        phase=row.phase,
        phase_since=row.phase_since,
        last_committee=row.last_committee_on,
        next_committee=row.next_committee_on,
        next_committee_due=row.committee_due_on,
        committee_status=(
            committee_status(today, row.last_committee_on, row.committee_due_on, row.next_committee_on)
            if followed else None
        ),
        run_out=row.run_out_on,
    )
