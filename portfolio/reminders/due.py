"""What a rule returns (a `Due`: one deadline, its recipients and the reminder days that fell due),
what it is given (a `Context`: the day in Paris, the catch-up window, the audience), and how it
names the page to act on."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from flask import current_app, g
from werkzeug.routing import BuildError

from portfolio.reminders.audience import Audience, Recipients
from portfolio.reminders.calendar import paris_day


@dataclass
class Due:
    rule: str
    #: Stable across sweeps; a new episode of the same obligation gets a new subject.
    subject: str
    title: str
    due_on: date
    visible_from: date
    url: str | None
    recipients: Recipients
    #: The reminder days that fell due within the context's window, oldest first.
    occurrences: list[date] = field(default_factory=list)


@dataclass
class Context:
    """The instant the rules are evaluated at, its day in Paris, and the first day they may still remind of."""

    now: datetime
    today: date
    #: Reminder days before this one are not generated any more (see REMINDER_CATCH_UP_DAYS).
    since: date
    audience: Audience
    #: Shared loads between rules (e.g. the live conventions), filled on first use.
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def at(cls, now: datetime, catch_up_days: int, audience: Audience | None = None) -> "Context":
        today = paris_day(now)
        return cls(now=now, today=today, since=today - timedelta(days=catch_up_days), audience=audience or Audience())

    def within(self, days: Iterable[date]) -> list[date]:
        """The days that fell due (on or before today) and are still in the catch-up window."""
        return sorted({day for day in days if self.since <= day <= self.today})

    def cached(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = load()
        return self.cache[key]


def link(*candidates: tuple[str, dict]) -> str | None:
    """The path of the first (endpoint, arguments) the application knows, or None.

    Built without a request (the scheduler has none): a path, which the e-mails prefix with PUBLIC_URL.
    Kept for the app context (a sweep): the rules name the same pages many times.
    """
    key = tuple((endpoint, tuple(sorted(values.items()))) for endpoint, values in candidates)
    links = g.setdefault("reminder_links", {})
    if key not in links:
        links[key] = _build(candidates)
    return links[key]


def _build(candidates: tuple[tuple[str, dict], ...]) -> str | None:
    if "reminder_url_adapter" not in g:
        g.reminder_url_adapter = current_app.url_map.bind("localhost")
    for endpoint, values in candidates:
        if endpoint not in current_app.view_functions:
            continue
        try:
            return g.reminder_url_adapter.build(endpoint, values)
        except BuildError:
            continue
    return None


def timing(due_on: date, occurrence: date) -> str:
    """"échéance le 15/04/2025 (dans 7 jours)", "échéance aujourd’hui", "en retard de 14 jours (échéance le …)"."""
    days = (due_on - occurrence).days
    if days > 0:
        return f"échéance le {due_on:%d/%m/%Y} (dans {days} jour{'s' if days > 1 else ''})"
    if days == 0:
        return "échéance aujourd’hui"
    return f"en retard de {-days} jour{'s' if days < -1 else ''} (échéance le {due_on:%d/%m/%Y})"
