"""What the funding pages read from a request alike: the day they show."""
from datetime import date

from flask import request

from portfolio.timeutil import today_in_paris
from portfolio.validation import parse_day


def as_of_day() -> tuple[date, str | None]:
    """The `on=YYYY-MM-DD` parameter (today when absent), and a French error when it is not a date."""
    text = (request.args.get("on") or "").strip()
    if not text:
        return today_in_paris(), None
    try:
        return parse_day(text), None
    except ValueError as error:
        return today_in_paris(), str(error)
