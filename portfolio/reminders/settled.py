"""Which open deadlines the data already settle, read at once (between two sweeps): "À faire" leaves
them out on the next page load, while the sweep, which still sends the e-mails, closes them later.

Each check reads the one fact the rule's subject names (a report filed, a preparation completed, a
follow-up closed, a pack sent, a committee held or planned, a startup updated): one statement per
rule, whatever the deadlines.
"""
import re
from collections import defaultdict
from datetime import date, datetime
from typing import Callable, Iterable

from sqlalchemy import select

from portfolio.database import among
from portfolio.extensions import db
from portfolio.funding.models import ConsumptionReport
from portfolio.funding.reports import Quarter
from portfolio.governance.dossier import preparation_started
from portfolio.governance.models import FollowUpAction, Meeting, Preparation, Review
from portfolio.reminders.calendar import paris_day
from portfolio.startups.models import Startup
from portfolio.timeutil import as_utc, paris_day_start

#: (deadline id, subject) pairs of one rule, the day, when each deadline was made -> the ids the data settle.
Check = Callable[[list[tuple[int, str]], date, dict[int, datetime]], set[int]]


def _parts(subject: str) -> list[str]:
    return subject.split(":")


def _reports(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """convention:<id>:report:<quarter key>: a report of that quarter filed by today."""
    wanted = {}
    for deadline_id, subject in items:
        _, convention_id, _, key = _parts(subject)
        wanted[deadline_id] = (int(convention_id), Quarter.from_key(key).start)
    filed = set(db.session.execute(
        select(ConsumptionReport.convention_id, ConsumptionReport.quarter_start).where(
            among(ConsumptionReport.convention_id, {convention_id for convention_id, _ in wanted.values()}),
            ConsumptionReport.submitted_on <= today,
        )
    ).all())
    return {deadline_id for deadline_id, key in wanted.items() if key in filed}


def _preparations(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """review:<id>:preparation:<day>: the preparation says what was done or the objectives."""
    by_review = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    rows = db.session.execute(
        select(Preparation.review_id, Preparation.done_since_last, Preparation.objectives).where(
            among(Preparation.review_id, by_review)
        )
    )
    return {
        by_review[review_id] for review_id, done, objectives in rows if preparation_started(done, objectives)
    }


def _follow_ups(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """action:<id>: the follow-up is no longer open (or is gone)."""
    by_action = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    still_open = set(db.session.scalars(
        select(FollowUpAction.id).where(among(FollowUpAction.id, by_action), FollowUpAction.status == "open")
    ))
    return {deadline_id for action_id, deadline_id in by_action.items() if action_id not in still_open}


def _packs(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """meeting:<id>:pack:<day>: the pack was sent, or the meeting is no longer scheduled."""
    by_meeting = {int(_parts(subject)[1]): deadline_id for deadline_id, subject in items}
    waiting = set(db.session.scalars(
        select(Meeting.id).where(
            among(Meeting.id, by_meeting), Meeting.pack_sent_at.is_(None), Meeting.status == "scheduled"
        )
    ))
    return {deadline_id for meeting_id, deadline_id in by_meeting.items() if meeting_id not in waiting}


def _committees(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """startup:<id>:committee:<due day>: an investment committee reviewing the startup is scheduled
    ahead, or was entered (held, past or scheduled) since the deadline was made."""
    wanted = {deadline_id: int(_parts(subject)[1]) for deadline_id, subject in items}
    rows = db.session.execute(
        select(Review.startup_id, Meeting.starts_at, Meeting.created_at)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .where(
            among(Review.startup_id, set(wanted.values())),
            Meeting.kind == "investment_committee",
            Meeting.status != "cancelled",
        )
    ).all()
    start = paris_day_start(today)
    done = set()
    for deadline_id, startup_id in wanted.items():
        since = as_utc(created[deadline_id])
        if any(
            row_startup == startup_id and (as_utc(starts_at) >= start or as_utc(made) > since)
            for row_startup, starts_at, made in rows
        ):
            done.add(deadline_id)
    return done


def _stale(items: list[tuple[int, str]], today: date, created: dict[int, datetime]) -> set[int]:
    """startup:<id>:stale:<last update day>: the startup was updated since."""
    wanted = {}
    for deadline_id, subject in items:
        _, startup_id, _, since = _parts(subject)
        wanted[deadline_id] = (int(startup_id), date.fromisoformat(since))
    updated = dict(db.session.execute(
        select(Startup.id, Startup.updated_at).where(among(Startup.id, {startup_id for startup_id, _ in wanted.values()}))
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


def settled(deadlines: Iterable[tuple[int, str, str, datetime]], today: date) -> set[int]:
    """The ids, among these (id, rule, subject, created at), of the deadlines the data already
    settle. Either every check runs, even for a rule without deadlines, or none does (when no
    deadline is of a rule checked here): a page reading this runs the same statements whatever
    the number and the rules of the deadlines."""
    by_rule: dict[str, list[tuple[int, str]]] = defaultdict(list)
    created: dict[int, datetime] = {}
    for deadline_id, rule, subject, created_at in deadlines:
        if rule in CHECKS and SUBJECTS[rule].fullmatch(subject):
            by_rule[rule].append((deadline_id, subject))
            created[deadline_id] = created_at
    done: set[int] = set()
    if not created:
        return done
    for rule, check in CHECKS.items():
        done |= check(by_rule.get(rule, []), today, created)
    return done
