"""How views declare who may reach them; a view that declares nothing is refused.

`@requires("action")` asks `can(current_user, action)` before the view runs;
`@public` opens a view to anyone; `authorize(action, obj)` checks an object-level rule
once the view has loaded its object. The app refuses (403) any endpoint that declared
neither, so a new route cannot be left open by mistake.
"""
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from portfolio.accounts.permissions import POLICY, can
from portfolio.extensions import login_manager

PUBLIC = "public"


def public(view):
    view.access_rule = PUBLIC
    return view


def requires(action: str):
    if action not in POLICY:
        raise KeyError(f"unknown action {action!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = action
        return guarded

    return decorate


def authorize(action: str, obj) -> None:
    """Abort with 403 unless the current user may do `action` on `obj`."""
    if not can(current_user, action, obj):
        abort(403)


def access_rule_of(endpoint: str | None) -> str | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def refuse_undeclared_endpoints() -> None:
    """before_request hook: deny by default."""
    if request.endpoint is None or request.endpoint == "static":  # 404/405 answered by Flask; assets are public
        return
    if access_rule_of(request.endpoint) is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
