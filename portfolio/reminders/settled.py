"""Which open deadlines the data already settle, read at once (between two sweeps): "À faire" leaves
them out on the next page load, while the sweep, which still sends the e-mails, closes them later.

Each check reads the one fact the rule's subject names (a report filed, a preparation completed, a
follow-up closed, a pack sent, a committee held or planned, a startup updated), a statement per
rule present among the deadlines, whatever their number.
"""
import re
from collections import defaultdict
from datetime import date
from typing import Callable, Iterable

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.funding.models import ConsumptionReport
from portfolio.funding.reports import Quarter
from portfolio.governance.models import FollowUpAction, Meeting, Preparation
from portfolio.reminders.calendar import paris_day
from portfolio.startups.models import Startup

#: (deadline id, subject) pairs of one rule -> the ids the data settle.
Check = Callable[[list[tuple[int, str]], date], set[int]]


def _parts(subject: str) -> list[str]:
    return subject.split(":")


def _reports(items: list[tuple[int, str]], today: date) -> set[int]:
    """convention:<id>:report:<quarter key>: a report of that quarter filed by today."""
    wanted = {}
    for deadline_id, subject in items:
        _, convention_id, _, key = _parts(subject)
        wanted[deadline_id] = (int(convention_id), Quarter.from_key(key).start)
    filed = set(db.session.execute(
        select(ConsumptionReport.convention_id, ConsumptionReport.quarter_start).where(
            ConsumptionReport.convention_id.in_({convention_id for convention_id, _ in wanted.values()}),
            ConsumptionReport.submitted_on <= today,
        )
    ).all())
    return {deadline_id for deadline_id, key in wanted.items() if key in filed}


def _preparations(items: list[tuple[int, str]], today: date) -> set[int]:
    """review:<id>:preparation:<day>: the preparation says what was done or the objectives."""
    by_review = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    rows = db.session.execute(
        select(Preparation.review_id, Preparation.done_since_last, Preparation.objectives).where(
            Preparation.review_id.in_(by_review)
        )
    )
    return {
        by_review[review_id] for review_id, done, objectives in rows
        if (done or "").strip() or (objectives or "").strip()
    }


def _follow_ups(items: list[tuple[int, str]], today: date) -> set[int]:
    """action:<id>: the follow-up is no longer open (or is gone)."""
    by_action = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    still_open = set(db.session.scalars(
        select(FollowUpAction.id).where(FollowUpAction.id.in_(by_action), FollowUpAction.status == "open")
    ))
    return {deadline_id for action_id, deadline_id in by_action.items() if action_id not in still_open}


def _packs(items: list[tuple[int, str]], today: date) -> set[int]:
    """meeting:<id>:pack:<day>: the pack was sent, or the meeting is no longer scheduled."""
    by_meeting = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    waiting = set(db.session.scalars(
        select(Meeting.id).where(
            Meeting.id.in_(by_meeting), Meeting.pack_sent_at.is_(None), Meeting.status == "scheduled"
        )
    ))
    return {deadline_id for meeting_id, deadline_id in by_meeting.items() if meeting_id not in waiting}


def _committees(items: list[tuple[int, str]], today: date) -> set[int]:
    """startup:<id>:committee:<due day>: the schedule no longer gives that due day unplanned (a
    committee was held, entered or scheduled since)."""
    from portfolio.governance.schedule import portfolio_schedule

    wanted = {}
    for deadline_id, subject in items:
        _, startup_id, _, day = _parts(subject)
        wanted[deadline_id] = (int(startup_id), date.fromisoformat(day))
    rows = portfolio_schedule(today, startup_ids=sorted({startup_id for startup_id, _ in wanted.values()}))
    still_due = {(row.startup_id, row.next_committee) for row in rows if row.scheduled_on is None}
    return {deadline_id for deadline_id, key in wanted.items() if key not in still_due}


def _stale(items: list[tuple[int, str]], today: date) -> set[int]:
    """startup:<id>:stale:<last update day>: the startup was updated since."""
    wanted = {}
    for deadline_id, subject in items:
        _, startup_id, _, since = _parts(subject)
        wanted[deadline_id] = (int(startup_id), date.fromisoformat(since))
    updated = dict(db.session.execute(
        select(Startup.id, Startup.updated_at).where(Startup.id.in_({startup_id for startup_id, _ in wanted.values()}))
    ).all())
    return {
        deadline_id for deadline_id, (startup_id, since) in wanted.items()
        if updated.get(startup_id) is None or paris_day(updated[startup_id]) != since
    }


CHECKS: dict[str, Check] = {
    "quarterly_report": _reports,
    "missing_preparation": _preparations,
    "follow_up": _follow_ups,
    "committee_pack": _packs,
    "next_committee": _committees,
    "stale_startup": _stale,
}


#: The shape of each rule's subject (what the rules write), so that another one is left alone.
SUBJECTS = {
    "quarterly_report": re.compile(r"convention:\d+:report:\d{4}-T[1-4]"),
    "missing_preparation": re.compile(r"review:\d+:preparation:\d{4}-\d{2}-\d{2}"),
    "follow_up": re.compile(r"action:\d+"),
    "committee_pack": re.compile(r"meeting:\d+:pack:\d{4}-\d{2}-\d{2}"),
    "next_committee": re.compile(r"startup:\d+:committee:\d{4}-\d{2}-\d{2}"),
    "stale_startup": re.compile(r"startup:\d+:stale:\d{4}-\d{2}-\d{2}"),
}


def settled(deadlines: Iterable[tuple[int, str, str]], today: date) -> set[int]:
    """The ids, among these (id, rule, subject), of the deadlines the data already settle."""
    by_rule: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for deadline_id, rule, subject in deadlines:
        if rule in CHECKS and SUBJECTS[rule].fullmatch(subject):
            by_rule[rule].append((deadline_id, subject))
    done: set[int] = set()
    for rule, items in by_rule.items():
        done |= CHECKS[rule](items, today)
    return done
