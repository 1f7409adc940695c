"""The portfolio: the list of startups with its filters, funnel and flags, and its CSV export."""
import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from portfolio.accounts.access import requires
from portfolio.accounts.permissions import can
from portfolio.audit import versions
from portfolio.core.pages import request_key
from portfolio.extensions import db
from portfolio.forms import Form, bounded, choices
from portfolio.startups import portfolio
from portfolio.startups.folding import install_text_folding
from portfolio.startups.phases import PHASE_LABELS, label
from portfolio.timeutil import to_paris, today_in_paris

bp = Blueprint("portfolio", __name__, url_prefix="/startups")


@bp.record_once
def _install_text_folding(state) -> None:
    with state.app.app_context():
        install_text_folding(db.engine)


DATE_MESSAGE = "Saisissez une date valide au format aaaa-mm-jj (par exemple 2024-03-31)."
FILTER_PARAMETERS = ("q", "phase", "incubator", "sponsor", "on", "flag", "sort")
CSV_COLUMNS = (
    "slug",
    "name",
    "incubator",
    "co_incubators",
    "phase",
    "phase_label",
    "phase_since",
    "days_in_phase",
    "sponsors",
    "updated_at",
    "stale",
    "long_in_phase",
)


class PortfolioFilterForm(Form):
    """The portfolio's GET parameters: no CSRF token, unknown values refused with a French message."""

    class Meta:
        csrf = False

    q = StringField("Recherche", validators=[Optional(), bounded(200)])
    phase = SelectField("Phase", choices=[], validate_choice=False)
    incubator = SelectField("Incubateur", choices=[], validate_choice=False)
    sponsor = SelectField("Sponsor", choices=[], validate_choice=False)
    on = DateField("Phase au", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)
    flag = SelectField("Signalement", choices=[], validate_choice=False)
    sort = SelectField("Trier par", choices=[], validate_choice=False)

    def __init__(self, formdata):
        super().__init__(formdata)
        self.phase.choices = choices(
            [*PHASE_LABELS.items(), (portfolio.NO_PHASE, "Sans phase")], empty="Toutes les phases"
        )
        self.incubator.choices = choices(portfolio.incubator_choices(), empty="Tous les incubateurs")
        self.sponsor.choices = choices(portfolio.sponsor_choices(), empty="Tous les sponsors")
        self.flag.choices = choices(portfolio.FLAGS.items(), empty="Tous")
        self.sort.choices = choices(portfolio.SORTS.items())

    @staticmethod
    def _known(field, message: str) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message.format(value=field.data))

    def validate_phase(self, field):
        self._known(field, "Phase inconnue : « {value} ». Choisissez une phase de la liste.")

    def validate_incubator(self, field):
        self._known(field, "Incubateur inconnu : « {value} ». Choisissez un incubateur de la liste.")

    def validate_sponsor(self, field):
        self._known(field, "Sponsor inconnu : « {value} ». Choisissez une organisation de la liste.")

    def validate_flag(self, field):
        self._known(field, "Signalement inconnu : « {value} ».")

    def validate_sort(self, field):
        self._known(field, "Tri inconnu : « {value} ». Choisissez un tri de la liste.")

    def to_query(self) -> portfolio.PortfolioQuery:
        return portfolio.PortfolioQuery(
            on=self.on.data or today_in_paris(),
            phase=self.phase.data or None,
            incubator=self.incubator.data or None,
            sponsor=self.sponsor.data or None,
            text=(self.q.data or "").strip() or None,
            flag=self.flag.data or None,
            sort=self.sort.data or "name",
        )


def _read_filters() -> PortfolioFilterForm:
    form = PortfolioFilterForm(request.args)
    form.validate()
    if form.on.data is None and not form.on.errors:
        # No date asked for: today's phases, and the date field says so.
        form.on.data, form.on.raw_data = today_in_paris(), []
    return form


def _render_invalid(form: PortfolioFilterForm):
    body = render_template("startups/_list_body.html", form=form, page=None, rows=[], funnel=None, filters={})
    return render_template("startups/list.html", body=Markup(body), invalid=True, export_args=None), 400


def _filter_args() -> dict[str, str]:
    """The query parameters that define the selection (the page number left out)."""
    return {key: value for key, value in request.args.items() if key in FILTER_PARAMETERS and value}


@dataclass(frozen=True)
class _ListBody:
    """The list's filters, funnel and table as rendered, and the export link's arguments."""

    html: Markup
    export_args: tuple[tuple[str, str], ...]


@bp.route("/")
@requires("startup.view")
def startup_list():
    # The body depends on the filters, the day and the data alone: rendered once per write.
    body = versions.cached("portfolio.list_body", request_key(per_reader=False), _list_body)
    if body is None:
        return _render_invalid(_read_filters())
    return render_template(
        "startups/list.html",
        body=body.html,
        invalid=False,
        export_args=dict(body.export_args),
        can_create="startups.create" in current_app.view_functions and can(current_user, "startup.edit"),
    )


def _list_body() -> _ListBody | None:
    """The body of the list for the request's filters; None when they are invalid."""
    form = _read_filters()
    if form.errors:
        return None
    query = form.to_query()
    listing = portfolio.listing(query, page=None, per_page=current_app.config["PAGE_SIZE"])
    html = render_template(
        "startups/_list_body.html",
        form=form,
        query=query,
        page=listing.pagination,
        rows=listing.rows,
        funnel=listing.funnel,
        filters=_filter_args(),
        no_phase=portfolio.NO_PHASE,
        links_to_detail="startups.detail" in current_app.view_functions,
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
        phase_norms=current_app.config["PHASE_NORMS_DAYS"],
        phase_label=label,
    )
    return _ListBody(Markup(html), tuple(sorted(dict(_filter_args(), on=query.on.isoformat()).items())))


@bp.route("/export.csv")
@requires("startup.view")
def export_csv():
    form = _read_filters()
    if form.errors:
        return _render_invalid(form)
    query = form.to_query()
    rows = portfolio.all_rows(query)
    return Response(
        _csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="portefeuille-startups-{query.on.isoformat()}.csv"'},
    )


def _csv_text(rows: list[portfolio.PortfolioRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.slug,
                _cell(row.name),
                _cell(row.incubator or ""),
                _cell("|".join(row.co_incubators)),
                row.phase or "",
                row.phase_label,
                row.phase_since.isoformat() if row.phase_since else "",
                "" if row.days_in_phase is None else row.days_in_phase,
                _cell("|".join(row.sponsors)),
                _iso_day(row.updated_at),
                "oui" if row.stale else "non",
                "oui" if row.long_in_phase else "non",
            )
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is one)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _iso_day(moment) -> str:
    """The day of `moment` in Paris, as YYYY-MM-DD (the list shows the same day)."""
    return to_paris(moment).date().isoformat() if moment else ""
