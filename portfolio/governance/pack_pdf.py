"""The meeting's pack as a PDF: the printable page's own body (`governance/_pack_body.html`)
rendered by WeasyPrint with the served DSFR stylesheet and the pack's print stylesheet.

Each reader gets the pack they may read: `reader` decides which startups' funding it shows
(`dossier.readable_funding`); the e-mail renders it once per group of participants who read the
same sections (`pack_mail`).

Static files are read from the application's static folder by `local_fetcher`: WeasyPrint never
opens a network connection (any other URL is refused), so rendering needs no server running.
"""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from markupsafe import Markup

from portfolio.core import fragments
from portfolio.governance.dossier import agenda, dossiers, load_meeting, missing_preparations, readable_funding
from portfolio.governance.models import Meeting
from portfolio.status import store

#: The fake origin the rendered HTML is resolved against; only its /static/ files are served.
BASE_URL = "http://pack.invalid/"


def local_fetcher():
    """A WeasyPrint URL fetcher serving /static/… from the static folder and data: URLs; any
    other URL is refused (never fetched over HTTP)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_url = (current_app.static_url_path or "/static").rstrip("/") + "/"
    folder = Path(current_app.static_folder).resolve()
    origin = urlsplit(BASE_URL).netloc

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.netloc != origin or not parts.path.startswith(static_url):
                raise ValueError(f"not fetched: {url}")
            path = (folder / unquote(parts.path[len(static_url):])).resolve()
            if folder not in path.parents or not path.is_file():
                raise ValueError(f"no such static file: {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return LocalFetcher(allowed_protocols=("http", "data"))


def pack_context(meeting: Meeting, today, reader) -> dict:
    """What the pack shows `reader` (an account, or None for a guest without one), on the printable
    page and on paper alike: the meeting (loaded with `load_meeting`), its agenda and, for each review,
    its dossier's HTML. A dossier is kept under its startup's revision (every commit bearing on the
    startup's record, its reviews, preparations, decisions and follow-ups draws a new one), the day and
    whether the reader may read its funding; the dossiers missing are computed and rendered together,
    from the meeting loaded whole."""
    readable = readable_funding(reader, meeting)
    items = agenda(meeting)
    revisions = store.revisions_of(item.review.startup_id for item in items)
    keys = {item.review.id: ("dossier", item.review.id, revisions.get(item.review.startup_id), today,
                             item.review.startup_id in readable) for item in items}
    kept = fragments.kept()
    bodies = {review_id: kept.peek(key) for review_id, key in keys.items()}
    if any(body is None for body in bodies.values()):
        for dossier in dossiers(load_meeting(meeting.id, full=True), today, funding_of=readable):
            if bodies[dossier.review.id] is None:
                bodies[dossier.review.id] = kept.put(keys[dossier.review.id], Markup(fragments.rendered(
                    "governance/_dossier.html", d=dossier)))
    return {
        "meeting": meeting,
        "dossiers": [(item, bodies[item.review.id]) for item in items],
        "missing": missing_preparations(meeting),
        "today": today,
    }


def pack_html(meeting: Meeting, today, reader) -> str:
    """The pack's HTML for paper: the printable page's body, without the site's header and footer."""
    return render_template("governance/pack_pdf.html", for_pdf=True, **pack_context(meeting, today, reader))


def pack_pdf(meeting: Meeting, today, reader) -> bytes:
    """The PDF of the meeting's pack as `reader` may read it (the meeting loaded with `load_meeting`)."""
    from weasyprint import HTML

    return HTML(string=pack_html(meeting, today, reader), base_url=BASE_URL, url_fetcher=local_fetcher()).write_pdf()


def pack_filename(meeting: Meeting) -> str:
    return f"dossier-comite-{meeting.id}-{meeting.starts_at:%Y-%m-%d}.pdf"
