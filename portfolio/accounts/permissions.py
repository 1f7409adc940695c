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


POLICY: dict[str, Rule] = {
    "home.view": _any_user,
    "users.manage": _admin_only,
    "audit.view": _admin_only,
    "startup.view": _any_user,
    "startup.edit": _coaches,
    "startup.log": _coaches_and_own_intrapreneurs,
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
