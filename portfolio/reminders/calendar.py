"""Calendar arithmetic of the reminders, all in Europe/Paris: repeating series (months with
end-of-month clamping, `timeutil.add_months`), and the instant a reminder's day starts being due
(its sending hour, whatever the UTC offset that day)."""
from datetime import date, datetime, time, timedelta, timezone

from portfolio.timeutil import PARIS, add_months, as_utc


def weekly(first: date, since: date, until: date) -> list[date]:
    """first, first + 7 days, … that fall within [since, until]."""
    if first > until:
        return []
    skip = max(0, (since - first).days // 7)
    days, current = [], first + timedelta(days=7 * skip)
    while current <= until:
        if current >= since:
            days.append(current)
        current += timedelta(days=7)
    return days


def monthly(first: date, since: date, until: date) -> list[date]:
    """first, first + 1 month, … (each counted from `first`, so 31 January gives 28/29 February
    then 31 March) that fall within [since, until]."""
    days, step = [], 0
    if first < since:
        step = max(0, (since.year - first.year) * 12 + since.month - first.month - 1)
    while (current := add_months(first, step)) <= until:
        if current >= since:
            days.append(current)
        step += 1
    return days


def paris_day(moment: datetime) -> date:
    """The calendar day in Paris at that instant."""
    return as_utc(moment).astimezone(PARIS).date()


def paris_instant(day: date, hour: int) -> datetime:
    """`day` at `hour`:00 in Paris, as a UTC instant (07:00 UTC in winter, 06:00 in summer for 8 h)."""
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(timezone.utc)


def next_slot(moment: datetime, hour: int, weekday: int | None = None) -> datetime:
    """The first instant at `hour`:00 Paris (on `weekday`, 0 = Monday, when given) at or after `moment`."""
    day = paris_day(moment)
    while True:
        candidate = paris_instant(day, hour)
        if candidate >= as_utc(moment) and (weekday is None or day.weekday() == weekday):
            return candidate
        day += timedelta(days=1)


def last_slot(moment: datetime, hour: int, weekday: int | None = None) -> datetime:
    """The latest instant at `hour`:00 Paris (on `weekday` when given) at or before `moment`."""
    day = paris_day(moment)
    while True:
        candidate = paris_instant(day, hour)
        if candidate <= as_utc(moment) and (weekday is None or day.weekday() == weekday):
            return candidate
        day -= timedelta(days=1)
