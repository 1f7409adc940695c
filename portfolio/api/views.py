"""GET /api/startups/<slug>: a startup's identity and phase history as JSON (401 when not logged in)."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.accounts.access import authorize, requires
from portfolio.extensions import db
from portfolio.startups import phases
from portfolio.startups.models import Sponsorship, Startup
from portfolio.timeutil import today_in_paris


@requires("startup.view")
def startup(slug: str):
    found = db.session.scalar(
        select(Startup)
        .where(Startup.slug == slug)
        .options(
            selectinload(Startup.phase_spans),
            selectinload(Startup.sponsorships).joinedload(Sponsorship.organisation),
            selectinload(Startup.incubator),
        )
    )
    if found is None:
        abort(404)
    authorize("startup.view", found)
    today = today_in_paris()
    return {
        "slug": found.slug,
        "name": found.name,
        "pitch": found.pitch,
        "incubator": found.incubator.slug if found.incubator else None,
        "sponsors": sorted(link.organisation.slug for link in found.sponsorships),
        "phase": phases.phase_on(found.phase_spans, today),
        "phases": [
            {"phase": span.phase, "start": span.start.isoformat(), "end": span.end.isoformat() if span.end else None}
            for span in found.phase_spans
        ],
    }
