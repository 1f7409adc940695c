"""API v1: the portfolio (startups, with the list page's filters), one startup with its phases,
milestones, indicators and status, the incubators and the organisations."""
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portfolio.accounts.access import authorize, requires
from portfolio.api.status import startup_status
from portfolio.api.v1 import schemas
from portfolio.api.v1.blueprint import bp, errors, known_slug
from portfolio.api.v1.pagination import of_pagination
from portfolio.core.public_urls import public_url
from portfolio.extensions import db
from portfolio.startups import phases, portfolio
from portfolio.startups.impact import impact_history
from portfolio.startups.models import IMPACT_CERTIFICATION_LEVELS, Incubator, Organisation
from portfolio.startups.startup_page import load_startup
from portfolio.status import store
from portfolio.timeutil import today_in_paris


def _ref(obj) -> dict | None:
    return {"slug": obj.slug, "name": obj.name} if obj is not None else None


@bp.route("/startups")
@requires("startup.view")
@bp.doc(tags=["Startups"], summary="Le portefeuille, filtré comme sur la page Portefeuille")
@bp.arguments(schemas.StartupListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.StartupSummarySchema, "StartupPage"))
@errors(400, 401, 404)
def startups(page, per_page, phase=None, incubator=None, sponsor=None, on=None, updated_since=None):
    known_slug(Incubator, incubator, "incubator", "Incubateur")
    known_slug(Organisation, sponsor, "sponsor", "Sponsor")
    query = portfolio.PortfolioQuery(
        on=on or today_in_paris(), phase=phase, incubator=incubator, sponsor=sponsor, updated_since=updated_since
    )
    listing = portfolio.listing(query, page, per_page)
    items = [
        {**vars(row), "url": public_url("api_v1.startup", slug=row.slug)}
        for row in listing.rows
    ]
    return of_pagination(listing.pagination, items)


def _impact(startup) -> dict | None:
    """The startup's certified impact level today, from its status row (as its page says it)."""
    row = store.status_of(startup.id)
    if row is None or row.impact_level is None:
        return None
    return {
        "level": row.impact_level,
        "label": IMPACT_CERTIFICATION_LEVELS.get(row.impact_level, row.impact_level),
        "since": row.impact_on,
        "certified_by": row.impact_by,
    }


@bp.route("/startups/<slug>")
@requires("startup.view")
@bp.doc(tags=["Startups"], summary="Une startup : identité, phases, faits marquants, indicateurs, subventions, "
                                    "niveau d’impact certifié et statut")
@bp.response(200, schemas.StartupDetailSchema)
@errors(401, 403, 404)
def startup(slug: str):
    found = load_startup(slug, full=True)
    authorize("startup.view", found)
    today = today_in_paris()
    spans = sorted(found.phase_spans, key=lambda span: (span.start, phases.RANK.get(span.phase, -1)))
    return {
        "slug": found.slug,
        "name": found.name,
        "pitch": found.pitch,
        "description": found.description,
        "website": found.website,
        "repository": found.repository,
        "incubator": _ref(found.incubator),
        "co_incubators": [_ref(link.incubator) for link in found.co_incubations],
        "porteur": _ref(found.porteur),
        "sponsors": sorted((_ref(link.organisation) for link in found.sponsorships), key=lambda ref: ref["slug"]),
        "updated_at": found.updated_at,
        "status": vars(startup_status(found, today)),
        "phases": [
            {"phase": span.phase, "label": phases.label(span.phase), "start": span.start, "end": span.end}
            for span in spans
        ],
        "milestones": sorted(
            ({"date": m.date, "kind": m.kind, "title": m.title, "text": m.text} for m in found.milestones),
            key=lambda milestone: milestone["date"],
        ),
        "indicators": [
            {
                "name": indicator.name,
                "unit": indicator.unit,
                "measurements": sorted(
                    ({"date": m.date, "value": m.value} for m in indicator.measurements), key=lambda m: m["date"]
                ),
            }
            for indicator in sorted(found.indicators, key=lambda indicator: indicator.name.lower())
        ],
        "grants": [
            {"kind": g.kind, "label": g.kind_label, "promotion": g.promotion, "amount": g.amount_eur, "source": g.source}
            for g in found.grants
        ],
        "impact": _impact(found),
        "impact_history": [
            {
                "level": item.level,
                "label": item.level_label,
                "since": item.certified_on,
                "certified_by": item.certified_by,
                "comment": item.comment,
                "recorded_by": item.recorded_by.name if item.recorded_by else None,
                "recorded_at": item.recorded_at,
            }
            for item in impact_history(found)
        ],
    }


def _incubator(incubator: Incubator) -> dict:
    return {
        "slug": incubator.slug,
        "name": incubator.name,
        "owner": _ref(incubator.owner),
        "short_description": incubator.short_description,
        "website": incubator.website,
    }


@bp.route("/incubators")
@requires("startup.view")
@bp.doc(tags=["Référentiel"], summary="Les incubateurs")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.IncubatorSchema, "IncubatorPage"))
@errors(400, 401)
def incubators(page, per_page):
    statement = select(Incubator).options(joinedload(Incubator.owner)).order_by(func.lower(Incubator.name), Incubator.id)
    pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return of_pagination(pagination, [_incubator(incubator) for incubator in pagination.items])


@bp.route("/incubators/<slug>")
@requires("startup.view")
@bp.doc(tags=["Référentiel"], summary="Un incubateur")
@bp.response(200, schemas.IncubatorSchema)
@errors(401, 404)
def incubator(slug: str):
    found = db.session.scalar(select(Incubator).where(Incubator.slug == slug))
    if found is None:
        abort(404)
    return _incubator(found)


def _organisation(organisation: Organisation) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "acronym": organisation.acronym,
        "kind": organisation.kind,
        "ministry_domain": organisation.ministry_domain,
    }


@bp.route("/organisations")
@requires("startup.view")
@bp.doc(tags=["Référentiel"], summary="Les organisations (administrations, opérateurs, sponsors, porteurs)")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.OrganisationSchema, "OrganisationPage"))
@errors(400, 401)
def organisations(page, per_page):
    statement = select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)
    pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return of_pagination(pagination, [_organisation(organisation) for organisation in pagination.items])


@bp.route("/organisations/<slug>")
@requires("startup.view")
@bp.doc(tags=["Référentiel"], summary="Une organisation")
@bp.response(200, schemas.OrganisationSchema)
@errors(401, 404)
def organisation(slug: str):
    found = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None:
        abort(404)
    return _organisation(found)

