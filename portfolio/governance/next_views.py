"""The chair's portfolio view of next committees (overdue and due soon first, counts per status),
and its CSV export."""
import csv
import io
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from flask_sqlalchemy.pagination import Pagination
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from portfolio.accounts.access import requires
from portfolio.forms import Form, choices
from portfolio.governance import doctrine, schedule
from portfolio.startups.portfolio import incubator_choices
from portfolio.timeutil import today_in_paris

bp = Blueprint("governance_next", __name__, url_prefix="/governance")

DATE_MESSAGE = "Saisissez une date valide au format aaaa-mm-jj (par exemple 2026-03-31)."
FILTER_PARAMETERS = ("status", "incubator", "on")
CSV_COLUMNS = (
    "slug",
    "name",
    "incubator",
    "phase",
    "last_committee",
    "run_out",
    "next_committee",
    "days_until",
    "status",
    "scheduled_committee",
)


class NextCommitteesFilterForm(Form):
    """The view's GET parameters: no CSRF token; unknown values refused with a French message."""

    class Meta:
        csrf = False

    status = SelectField("Statut", choices=[], validate_choice=False)
    incubator = SelectField("Incubateur", choices=[], validate_choice=False)
    on = DateField("Au", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)

    def __init__(self, formdata):
        super().__init__(formdata)
        self.status.choices = choices(doctrine.STATUSES.items(), empty="Tous les statuts")
        self.incubator.choices = choices(incubator_choices(), empty="Tous les incubateurs")

    @staticmethod
    def _known(field, message: str) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message.format(value=field.data))

    def validate_status(self, field):
        self._known(field, "Statut inconnu : « {value} ». Choisissez un statut de la liste.")

    def validate_incubator(self, field):
        self._known(field, "Incubateur inconnu : « {value} ». Choisissez un incubateur de la liste.")


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
    rows = schedule.portfolio_schedule(form.on.data, incubator=form.incubator.data or None)
    counts = schedule.status_counts(rows)
    if form.status.data:
        rows = [row for row in rows if row.status == form.status.data]
    return counts, rows


def _filter_args(**changes) -> dict[str, str]:
    args = {key: value for key, value in request.args.items() if key in FILTER_PARAMETERS and value}
    args.update(changes)
    return {key: value for key, value in args.items() if value}


@bp.route("/next-committees")
@requires("governance.next")
def next_committees():
    form = _read_filters()
    if form.errors:
        return render_template("governance/next_committees.html", form=form, page=None), 400
    counts, rows = _selection(form)
    page = ListPagination(rows=rows, per_page=current_app.config["PAGE_SIZE"], max_per_page=None, error_out=False)
    return render_template(
        "governance/next_committees.html",
        form=form,
        page=page,
        counts=counts,
        statuses=doctrine.STATUSES,
        on=form.on.data,
        filter_args=_filter_args,
        export_args=_filter_args(on=form.on.data.isoformat()),
        due_soon_days=doctrine.DUE_SOON_DAYS,
    )


@bp.route("/next-committees.csv")
@requires("governance.next")
def next_committees_csv():
    form = _read_filters()
    if form.errors:
        return render_template("governance/next_committees.html", form=form, page=None), 400
    _, rows = _selection(form)
    return Response(
        _csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="prochains-comites-{form.on.data.isoformat()}.csv"'},
    )


def _csv_text(rows: list[schedule.CommitteeSchedule]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.slug,
                _cell(row.name),
                _cell(row.incubator or ""),
                row.phase,
                _iso(row.last_committee),
                _iso(row.run_out),
                _iso(row.next_committee),
                "" if row.days_until is None else row.days_until,
                row.status,
                _iso(row.scheduled_on),
            )
        )
    return buffer.getvalue()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is one)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
