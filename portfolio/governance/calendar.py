"""Meetings and deadlines as iCalendar (RFC 5545): one meeting's .ics, and each user's private feed.

Times are written in Europe/Paris with a TZID and a VTIMEZONE, so a calendar shows a 10:00
meeting at 10:00 on both sides of a daylight-saving change. A feed is reached by a secret
token only (no login: calendar clients cannot log in); revoking the token closes it.
"""
import secrets
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from portfolio.accounts.models import User
from portfolio.core.public_urls import public_host, public_url
from portfolio.extensions import db
from portfolio.governance.models import (
    MEETING_KINDS,
    CalendarToken,
    Decision,
    FollowUpAction,
    Meeting,
    Participant,
    Review,
)
from portfolio.governance.schedule import STATUSES, portfolio_schedule
from portfolio.startups.models import CoIncubation, Startup
from portfolio.timeutil import PARIS, to_paris, today_in_paris, utcnow

PRODID = "-//beta.gouv.fr//Portfolio//FR"
#: A meeting without an agenda is put in calendars for this long.
DEFAULT_DURATION = timedelta(hours=1)
#: How far back a feed lists meetings (older ones clutter calendars without use).
FEED_HISTORY = timedelta(days=365)
#: The endpoint of a meeting's page, linked from its event.
MEETING_PAGE = "governance.meeting_detail"
#: Roles whose feed lists the next committee of every active startup (they follow the whole portfolio).
WHOLE_PORTFOLIO_ROLES = ("admin", "committee_chair")


class CalendarError(Exception):
    """A refused calendar operation; the message is French and shown as is."""


# --- Tokens -----------------------------------------------------------------------------------


def active_token(user: User) -> CalendarToken | None:
    return db.session.scalar(
        select(CalendarToken).where(CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
    )


def create_token(user: User) -> CalendarToken:
    """A new secret feed token for `user`; refused while one is active (revoke it first)."""
    if active_token(user) is not None:
        raise CalendarError("Vous avez déjà un lien d’agenda actif : révoquez-le avant d’en créer un autre.")
    token = CalendarToken(user=user, token=secrets.token_urlsafe(32))
    db.session.add(token)
    db.session.flush()
    return token


def revoke_token(token: CalendarToken) -> None:
    if token.revoked_at is not None:
        raise CalendarError("Ce lien d’agenda est déjà révoqué.")
    token.revoked_at = utcnow()
    db.session.flush()


def user_of_token(secret: str) -> User | None:
    """The active account whose active token is `secret`, or None."""
    user = db.session.scalar(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token == secret, CalendarToken.revoked_at.is_(None))
    )
    return user if user is not None and user.active else None


# --- Building blocks --------------------------------------------------------------------------


def paris_timezone() -> Timezone:
    """VTIMEZONE of Europe/Paris: CEST from the last Sunday of March 02:00, CET from the last Sunday of October 03:00."""
    zone = Timezone()
    zone.add("tzid", "Europe/Paris")
    for component, name, start, offsets, month in (
        (TimezoneDaylight(), "CEST", datetime(1970, 3, 29, 2), (1, 2), 3),
        (TimezoneStandard(), "CET", datetime(1970, 10, 25, 3), (2, 1), 10),
    ):
        component.add("tzname", name)
        component.add("dtstart", start)
        component.add("tzoffsetfrom", timedelta(hours=offsets[0]))
        component.add("tzoffsetto", timedelta(hours=offsets[1]))
        component.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(component)
    return zone


def _calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(paris_timezone())
    return calendar


def _uid(kind: str, identifier: int) -> str:
    """Stable whatever address the file was fetched by: the host of PUBLIC_URL, never the request's."""
    return f"{kind}-{identifier}@{public_host()}"


def _address(email: str, name: str, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = name
    if role:
        address.params["role"] = role
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["cutype"] = "INDIVIDUAL"
    return address


def _meeting_url(meeting: Meeting) -> str:
    """The meeting's page, at the site's public address."""
    return public_url(MEETING_PAGE, meeting_id=meeting.id)


def meeting_end(meeting: Meeting) -> datetime:
    minutes = sum(review.total_minutes for review in meeting.reviews)
    return meeting.starts_at + (timedelta(minutes=minutes) if minutes else DEFAULT_DURATION)


def agenda_lines(meeting: Meeting) -> list[str]:
    """The agenda as text: each startup with its slot (Paris times) and the slots' split."""
    lines, start = [], to_paris(meeting.starts_at)
    for number, review in enumerate(meeting.reviews, start=1):
        end = start + timedelta(minutes=review.total_minutes)
        lines.append(
            f"{number}. {start:%H:%M}–{end:%H:%M} {review.startup.name} — présentation "
            f"{review.presentation_minutes} min, questions {review.questions_minutes} min, "
            f"délibération {review.deliberation_minutes} min"
        )
        start = end
    return lines


def meeting_event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", _uid("meeting", meeting.id))
    event.add("dtstamp", utcnow())
    # A client that imported the event replaces it by one with a higher SEQUENCE (RFC 5545 3.8.7.4).
    event.add("sequence", meeting.sequence or 0)
    event.add("last-modified", meeting.revised_at or meeting.created_at)
    event.add("summary", meeting.title)
    event.add("dtstart", to_paris(meeting.starts_at))
    event.add("dtend", to_paris(meeting_end(meeting)))
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    location = meeting.location or meeting.video_link
    if location:
        event.add("location", location)
    description = [MEETING_KINDS.get(meeting.kind, meeting.kind)]
    if meeting.video_link:
        description.append(f"Visioconférence : {meeting.video_link}")
    agenda = agenda_lines(meeting)
    description += ["", "Ordre du jour :", *agenda] if agenda else ["", "Ordre du jour à venir."]
    event.add("description", "\n".join(description))
    event.add("url", _meeting_url(meeting))
    if meeting.chair is not None:
        event.add("organizer", _address(meeting.chair.email, meeting.chair.name))
    for participant in meeting.participants:
        email = participant.email or (participant.user.email if participant.user else None)
        if email:
            event.add("attendee", _address(email, participant.name, "REQ-PARTICIPANT"))
    return event


def _all_day(uid: str, day: date, summary: str, description: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("description", description)
    return event


def meeting_calendar(meeting: Meeting) -> bytes:
    """The .ics file of one meeting."""
    calendar = _calendar()
    calendar.add_component(meeting_event(meeting))
    return calendar.to_ical()


# --- A user's feed ----------------------------------------------------------------------------


def meetings_of(user: User, since: datetime) -> list[Meeting]:
    """The meetings `user` chairs or is invited to, from `since` on, with what their events show."""
    invited = exists().where(Participant.meeting_id == Meeting.id, Participant.user_id == user.id)
    return list(
        db.session.scalars(
            select(Meeting)
            .where(or_(Meeting.chair_id == user.id, invited), Meeting.starts_at >= since)
            .options(
                selectinload(Meeting.chair),
                selectinload(Meeting.participants).selectinload(Participant.user),
                selectinload(Meeting.reviews).selectinload(Review.startup),
            )
            .order_by(Meeting.starts_at)
        )
    )


def open_actions_of(user: User) -> list[tuple[FollowUpAction, str]]:
    """(open follow-up action owned by `user`, its startup's name)."""
    return list(
        db.session.execute(
            select(FollowUpAction, Startup.name)
            .join(Decision, Decision.id == FollowUpAction.decision_id)
            .join(Review, Review.id == Decision.review_id)
            .join(Startup, Startup.id == Review.startup_id)
            .where(FollowUpAction.owner_id == user.id, FollowUpAction.status == "open")
            .order_by(FollowUpAction.due_on)
        )
    )


def startups_followed_by(user: User) -> list[int] | None:
    """The ids of the startups whose committees `user` follows; None means the whole portfolio."""
    if any(user.has_role(role) for role in WHOLE_PORTFOLIO_ROLES):
        return None
    coach_incubators = [grant.incubator_id for grant in user.grants("coach")]
    if None in coach_incubators:
        return None
    ids = {grant.startup_id for grant in user.grants("intrapreneur") if grant.startup_id is not None}
    if coach_incubators:
        co_incubated = exists().where(
            CoIncubation.startup_id == Startup.id, CoIncubation.incubator_id.in_(coach_incubators)
        )
        ids.update(
            db.session.scalars(select(Startup.id).where(or_(Startup.incubator_id.in_(coach_incubators), co_incubated)))
        )
    return sorted(ids)


def feed_calendar(user: User, day: date | None = None) -> bytes:
    """`user`'s feed: their meetings, their open follow-up actions, the next committees of their startups."""
    day = day or today_in_paris()
    calendar = _calendar(f"Portfolio — {user.name}")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    since = datetime.combine(day, datetime.min.time(), tzinfo=PARIS) - FEED_HISTORY
    for meeting in meetings_of(user, since):
        calendar.add_component(meeting_event(meeting))
    for action, startup_name in open_actions_of(user):
        calendar.add_component(
            _all_day(
                _uid("follow-up", action.id),
                action.due_on,
                f"Action de suivi à échéance — {startup_name}",
                action.text,
            )
        )
    followed = startups_followed_by(user)
    if followed is None or followed:
        for row in portfolio_schedule(day, startup_ids=followed):
            if row.next_committee is None:
                continue
            last = f"dernier comité le {row.last_committee:%d/%m/%Y}" if row.last_committee else "jamais passée en comité"
            calendar.add_component(
                _all_day(
                    _uid("next-committee", row.startup_id),
                    row.next_committee,
                    f"Prochain comité d’investissement — {row.name}",
                    f"{STATUSES[row.status]} ; {last}. Phase : {row.phase_label}.",
                )
            )
    return calendar.to_ical()
