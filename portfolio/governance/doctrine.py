"""The committee doctrine, pure: when a startup's next investment committee is due, and what its
committee situation is called on a day. The status rows (`portfolio.status`) store the dates;
every page, export and reminder names the situation through `committee_status`.

Doctrine: an investment committee at least every 6 months per startup, and 30 days at the latest
before its funding runs out. So the next committee is the earlier of (last committee + 6 months)
and (estimated run-out − 30 days) when the run-out is known. A startup never reviewed has the
run-out rule alone (no date without funding). When the last committee granted a provisional budget
(1–2 months pending proof), the next one is due at the end of that budget instead.
"""
from datetime import date, timedelta

from portfolio.timeutil import add_months

COMMITTEE_INTERVAL_MONTHS = 6
RUN_OUT_MARGIN = timedelta(days=30)
DUE_SOON_DAYS = 45
#: The pack goes to the participants this many days before the meeting.
PACK_LEAD_DAYS = 7

#: Statuses, in the order the chair's view lists them (most urgent first).
STATUSES = {
    "overdue": "En retard",
    "scheduled_late": "Programmé en retard",
    "due_soon": f"À tenir sous {DUE_SOON_DAYS} jours",
    "never_reviewed": "Jamais passée en comité",
    "scheduled": "Programmé",
    "ok": "À jour",
}
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


def next_committee_date(
    last_committee: date | None, run_out: date | None, interval_months: int | None = None
) -> date | None:
    """The doctrine's rule: the earlier of last + 6 months (or + the months of the provisional budget
    that committee granted) and run-out − 30 days, each when known."""
    candidates = []
    if last_committee is not None:
        candidates.append(add_months(last_committee, interval_months or COMMITTEE_INTERVAL_MONTHS))
    if run_out is not None:
        candidates.append(run_out - RUN_OUT_MARGIN)
    return min(candidates) if candidates else None


def committee_status(
    day: date, last_committee: date | None, next_committee: date | None, scheduled_on: date | None = None
) -> str:
    """One of STATUSES on `day`. A committee already scheduled says so ("programmé", or "programmé en
    retard" when it falls after the due day); otherwise a startup with no past committee is
    `never_reviewed` whatever its date."""
    if scheduled_on is not None:
        return "scheduled_late" if next_committee is not None and scheduled_on > next_committee else "scheduled"
    if last_committee is None:
        return "never_reviewed"
    if next_committee < day:
        return "overdue"
    if next_committee <= day + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def status_text(status: str, scheduled_on: date | None) -> str:
    """The status as every page writes it: "Programmé le 22/12/2026", "En retard"…"""
    if status in ("scheduled", "scheduled_late") and scheduled_on is not None:
        late = " (en retard sur l’échéance)" if status == "scheduled_late" else ""
        return f"Programmé le {scheduled_on:%d/%m/%Y}{late}"
    return STATUSES[status]


def pack_due_on(meeting_day: date) -> date:
    """The day the pack of a meeting held on `meeting_day` is to be sent by: a week before."""
    return meeting_day - timedelta(days=PACK_LEAD_DAYS)
