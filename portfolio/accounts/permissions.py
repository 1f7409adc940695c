"""The one answer to "may this user do this action on this object?".

Views (through `portfolio.accounts.access`), templates (the `can` global), the CLI and
the API all ask `can(user, action, obj)`. Each action is one rule here, nowhere else.
"""
from typing import Any, Callable

Rule = Callable[[Any, Any], bool]


def _is_admin(user) -> bool:
    return user.has_role("admin")


def _any_user(user, obj) -> bool:
    return True


def _admin_only(user, obj) -> bool:
    return _is_admin(user)


def _coaches(user, startup) -> bool:
    """Admins, global coaches, and coaches of the startup's incubator (of any, when no startup is named)."""
    if _is_admin(user):
        return True
    for grant in user.grants("coach"):
        if grant.incubator_id is None or startup is None:
            return True
        if grant.incubator_id in startup.incubator_ids:
            return True
    return False


def _coaches_and_own_intrapreneurs(user, startup) -> bool:
    if _coaches(user, startup):
        return True
    return startup is not None and any(
        grant.startup_id == startup.id for grant in user.grants("intrapreneur")
    )


def _funding_readers(user, obj) -> bool:
    return any(user.has_role(role) for role in ("admin", "finance", "coach", "committee_chair"))


def _funding_writers(user, obj) -> bool:
    return user.has_role("admin") or user.has_role("finance")


def _startup_funding_readers(user, startup) -> bool:
    """Funding readers, and the intrapreneurs of that startup (their own lines only)."""
    if _funding_readers(user, startup):
        return True
    return startup is not None and any(grant.startup_id == startup.id for grant in user.grants("intrapreneur"))


def _meeting_schedulers(user, obj) -> bool:
    return user.has_role("admin") or user.has_role("committee_chair")


def _impact_certifiers(user, startup) -> bool:
    """Who records a startup's certified impact level: admins and committee chairs, for any startup."""
    return _meeting_schedulers(user, startup)


def _meeting_readers(user, meeting) -> bool:
    """Admins, committee chairs, coaches (of a reviewed startup's incubator when scoped), the
    meeting's participants and the intrapreneurs of a reviewed startup. With no meeting named
    (the list), anyone: the list itself shows each person only the meetings they may read."""
    if meeting is None or _meeting_schedulers(user, meeting):
        return True
    if any(grant.incubator_id is None for grant in user.grants("coach")):
        return True
    if meeting.chair_id == user.id or any(participant.user_id == user.id for participant in meeting.participants):
        return True
    own = {grant.startup_id for grant in user.grants("intrapreneur")}
    if any(review.startup_id in own for review in meeting.reviews):
        return True
    return bool(user.grants("coach")) and any(_coaches(user, review.startup) for review in meeting.reviews)


def _meeting_managers(user, meeting) -> bool:
    """The meeting's chair and admins (with no meeting named: anyone who may chair one)."""
    if _is_admin(user):
        return True
    if meeting is None:
        return user.has_role("committee_chair")
    return meeting.chair_id is not None and meeting.chair_id == user.id


def _review_preparers(user, review) -> bool:
    """The intrapreneurs of the reviewed startup, the meeting's chair and admins."""
    if review is None:
        return _meeting_schedulers(user, None) or user.has_role("intrapreneur")
    if _meeting_managers(user, review.meeting):
        return True
    return any(grant.startup_id == review.startup_id for grant in user.grants("intrapreneur"))


def _follow_up_updaters(user, action) -> bool:
    """The deciding meeting's chair, admins, and the action's owner (with no action named: anyone may own one)."""
    if action is None or _is_admin(user):
        return True
    return action.owner_id == user.id or _meeting_managers(user, action.decision.review.meeting)


def _committee_followers(user, obj) -> bool:
    """Who follows the next committees of the whole portfolio: admins, committee chairs, coaches."""
    return any(user.has_role(role) for role in ("admin", "committee_chair", "coach"))


def _reminder_recipients(user, item) -> bool:
    """The person a notification is for, or a deadline is due from (with none named: anyone)."""
    if item is None:
        return True
    if hasattr(item, "recipient_id"):
        return item.recipient_id == user.id
    return item.is_due_from(user)


def _token_holders(user, token) -> bool:
    """Anyone manages their own API tokens (with none named: their list); nobody another's."""
    return token is None or token.user_id == user.id


POLICY: dict[str, Rule] = {
    "home.view": _any_user,
    "users.manage": _admin_only,
    "audit.view": _admin_only,
    "imports.run": _admin_only,
    "startup.view": _any_user,
    "startup.edit": _coaches,
    "startup.log": _coaches_and_own_intrapreneurs,
    "startup.certify_impact": _impact_certifiers,
    "funding.view": _funding_readers,
    "funding.edit": _funding_writers,
    "startup.funding": _startup_funding_readers,
    "meeting.schedule": _meeting_schedulers,
    "meeting.view": _meeting_readers,
    "meeting.manage": _meeting_managers,
    "review.prepare": _review_preparers,
    "followup.update": _follow_up_updaters,
    "governance.next": _committee_followers,
    "governance.calendar": _any_user,
    "reminders.own": _reminder_recipients,
    "reminders.manage": _admin_only,
    "api.tokens": _token_holders,
}


def can(user, action: str, obj: Any = None) -> bool:
    """True when `user` (an active, logged-in account) may do `action` on `obj`."""
    try:
        rule = POLICY[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}: declare it in portfolio.accounts.permissions") from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rule(user, obj)
