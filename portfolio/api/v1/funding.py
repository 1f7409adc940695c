"""API v1: conventions with their parties, totals and funding lines, amounts as of a day (`on=`,
amendments applied from their date). Funding readers only, as the conventions pages."""

from portfolio.accounts.access import requires
from portfolio.api.v1 import schemas
from portfolio.api.v1.blueprint import bp, errors
from portfolio.api.v1.pagination import of_pagination
from portfolio.core.public_urls import public_url
from portfolio.extensions import db
from portfolio.funding import queries
from portfolio.funding.models import Convention
from portfolio.timeutil import today_in_paris


def _ref(obj) -> dict:
    return {"slug": obj.slug, "name": obj.name}


def _amounts(amounts: queries.Amounts | None) -> dict | None:
    return None if amounts is None else {"ae": amounts.ae, "cp": amounts.cp}


def _convention(convention: Convention, day, with_lines: bool = False) -> dict:
    data = {
        "id": convention.id,
        "reference": convention.reference,
        "title": convention.title,
        "kind": convention.kind,
        "status": convention.status,
        "fund": convention.fund,
        "budget_programme": convention.budget_programme,
        "signed_on": convention.signed_on,
        "effective_on": convention.effective_on,
        "ends_on": convention.ends_on,
        "until_paid": convention.until_paid,
        "parties": [{"role": party.role, "organisation": _ref(party.organisation)} for party in convention.parties],
        "amounts_on": day,
        "total": _amounts(queries.totals_on(convention.lines, day).total),
        "url": public_url("api_v1.convention", convention_id=convention.id),
    }
    if with_lines:
        data.update(
            bop=convention.bop,
            uo=convention.uo,
            purpose=convention.purpose,
            lines=[
                {
                    "id": line.id,
                    "startup": _ref(line.startup),
                    "fiscal_year": line.fiscal_year,
                    "label": line.label,
                    "direction": line.direction,
                    "uo": line.uo,
                    "activite": line.activite,
                    "paaf": line.paaf,
                    "amounts": _amounts(queries.amounts_on(line, day)),
                }
                for line in convention.lines
            ],
        )
    return data


@bp.route("/conventions")
@requires("funding.view")
@bp.doc(tags=["Conventions"], summary="Les conventions, leurs parties et leurs totaux au jour `on`")
@bp.arguments(schemas.ConventionListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.ConventionSummarySchema, "ConventionPage"))
@errors(400, 401, 403)
def conventions(page, per_page, on=None, status=None, year=None):
    day = on or today_in_paris()
    statement = queries.convention_list(status=status, year=year)
    pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return of_pagination(pagination, [_convention(convention, day) for convention in pagination.items])


@bp.route("/conventions/<int(max=2147483647):convention_id>")
@requires("funding.view")
@bp.doc(tags=["Conventions"], summary="Une convention et ses lignes de financement, montants au jour `on`")
@bp.arguments(schemas.OnArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.ConventionDetailSchema)
@errors(400, 401, 403, 404)
def convention(convention_id: int, on=None):
    found = queries.load_convention(convention_id, full=True)
    return _convention(found, on or today_in_paris(), with_lines=True)
