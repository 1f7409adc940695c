"""The chair's portfolio view of next committees (overdue and due soon first, counts per status),
and its exports (CSV, .xlsx)."""

from flask import current_app, render_template, request
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from portfolio.accounts.access import requires
from portfolio.core import exports, fragments
from portfolio.core.exports import Column, Table
from portfolio.forms import Form, bounded, choices
from portfolio.governance import doctrine, schedule
from portfolio.startups.pickers import IncubatorPicker
from portfolio.timeutil import today_in_paris


DATE_MESSAGE = "Saisissez une date valide au format aaaa-mm-jj (par exemple 2026-03-31)."
FILTER_PARAMETERS = ("status", "incubator", "on")
CSV_COLUMNS = (
    Column("slug", "Identifiant"),
    Column("name", "Startup"),
    Column("incubator", "Incubateur"),
    Column("phase", "Phase"),
    Column("last_committee", "Dernier comité", "date"),
    Column("run_out", "Fin des crédits estimée", "date"),
    Column("next_committee", "Prochain comité dû le", "date"),
    Column("days_until", "Jours restants", "integer"),
    Column("status", "Statut"),
    Column("scheduled_committee", "Comité prévu le", "date"),
)


class NextCommitteesFilterForm(Form):
    """The view's GET parameters: no CSRF token; unknown values refused with a French message."""

    class Meta:
        csrf = False

    status = SelectField("Statut", choices=[], validate_choice=False)
    incubator = IncubatorPicker("Incubateur", validators=[Optional(), bounded()])
    on = DateField("Au", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)

    def __init__(self, formdata):
        super().__init__(formdata)
        self.status.choices = choices(doctrine.STATUSES.items(), empty="Tous les statuts")

    @staticmethod
    def _known(field, message: str) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message.format(value=field.data))

    def validate_status(self, field):
        self._known(field, "Statut inconnu : « {value} ». Choisissez un statut de la liste.")


def _incubator(form: NextCommitteesFilterForm) -> str | None:
    return form.incubator.picked.slug if form.incubator.picked else None


class ListPagination(Pagination):
    """Pagination over rows already computed in Python (their status is not a column)."""

    def _query_items(self) -> list:
        rows = self._query_args["rows"]
        return rows[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def _read_filters() -> NextCommitteesFilterForm:
    form = NextCommitteesFilterForm(request.args)
    form.validate()
    if form.on.data is None and not form.on.errors:
        form.on.data, form.on.raw_data = today_in_paris(), []
    return form


def _selection(form: NextCommitteesFilterForm):
    """(rows under the incubator filter, counts per status of those rows, rows of the chosen status)."""
    rows = schedule.portfolio_schedule(form.on.data, incubator=_incubator(form))
    counts = schedule.status_counts(rows)
    if form.status.data:
        rows = [row for row in rows if row.status == form.status.data]
    return counts, rows


def _filter_args(**changes) -> dict[str, str]:
    args = {key: value for key, value in request.args.items() if key in FILTER_PARAMETERS and value}
    args.update(changes)
    return {key: value for key, value in args.items() if value}


@requires("governance.next")
def next_committees():
    form = _read_filters()
    if form.errors:
        return _page(form, None), 400
    per_page = current_app.config["PAGE_SIZE"]
    if form.on.data == today_in_paris():
        counts, page = schedule.today_page(_incubator(form), form.status.data or None, per_page)
    else:
        counts, rows = _selection(form)
        page = ListPagination(rows=rows, per_page=per_page, max_per_page=None, error_out=False)
    # Each row kept under its values: rendered again only once its situation changed.
    rows = tuple(fragments.render("governance/_next_row.html", row, row=row) for row in page.items)
    drawn_from = (form.on.data, tuple(counts.items()), rows, (page.page, page.per_page, page.total))
    body = fragments.page_body("governance/_next_body.html", drawn_from, lambda: _body(form, page, rows, counts))
    return _page(form, page, body=body)


def _body(form: NextCommitteesFilterForm, page, rows=(), counts=None) -> str:
    return render_template(
        "governance/_next_body.html", form=form, page=page, rows=rows, counts=counts,
        statuses=doctrine.STATUSES, on=form.on.data, filter_args=_filter_args,
    )


def _page(form: NextCommitteesFilterForm, page, body: str | None = None) -> str:
    return render_template(
        "governance/next_committees.html",
        page=page,
        body=Markup(body if body is not None else _body(form, page)),
        export_args=_filter_args(on=form.on.data.isoformat()) if page else None,
    )


def _export(extension: str):
    form = _read_filters()
    if form.errors:
        return _page(form, None), 400
    _, rows = _selection(form)
    table = Table(CSV_COLUMNS, [_export_row(row) for row in rows], "Prochains comités")
    return exports.response(table, f"prochains-comites-{form.on.data.isoformat()}", extension)


@requires("governance.next")
def next_committees_csv():
    return _export("csv")


@requires("governance.next")
def next_committees_xlsx():
    return _export("xlsx")


def _export_row(row: schedule.CommitteeSchedule) -> tuple:
    return (
        row.slug,
        row.name,
        row.incubator,
        row.phase,
        row.last_committee,
        row.run_out,
        row.next_committee,
        row.days_until,
        row.status,
        row.scheduled_on,
    )
