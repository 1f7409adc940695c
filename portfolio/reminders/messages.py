"""The e-mails the reminders send: one per notification, or one digest per person and day or week,
each in French, as text and HTML, with a link to the object to act on."""
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address

from flask import current_app, render_template

from portfolio.reminders.calendar import paris_day
from portfolio.reminders.due import link, timing
from portfolio.reminders.mail import Message
from portfolio.reminders.rules import RULES

SUBJECT_PREFIX = "[Portfolio]"
#: The title of a message that carries several reminders, per delivery mode ("immediate": several
#: fell due for the person in the same sweep, e.g. after downtime, and go out together).
DIGEST_TITLES = {
    "immediate": "Vos rappels",
    "daily": "Vos rappels du jour",
    "weekly": "Vos rappels de la semaine",
}


@dataclass(frozen=True)
class Item:
    """One reminder as a message shows it."""

    text: str
    due_on: date
    #: Absolute address of the page to act on (the "À faire" page when the rule names none).
    url: str


def item(title: str, rule: str, due_on: date, path: str | None, now: datetime) -> Item:
    """A reminder as sent at `now`: its title, and for dated rules how far the due date is that day."""
    text = title
    if rule in RULES and RULES[rule].timed:
        text = f"{title} — {timing(due_on, paris_day(now))}"
    return Item(text, due_on, absolute(path))


def absolute(path: str | None) -> str:
    """PUBLIC_URL + path; the "À faire" page when there is no path."""
    return current_app.config["PUBLIC_URL"] + (path or link(("reminders.todo", {})) or "/")


def _to(name: str, email: str) -> str:
    """"Claire Lefèvre <presidente@…>", readable in the outbox; the e-mail header encodes it."""
    return str(Address(display_name=name, addr_spec=email))


def single(name: str, email: str, item: Item) -> Message:
    subject = f"{SUBJECT_PREFIX} Rappel : {item.text}"
    if len(subject) > 200:
        subject = subject[:199] + "…"
    context = {"name": name, "item": item, "links": _links()}
    return Message(
        to=_to(name, email),
        subject=subject,
        text=render_template("reminders/email/single.txt", **context),
        html=render_template("reminders/email/single.html", **context),
    )


def digest(name: str, email: str, mode: str, items: list[Item]) -> Message:
    title = DIGEST_TITLES[mode]
    count = len(items)
    subject = f"{SUBJECT_PREFIX} {title} : {count} rappel{'s' if count > 1 else ''}"
    context = {"name": name, "title": title, "items": sorted(items, key=lambda item: item.due_on), "links": _links()}
    return Message(
        to=_to(name, email),
        subject=subject,
        text=render_template("reminders/email/digest.txt", **context),
        html=render_template("reminders/email/digest.html", **context),
        notification_count=count,
    )


def _links() -> dict[str, str]:
    return {
        "todo": absolute(link(("reminders.todo", {}))),
        "inbox": absolute(link(("reminders.inbox", {}))),
        "preferences": absolute(link(("reminders.preferences", {}))),
    }
