"""Absolute addresses as people reach the site: PUBLIC_URL and a route's path, never the Host
header of the request (which a client or a reverse proxy chooses) — for .ics files, feeds, the
API's links and e-mails alike."""
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """PUBLIC_URL + the path of `endpoint` (arguments it does not take become the query string)."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["PUBLIC_URL"] + adapter.build(endpoint, values)


def public_host() -> str:
    """The host name of PUBLIC_URL ("portfolio.beta.gouv.fr"), e.g. for calendar UIDs."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "portfolio"
