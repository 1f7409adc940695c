"""Time in Portfolio: stored in UTC, shown in Europe/Paris; calendar arithmetic."""
import calendar
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A datetime read back from a database that dropped the zone (SQLite) is UTC by our rule."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def to_paris(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(PARIS)


def today_in_paris() -> date:
    return utcnow().astimezone(PARIS).date()


def paris_day_start(day: date) -> datetime:
    """The first instant of `day` in Paris, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(timezone.utc)


def format_datetime(moment: datetime | None) -> str:
    """26/11/2026 à 16:24, in Paris time."""
    if moment is None:
        return ""
    return to_paris(moment).strftime("%d/%m/%Y à %H:%M")


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_paris(day).date()
    return day.strftime("%d/%m/%Y")


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a day the target month lacks becomes its last day
    (31 August + 6 months = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def duration_fr(start: date, today: date) -> str:
    """How long since `start`, in words: "2 ans et 3 mois", "5 mois", "12 jours", "aujourd’hui" (the pages
    write "depuis le 06/12/2026 (aujourd’hui)")."""
    days = (today - start).days
    if days < 0:
        return "pas encore commencée"
    if days == 0:
        return "aujourd’hui"
    months = (today.year - start.year) * 12 + today.month - start.month - (today.day < start.day)
    if months < 1:
        return f"{days} jour{'s' if days > 1 else ''}"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} an{'s' if years > 1 else ''}")
    if months:
        parts.append(f"{months} mois")
    return " et ".join(parts)
