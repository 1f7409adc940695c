"""Page bodies kept rendered until the next write: the read cache (portfolio.audit.versions) for the
part of a page below its breadcrumb, which depends only on the data, the day, the request's path and
arguments and who reads it (their permissions are data too). The layout around it (navigation,
unread count, messages) is rendered for each request."""
from typing import Callable

from flask import request
from flask_login import current_user
from markupsafe import Markup

from portfolio.audit import versions
from portfolio.timeutil import today_in_paris


def request_key(per_reader: bool = True) -> tuple:
    """What a kept body depends on besides the data: the path and arguments, the day, and who reads
    it (left out for a body that is the same for every reader, such as the portfolio list's)."""
    key = (request.path, tuple(sorted(request.args.items(multi=True))), today_in_paris())
    return (*key, current_user.get_id()) if per_reader else key


def cached_body(name: str, render: Callable[[], str]) -> Markup:
    """What `render()` gives for this path and arguments, this reader and today, computed once per
    write. `render` must read nothing else: no form data, no session, no clock finer than the day."""
    return Markup(versions.cached(name, request_key(), lambda: str(render())))
