"""A startup's own pages: its page and its detailed history for everyone logged in; identity,
phases and team for its coaches; milestones, indicators and measurements for its coaches and its
intrapreneurs.

Each view: load the startup, check the object-level rule, form -> operation -> commit ->
flash -> redirect; an invalid form or a broken rule re-renders with French errors (422)."""
from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.permissions import can
from portfolio.core import concurrency
from portfolio.extensions import db
from portfolio.startups import operations, startup_page
from portfolio.startups.charts import format_number
from portfolio.startups.forms import (
    IndicatorForm,
    MeasurementForm,
    PhaseChangeForm,
    SpanCorrectionForm,
    StartupForm,
    TeamEndForm,
    TeamMemberForm,
    milestone_form_for,
)
from portfolio.startups.models import Incubator, Indicator, Organisation, PhaseSpan, TeamMember
from portfolio.startups.phases import label as phase_label, phase_span_on
from portfolio.startups.pickers import organisation_value
from portfolio.startups.startup_page import load_startup
from portfolio.timeutil import today_in_paris


def _failed(template: str, error: operations.StartupError | None = None, **context):
    """Re-render a form after a broken rule or invalid input: nothing was saved."""
    db.session.rollback()
    return render_template(template, error=str(error) if error else None, **context), 422


def _child_or_404(model, ident: int, startup):
    obj = db.session.get(model, ident)
    if obj is None or getattr(obj, "startup_id", None) != startup.id:
        abort(404)
    return obj


# --- The startup page -----------------------------------------------------------------------


@requires("startup.view")
def detail(slug: str):
    startup = load_startup(slug)
    body = startup_page.body(startup, today_in_paris(), startup_page.Permissions.of(current_user, startup))
    return render_template("startups/detail.html", startup=startup, body=body)


@requires("startup.view")
def history(slug: str):
    """Who changed what in the startup's record, when and why: every event, a page at a time."""
    startup = load_startup(slug, full=True)
    page = startup_page.history_page(startup, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    return render_template("startups/history.html", startup=startup, page=page)


# --- Identity (coaches) ---------------------------------------------------------------------


def _startup_form(startup=None) -> StartupForm:
    # Prefilled from the startup on GET only: a POST says every value itself.
    form = StartupForm(obj=startup if request.method == "GET" else None)
    incubators = db.session.scalars(select(Incubator).order_by(Incubator.name)).all()
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form.set_choices(incubators, organisations)
    if startup is not None and not form.is_submitted():
        form.incubator.data = str(startup.incubator_id or "")
        form.porteur.data = organisation_value(startup.porteur)
        form.co_incubators.data = [str(link.incubator_id) for link in startup.co_incubations]
        form.sponsors.data = [str(link.organisation_id) for link in startup.sponsorships]
    return form


def _form_values(form: StartupForm) -> dict:
    def many(model, ids):
        return db.session.scalars(select(model).where(model.id.in_([int(i) for i in ids]))).all() if ids else []

    return {
        "incubator": db.session.get(Incubator, int(form.incubator.data)) if form.incubator.data else None,
        "porteur": form.porteur.picked,
        "co_incubators": many(Incubator, form.co_incubators.data),
        "sponsors": many(Organisation, form.sponsors.data),
        **{name: form[name].data for name in operations.TEXT_FIELDS},
    }


def _check_still_editable(values: dict) -> None:
    """A coach may only place a startup where they coach: otherwise they could not edit it afterwards."""
    ids = {incubator.id for incubator in [values["incubator"], *values["co_incubators"]] if incubator is not None}
    if not can(current_user, "startup.edit", SimpleNamespace(incubator_ids=ids)):
        raise operations.StartupError(
            "Vous ne pourriez plus modifier cette startup : choisissez au moins un incubateur que vous accompagnez."
        )


@requires("startup.edit")
def create():
    form = _startup_form()
    if form.validate_on_submit():
        values = _form_values(form)
        try:
            _check_still_editable(values)
            startup = operations.create_startup(slug=form.slug.data, **values)
        except operations.StartupError as error:
            return _failed("startups/form.html", error, form=form, startup=None)
        db.session.commit()
        flash(f"La startup {startup.name} est créée.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug))
    if form.is_submitted():
        return _failed("startups/form.html", form=form, startup=None)
    return render_template("startups/form.html", form=form, startup=None)


@requires("startup.edit")
def edit(slug: str):
    startup = load_startup(slug)
    authorize("startup.edit", startup)
    form = _startup_form(startup)
    if form.validate_on_submit():
        concurrency.check(startup, form)
        values = _form_values(form)
        try:
            _check_still_editable(values)
            operations.edit_startup(startup, **values)
        except operations.StartupError as error:
            return _failed("startups/form.html", error, form=form, startup=startup)
        db.session.commit()
        flash("Les informations de la startup sont enregistrées.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug))
    if form.is_submitted():
        return _failed("startups/form.html", form=form, startup=startup)
    return render_template("startups/form.html", form=form, startup=startup)


# --- Phases (coaches) -----------------------------------------------------------------------


def _confirmation(form, startup, question: str, action_url: str, title: str):
    """The confirmation step: the same values, sent again with confirmed=1. Nothing is saved yet."""
    db.session.rollback()
    values = [(key, value) for key, value in request.form.items(multi=True) if key not in ("csrf_token", "confirmed")]
    return render_template(
        "startups/phase_confirm.html",
        form=form,
        values=values + [("confirmed", "1")],
        startup=startup,
        question=question,
        action_url=action_url,
        title=title,
    )


@requires("startup.edit")
def phase_change(slug: str):
    startup = load_startup(slug)
    authorize("startup.edit", startup)
    form = PhaseChangeForm()
    if not form.is_submitted():
        form.on.data = today_in_paris()
        latest = max(startup.phase_spans, key=lambda span: (span.start, span.id), default=None)
        if concurrency.showing_stored() and latest is not None:  # the conflict page: the phase set meanwhile
            form.phase.data, form.on.data = latest.phase, latest.start
    context = {"form": form, "startup": startup, "current": phase_span_on(startup.phase_spans, today_in_paris())}
    if form.validate_on_submit():
        concurrency.check(startup, form)
        try:
            span = operations.change_phase(
                startup,
                to=form.phase.data,
                on=form.on.data,
                by=current_user,
                reason=form.reason.data,
                confirmed=form.confirmed.data == "1",
            )
        except operations.NeedsConfirmation as question:
            url = url_for("startups.phase_change", slug=startup.slug)
            return _confirmation(form, startup, str(question), url, "Confirmer le changement de phase")
        except operations.StartupError as error:
            return _failed("startups/phase_form.html", error, **context)
        db.session.commit()
        planned = " (prévue)" if span.start > today_in_paris() else ""
        flash(f"Phase « {phase_label(span.phase)} » à partir du {span.start:%d/%m/%Y}{planned}.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug))
    if form.is_submitted():
        return _failed("startups/phase_form.html", **context)
    return render_template("startups/phase_form.html", **context)


@requires("startup.edit")
def span_edit(slug: str, span_id: int):
    startup = load_startup(slug)
    authorize("startup.edit", startup)
    span = _child_or_404(PhaseSpan, span_id, startup)
    # Prefilled from the span on GET only: a POST says every value itself.
    form = SpanCorrectionForm(obj=span if request.method == "GET" else None)
    context = {"form": form, "startup": startup, "span": span}
    if form.validate_on_submit():
        concurrency.check(span, form)
        try:
            changed = operations.correct_span(
                span,
                phase=form.phase.data,
                start=form.start.data,
                end=form.end.data,
                comment=form.comment.data,
                by=current_user,
                reason=form.reason.data,
                confirmed=form.confirmed.data == "1",
            )
        except operations.NeedsConfirmation as question:
            url = url_for("startups.span_edit", slug=startup.slug, span_id=span.id)
            return _confirmation(form, startup, str(question), url, "Confirmer la correction")
        except operations.StartupError as error:
            return _failed("startups/span_form.html", error, **context)
        db.session.commit()
        flash("La période est corrigée." if changed else "Rien n’a changé.", "success" if changed else "info")
        return redirect(url_for("startups.detail", slug=startup.slug))
    if form.is_submitted():
        return _failed("startups/span_form.html", **context)
    return render_template("startups/span_form.html", **context)


# --- Team (coaches) -------------------------------------------------------------------------


@requires("startup.edit")
def team_add(slug: str):
    startup = load_startup(slug)
    authorize("startup.edit", startup)
    form = TeamMemberForm()
    context = {"form": form, "startup": startup}
    if form.validate_on_submit():
        try:
            member = operations.add_team_member(
                startup, form.name.data, form.role.data, start=form.start.data, end=form.end.data
            )
        except operations.StartupError as error:
            return _failed("startups/team_form.html", error, **context)
        db.session.commit()
        flash(f"{member.name} fait partie de l’équipe.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug, _anchor="equipe"))
    if form.is_submitted():
        return _failed("startups/team_form.html", **context)
    return render_template("startups/team_form.html", **context)


@requires("startup.edit")
def team_end(slug: str, member_id: int):
    startup = load_startup(slug)
    authorize("startup.edit", startup)
    member = _child_or_404(TeamMember, member_id, startup)
    form = TeamEndForm()
    if not form.is_submitted():
        # The conflict page shows the departure recorded meanwhile; a fresh form proposes today.
        form.end.data = member.end if concurrency.showing_stored() and member.end else today_in_paris()
    context = {"form": form, "startup": startup, "member": member}
    if form.validate_on_submit():
        concurrency.check(member, form)
        try:
            operations.end_team_member(member, form.end.data)
        except operations.StartupError as error:
            return _failed("startups/team_end.html", error, **context)
        db.session.commit()
        flash(f"{member.name} a quitté l’équipe le {member.end:%d/%m/%Y}.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug, _anchor="equipe"))
    if form.is_submitted():
        return _failed("startups/team_end.html", **context)
    return render_template("startups/team_end.html", **context)


# --- Milestones and indicators (coaches and the startup's intrapreneurs) --------------------


@requires("startup.view")
def milestone_add(slug: str):
    startup = load_startup(slug)
    authorize("startup.log", startup)
    indicators = sorted(startup.indicators, key=lambda indicator: indicator.name.lower())
    form = milestone_form_for(indicators)
    context = {"form": form, "startup": startup}
    if form.validate_on_submit():
        values = [(indicator, field.number) for indicator, field in form.indicator_fields if field.number is not None]
        try:
            milestone = operations.log_milestone(
                startup,
                on=form.date.data,
                kind=form.kind.data,
                title=form.title.data,
                text=form.text.data,
                by=current_user,
                measurements=values,
            )
        except operations.StartupError as error:
            return _failed("startups/milestone_form.html", error, **context)
        db.session.commit()
        flash(f"Fait marquant enregistré : {milestone.title}.", "success")
        return redirect(url_for("startups.detail", slug=startup.slug, _anchor="chronologie"))
    if form.is_submitted():
        return _failed("startups/milestone_form.html", **context)
    return render_template("startups/milestone_form.html", **context)


@requires("startup.view")
def indicator_add(slug: str):
    startup = load_startup(slug)
    authorize("startup.log", startup)
    form = IndicatorForm()
    context = {"form": form, "startup": startup}
    if form.validate_on_submit():
        try:
            indicator = operations.add_indicator(startup, form.name.data, form.unit.data, form.allows_negative.data)
        except operations.StartupError as error:
            return _failed("startups/indicator_form.html", error, **context)
        db.session.commit()
        flash(f"Indicateur « {indicator.name} » ajouté : saisissez sa première mesure.", "success")
        return redirect(url_for("startups.measurement_add", slug=startup.slug, indicator_id=indicator.id))
    if form.is_submitted():
        return _failed("startups/indicator_form.html", **context)
    return render_template("startups/indicator_form.html", **context)


@requires("startup.view")
def measurement_add(slug: str, indicator_id: int):
    startup = load_startup(slug)
    authorize("startup.log", startup)
    indicator = _child_or_404(Indicator, indicator_id, startup)
    form = MeasurementForm()
    context = {"form": form, "startup": startup, "indicator": indicator}
    if form.validate_on_submit():
        try:
            measurement = operations.record_measurement(indicator, form.date.data, form.value.number)
        except operations.StartupError as error:
            return _failed("startups/measurement_form.html", error, **context)
        db.session.commit()
        flash(
            f"Mesure enregistrée : {format_number(measurement.value)} le {measurement.date:%d/%m/%Y}.", "success"
        )
        return redirect(url_for("startups.detail", slug=startup.slug, _anchor="indicateurs"))
    if form.is_submitted():
        return _failed("startups/measurement_form.html", **context)
    return render_template("startups/measurement_form.html", **context)


