"""When a meeting's record opens: attendance, minutes, decisions, their validation and closing
wait for the meeting's day in Paris (a committee is decided when it is held, not before)."""
from datetime import date

from portfolio.governance.models import Meeting
from portfolio.timeutil import to_paris, today_in_paris


def meeting_day(meeting: Meeting) -> date:
    """The meeting's day on Paris clocks."""
    return to_paris(meeting.starts_at).date()


def record_opens_on(meeting: Meeting) -> date:
    """The first day attendance, decisions, their validation and closing may be recorded."""
    return meeting_day(meeting)


def record_is_open(meeting: Meeting, today: date | None = None) -> bool:
    return (today or today_in_paris()) >= record_opens_on(meeting)


def not_yet_open_message(meeting: Meeting) -> str:
    return (
        f"La réunion a lieu le {record_opens_on(meeting):%d/%m/%Y} : la présence, les décisions, "
        f"leur validation et la clôture s’ouvriront le {record_opens_on(meeting):%d/%m/%Y}."
    )
