"""The portfolio: the list of startups with its filters, funnel and flags, and its exports (CSV, .xlsx)."""
from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from portfolio.accounts.access import requires
from portfolio.accounts.permissions import can
from portfolio.core import exports, fragments
from portfolio.core.exports import Column, Table
from portfolio.extensions import db
from portfolio.forms import Form, bounded, choices
from portfolio.governance.models import HEALTH_LEVELS
from portfolio.startups import portfolio
from portfolio.startups.folding import install_text_folding
from portfolio.startups.models import IMPACT_CERTIFICATION_LEVELS
from portfolio.startups.phases import ACTIVE_PHASES, PHASE_LABELS, label
from portfolio.startups.pickers import IncubatorPicker, SponsorPicker
from portfolio.timeutil import to_paris, today_in_paris


def _install_text_folding(state) -> None:
    with state.app.app_context():
        install_text_folding(db.engine)


DATE_MESSAGE = "Saisissez une date valide au format aaaa-mm-jj (par exemple 2024-03-31)."
FILTER_PARAMETERS = ("q", "phase", "incubator", "sponsor", "on", "flag", "health", "impact", "sort")
CSV_COLUMNS = (
    Column("slug", "Identifiant"),
    Column("name", "Startup"),
    Column("incubator", "Incubateur"),
    Column("co_incubators", "Co-incubateurs"),
    Column("phase", "Phase (code)"),
    Column("phase_label", "Phase"),
    Column("phase_since", "En phase depuis le", "date"),
    Column("days_in_phase", "Jours dans la phase", "integer"),
    Column("sponsors", "Sponsors"),
    Column("updated_at", "Dernière mise à jour", "date"),
    Column("stale", "Pas à jour", "flag"),
    Column("long_in_phase", "Phase longue", "flag"),
    Column("committee_status", "Statut du prochain comité"),
    Column("committee_due", "Prochain comité dû le", "date"),
    Column("committee_scheduled", "Comité prévu le", "date"),
    Column("last_committee", "Dernier comité", "date"),
    Column("health", "Santé au dernier comité"),
    Column("impact_level", "Niveau d’impact certifié"),
    Column("impact_on", "Niveau d’impact depuis le", "date"),
    Column("impact_by", "Niveau d’impact certifié par"),
)


class PortfolioFilterForm(Form):
    """The portfolio's GET parameters: no CSRF token, unknown values refused with a French message."""

    class Meta:
        csrf = False

    q = StringField("Recherche", validators=[Optional(), bounded(200)])
    phase = SelectField("Phase", choices=[], validate_choice=False)
    # Pickers, not long selects: the page costs the same with 20 incubators or 700.
    incubator = IncubatorPicker("Incubateur", validators=[Optional(), bounded()])
    sponsor = SponsorPicker("Sponsor", validators=[Optional(), bounded()])
    on = DateField("Phase au", validators=[Optional()], format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)
    flag = SelectField("Signalement", choices=[], validate_choice=False)
    health = SelectField("Santé au dernier comité", choices=[], validate_choice=False)
    impact = SelectField("Niveau d’impact certifié", choices=[], validate_choice=False)
    sort = SelectField("Trier par", choices=[], validate_choice=False)

    def __init__(self, formdata):
        super().__init__(formdata)
        self.phase.choices = choices(
            [*PHASE_LABELS.items(), (portfolio.NO_PHASE, "Sans phase")], empty="Toutes les phases"
        )
        self.flag.choices = choices(portfolio.FLAGS.items(), empty="Tous")
        self.health.choices = choices(HEALTH_LEVELS.items(), empty="Toutes")
        self.impact.choices = choices(IMPACT_CERTIFICATION_LEVELS.items(), empty="Tous")
        self.sort.choices = choices(portfolio.SORTS.items())

    @staticmethod
    def _known(field, message: str) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message.format(value=field.data))

    def validate_phase(self, field):
        self._known(field, "Phase inconnue : « {value} ». Choisissez une phase de la liste.")

    def validate_flag(self, field):
        self._known(field, "Signalement inconnu : « {value} ».")

    def validate_health(self, field):
        self._known(field, "Santé inconnue : « {value} ».")

    def validate_impact(self, field):
        self._known(field, "Niveau d’impact inconnu : « {value} ».")

    def validate_sort(self, field):
        self._known(field, "Tri inconnu : « {value} ». Choisissez un tri de la liste.")

    def to_query(self) -> portfolio.PortfolioQuery:
        return portfolio.PortfolioQuery(
            on=self.on.data or today_in_paris(),
            phase=self.phase.data or None,
            incubator=self.incubator.picked.slug if self.incubator.picked else None,
            sponsor=self.sponsor.picked.slug if self.sponsor.picked else None,
            text=(self.q.data or "").strip() or None,
            flag=self.flag.data or None,
            health=self.health.data or None,
            impact=self.impact.data or None,
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


@requires("startup.view")
def startup_list():
    form = _read_filters()
    if form.errors:
        return _render_invalid(form)
    query = form.to_query()
    listing = portfolio.listing(query, page=None, per_page=current_app.config["PAGE_SIZE"])
    rows = rendered_rows(listing.records, query)
    pagination = listing.pagination
    drawn_from = (query.on, listing.funnel, tuple(rows), (pagination.page, pagination.per_page, pagination.total))
    body = fragments.page_body("startups/_list_body.html", drawn_from, lambda: render_template(
        "startups/_list_body.html",
        form=form,
        query=query,
        page=pagination,
        rows=rows,
        funnel=listing.funnel,
        filters=_filter_args(),
        no_phase=portfolio.NO_PHASE,
        stale_after_days=current_app.config["STALE_AFTER_DAYS"],
        phase_norms=current_app.config["PHASE_NORMS_DAYS"],
        phase_label=label,
    ))
    return render_template(
        "startups/list.html",
        body=Markup(body),
        invalid=False,
        export_args=dict(_filter_args(), on=query.on.isoformat()),
        can_create="startups.create" in current_app.view_functions and can(current_user, "startup.edit"),
    )


def _export(extension: str):
    form = _read_filters()
    if form.errors:
        return _render_invalid(form)
    query = form.to_query()
    rows = portfolio.all_rows(query)
    committees = committees_of(rows, query)
    table = Table(CSV_COLUMNS, [_export_row(row, committees.get(row.id)) for row in rows], "Portefeuille")
    return exports.response(table, f"portefeuille-startups-{query.on.isoformat()}", extension)


@requires("startup.view")
def export_csv():
    return _export("csv")


@requires("startup.view")
def export_xlsx():
    return _export("xlsx")


def rendered_rows(records: list, query: portfolio.PortfolioQuery) -> list[Markup]:
    """Each row's HTML, kept under its record (everything the row shows is drawn from it), the day and
    whether it is today's (portfolio.core.fragments): a row is made and rendered again only once one
    of its values changed, whatever the page or the filters that list it."""
    config = current_app.config
    settings = ("startups.detail" in current_app.view_functions, config["STALE_AFTER_DAYS"],
                tuple(config["PHASE_NORMS_DAYS"].items()))
    of_today = query.on == today_in_paris()

    def render(record) -> str:
        row = portfolio.row_of(record, query.on)
        committee = committees_of([row], query).get(row.id)
        return fragments.rendered(
            "startups/_list_row.html", row=row, committee=committee, links_to_detail=settings[0],
            stale_after_days=settings[1], phase_norms=config["PHASE_NORMS_DAYS"],
        )

    kept = fragments.kept()
    return [kept.get(("startups/_list_row.html", record, query.on, of_today, settings),
                     lambda record=record: render(record)) for record in records]


def committees_of(rows: list[portfolio.PortfolioRow], query: portfolio.PortfolioQuery) -> dict:
    """{startup id: its committee situation} for the active startups of a list of today, from their
    status rows, as next committees and the startup page say it (none for a list of another day)."""
    from portfolio.governance.schedule import schedule_from

    if query.on != today_in_paris():
        return {}
    return {
        row.id: schedule_from(row.status, row.slug, row.name, row.incubator, query.on)
        for row in rows
        if row.status is not None and row.phase in ACTIVE_PHASES
    }


def _export_row(row: portfolio.PortfolioRow, committee) -> tuple:
    return (
        row.slug,
        row.name,
        row.incubator,
        "|".join(row.co_incubators),
        row.phase,
        row.phase_label,
        row.phase_since,
        row.days_in_phase,
        "|".join(row.sponsors),
        to_paris(row.updated_at).date() if row.updated_at else None,  # the day the list shows
        row.stale,
        row.long_in_phase,
        committee.status if committee else None,
        committee.next_committee if committee else None,
        committee.scheduled_on if committee else None,
        committee.last_committee if committee else None,
        HEALTH_LEVELS.get(row.status.health) if row.status and row.status.health else None,
        IMPACT_CERTIFICATION_LEVELS.get(row.status.impact_level) if row.status and row.status.impact_level else None,
        row.status.impact_on if row.status else None,
        row.status.impact_by if row.status else None,
    )
