"""Reading the funding: the conventions list, a convention's page (as of any day), the finance
view of every warning, the signed document, the two exports (CSV and .xlsx), and the startup page's funding
partial. Funding readers only; the intrapreneurs see their startup's lines on its page.
The writing pages are in `edit_views` (same blueprint)."""
from datetime import date

from flask import Response, abort, current_app, render_template, request, send_file
from flask_login import current_user

from portfolio.accounts.access import requires
from portfolio.accounts.permissions import can
from portfolio.core import exports, fragments
from portfolio.extensions import db
from portfolio.funding import exports as funding_exports, queries
from portfolio.funding.forms import ConventionFilterForm
from portfolio.funding.models import (
    CONVENTION_KINDS,
    CONVENTION_STATUSES,
    OBLIGATION_KINDS,
    PARTY_ROLES,
)
from portfolio.funding import documents
from portfolio.funding.documents import document_file
from portfolio.funding.view_support import as_of_day
from portfolio.funding.warnings import WARNING_KINDS, all_warnings, convention_warnings
from portfolio.status import store
from portfolio.timeutil import today_in_paris


LABELS = {
    "kinds": CONVENTION_KINDS,
    "statuses": CONVENTION_STATUSES,
    "roles": PARTY_ROLES,
    "obligations": OBLIGATION_KINDS,
    "warnings": WARNING_KINDS,
}


def _install_labels(state) -> None:
    # A global, not a context processor: the macros of funding/_macros.html read it too.
    state.app.jinja_env.globals["funding_labels"] = LABELS


# --- The list -------------------------------------------------------------------------------


@requires("funding.view")
def convention_list():
    form = ConventionFilterForm(request.args)
    form.set_choices(queries.funded_years())
    valid = form.validate()
    statement = queries.convention_list(
        status=form.status.data if valid else None,
        year=int(form.year.data) if valid and form.year.data else None,
        startup=form.startup.picked if valid else None,
    )
    page = db.paginate(statement, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    today = today_in_paris()
    rows = [
        (convention, queries.totals_on(convention.lines, today), len(convention_warnings(convention, today)))
        for convention in page.items
    ]
    html = render_template("funding/list.html", form=form, page=page, rows=rows, today=today)
    return (html, 422) if not valid else html


# --- A convention ---------------------------------------------------------------------------


@requires("funding.view")
def convention_detail(convention_id: int):
    convention = queries.load_convention(convention_id)
    day, error = as_of_day()
    today = today_in_paris()
    may_edit = can(current_user, "funding.edit")

    def render() -> str:
        full = queries.load_convention(convention_id, full=True)
        role_order = list(PARTY_ROLES)
        return fragments.rendered(
            "funding/_detail_body.html",
            convention=full,
            day=day,
            today=today,
            day_error=error,
            may_edit=may_edit,
            parties=sorted(full.parties, key=lambda party: (role_order.index(party.role), party.id)),
            lines=queries.line_views(full, day),
            totals=queries.totals_on(full.lines, day),
            warnings=convention_warnings(full, today),
            events=queries.convention_events(full),
        )

    # Kept under the convention's revision (every commit changing its record draws a new one), the
    # days it is read on and what the reader may do (portfolio.core.fragments).
    key = ("convention-page", convention.id, store.record_revision("convention", convention.id), day, today, error,
           may_edit)
    html = render_template("funding/detail.html", convention=convention, body=fragments.kept().get(key, render))
    return (html, 422) if error else html


@requires("funding.view")
def document_download(convention_id: int):
    convention = queries.load_convention(convention_id)
    path = document_file(convention, documents.folder())
    if path is None:
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=convention.document_name or path.name
    )


# --- Finance: every warning -----------------------------------------------------------------


@requires("funding.view")
def warning_list():
    code = request.args.get("code") or None
    if code is not None and code not in WARNING_KINDS:
        code = None
    warnings = all_warnings(queries.all_conventions(), today_in_paris())
    counts = {kind: sum(1 for warning in warnings if warning.code == kind) for kind in WARNING_KINDS}
    shown = [warning for warning in warnings if code is None or warning.code == code]
    return render_template("funding/warnings.html", warnings=shown, counts=counts, code=code, total=len(warnings))


# --- Exports --------------------------------------------------------------------------------


def _export(build, name: str, extension: str) -> Response:
    day, error = as_of_day()
    if error:
        return Response(error, status=422, mimetype="text/plain")
    return exports.response(build(day), f"{name}-{day.isoformat()}", extension)


def _lines(day: date):
    return funding_exports.lines_table(queries.export_lines(), day)


def _conventions(day: date):
    return funding_exports.conventions_table(queries.export_conventions(), day)


@requires("funding.view")
def lines_csv():
    return _export(_lines, "lignes-de-financement", "csv")


@requires("funding.view")
def lines_xlsx():
    return _export(_lines, "lignes-de-financement", "xlsx")


@requires("funding.view")
def conventions_csv():
    return _export(_conventions, "conventions", "csv")


@requires("funding.view")
def conventions_xlsx():
    return _export(_conventions, "conventions", "xlsx")


@requires("funding.view")
def grants_csv():
    return exports.csv_response(funding_exports.grants_table(queries.export_grants()), f"subventions-{today_in_paris().isoformat()}")


@requires("funding.view")
def grants_xlsx():
    return exports.xlsx_response(funding_exports.grants_table(queries.export_grants()), f"subventions-{today_in_paris().isoformat()}")


