"""What the governance tests share: the demo's people and startups, a committee scheduled ahead."""

from datetime import date, time, timedelta

from sqlalchemy import select

from portfolio.accounts.models import User
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.startups.models import Startup
from portfolio.timeutil import today_in_paris


def startup(slug: str) -> Startup:
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def persona(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def chair() -> User:
    return persona("presidente@demo.beta.gouv.fr")


def intrapreneur() -> User:
    return persona("intrapreneur@demo.beta.gouv.fr")


def next_weekday(days: int = 30) -> date:
    day = today_in_paris() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def committee(slugs=("signaux-faibles", "conseillers-entreprises"), days: int = 30, title: str | None = None, **kwargs):
    """An investment committee chaired by the demo chair, reviewing `slugs`, committed."""
    meeting = operations.schedule_meeting(
        "investment_committee",
        next_weekday(days),
        time(14, 0),
        chair(),
        title=title,
        location="DGE, salle 2.14",
        **kwargs,
    )
    for slug in slugs:
        operations.add_review(meeting, startup(slug))
    db.session.commit()
    return meeting


def held_committee(slugs=("signaux-faibles", "conseillers-entreprises"), title: str | None = None):
    """An investment committee held today at midnight (Paris), entered as a past committee: its
    attendance and decisions are open. Committed."""
    meeting = operations.record_past_committee(
        "investment_committee", today_in_paris(), time(0, 0), chair(), title=title, location="DGE, salle 2.14"
    )
    for slug in slugs:
        operations.add_review(meeting, startup(slug))
    db.session.commit()
    return meeting
