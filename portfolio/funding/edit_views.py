"""Writing the funding (finance and admin): a convention, its parties and obligations, its status,
its signed document, its lines and its amendments. Each view: form -> operation -> commit ->
flash -> redirect; invalid input or a broken rule re-renders with French errors (422), nothing saved."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for

from portfolio.accounts.access import requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.core import concurrency
from portfolio.core.french import counted
from portfolio.extensions import db
from portfolio.funding import documents, operations, queries
from portfolio.funding.forms import (
    ConventionForm,
    DocumentForm,
    LineForm,
    ObligationForm,
    PartyForm,
    StatusForm,
    amendment_form_for,
    amount_text,
)
from portfolio.funding.models import CONVENTION_STATUSES, ConventionParty, FundingLine, Obligation
from portfolio.funding.operations import FundingError
from portfolio.startups.pickers import organisation_value, startup_value
from portfolio.timeutil import today_in_paris


def _failed(template: str, error: FundingError | None = None, **context):
    """Re-render a form after invalid input or a broken rule: nothing was saved."""
    db.session.rollback()
    return render_template(template, error=str(error) if error else None, **context), 422


def _child_or_404(model, ident: int, convention):
    obj = db.session.get(model, ident)
    if obj is None or obj.convention_id != convention.id:
        abort(404)
    return obj


def _back(convention, anchor: str | None = None):
    return redirect(url_for("funding.convention_detail", convention_id=convention.id, _anchor=anchor))


# --- The convention itself ------------------------------------------------------------------


@requires("funding.edit")
def convention_create():
    form = ConventionForm()
    if form.validate_on_submit():
        try:
            convention = operations.create_convention(**form.values())
        except FundingError as error:
            return _failed("funding/convention_form.html", error, form=form, convention=None)
        db.session.commit()
        flash(f"La convention {convention.reference} est créée (brouillon).", "success")
        return _back(convention)
    if form.is_submitted():
        return _failed("funding/convention_form.html", form=form, convention=None)
    return render_template("funding/convention_form.html", form=form, convention=None)


@requires("funding.edit")
def convention_edit(convention_id: int):
    convention = queries.load_convention(convention_id)
    form = ConventionForm()
    if not form.is_submitted():
        form.fill_from(convention)
    if form.validate_on_submit():
        concurrency.check(convention, form)
        try:
            operations.edit_convention(convention, **form.values())
        except FundingError as error:
            return _failed("funding/convention_form.html", error, form=form, convention=convention)
        db.session.commit()
        flash("La convention est enregistrée.", "success")
        return _back(convention)
    if form.is_submitted():
        return _failed("funding/convention_form.html", form=form, convention=convention)
    return render_template("funding/convention_form.html", form=form, convention=convention)


@requires("funding.edit")
def status_change(convention_id: int):
    convention = queries.load_convention(convention_id)
    form = StatusForm()
    if not form.is_submitted():
        form.on.data = today_in_paris()
        latest = convention.status_changes[-1] if convention.status_changes else None
        if concurrency.showing_stored() and latest is not None:  # the conflict page: the change made meanwhile
            form.status.data, form.on.data, form.note.data = latest.status, latest.changed_on, latest.note
    context = {"form": form, "convention": convention}
    if form.validate_on_submit():
        concurrency.check(convention, form)
        try:
            operations.change_status(
                convention, form.status.data, form.on.data, reason=form.reason.data, note=form.note.data
            )
        except FundingError as error:
            return _failed("funding/status_form.html", error, **context)
        db.session.commit()
        flash(f"Convention « {CONVENTION_STATUSES[convention.status]} » le {form.on.data:%d/%m/%Y}.", "success")
        return _back(convention, "statut")
    if form.is_submitted():
        return _failed("funding/status_form.html", **context)
    return render_template("funding/status_form.html", **context)


@requires("funding.edit")
def document_upload(convention_id: int):
    convention = queries.load_convention(convention_id)
    form = DocumentForm()
    max_bytes = current_app.config["FUNDING_MAX_DOCUMENT_BYTES"]
    context = {"form": form, "convention": convention, "max_bytes": max_bytes}
    if form.validate_on_submit():
        concurrency.check(convention, form)
        upload = form.document.data
        try:
            documents.attach_document(convention, upload.filename, upload.stream, documents.folder(), max_bytes)
        except FundingError as error:
            return _failed("funding/document_form.html", error, **context)
        db.session.commit()
        flash(f"Le document « {convention.document_name} » est déposé.", "success")
        return _back(convention, "document")
    if form.is_submitted():
        return _failed("funding/document_form.html", **context)
    return render_template("funding/document_form.html", **context)


# --- Parties --------------------------------------------------------------------------------


def _party_form(party=None) -> PartyForm:
    form = PartyForm()
    if party is not None and not form.is_submitted():
        form.role.data = party.role
        form.organisation.data = organisation_value(party.organisation)
        for name in PartyForm.DETAILS:
            form[name].data = getattr(party, name)
    return form


def _party_values(form: PartyForm) -> dict:
    return {
        "role": form.role.data,
        "organisation": form.organisation.picked,
        **{name: form[name].data for name in PartyForm.DETAILS},
    }


@requires("funding.edit")
def party_add(convention_id: int):
    convention = queries.load_convention(convention_id)
    form = _party_form()
    context = {"form": form, "convention": convention, "party": None}
    if form.validate_on_submit():
        try:
            party = operations.add_party(convention, **_party_values(form))
        except FundingError as error:
            return _failed("funding/party_form.html", error, **context)
        db.session.commit()
        flash(f"Partie ajoutée : {party}.", "success")
        return _back(convention, "parties")
    if form.is_submitted():
        return _failed("funding/party_form.html", **context)
    return render_template("funding/party_form.html", **context)


@requires("funding.edit")
def party_edit(convention_id: int, party_id: int):
    convention = queries.load_convention(convention_id)
    party = _child_or_404(ConventionParty, party_id, convention)
    form = _party_form(party)
    context = {"form": form, "convention": convention, "party": party}
    if form.validate_on_submit():
        concurrency.check(party, form)
        try:
            operations.edit_party(party, **_party_values(form))
        except FundingError as error:
            return _failed("funding/party_form.html", error, **context)
        db.session.commit()
        flash(f"Partie enregistrée : {party}.", "success")
        return _back(convention, "parties")
    if form.is_submitted():
        return _failed("funding/party_form.html", **context)
    return render_template("funding/party_form.html", **context)


def _confirm_removal(convention, obj, title: str, question: str, remove, done: str, anchor: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        remove(obj)
        db.session.commit()
        flash(done, "success")
        return _back(convention, anchor)
    return render_template(
        "accounts/confirm.html", form=form, title=title, question=question, confirm_label="Retirer",
        cancel_url=url_for("funding.convention_detail", convention_id=convention.id, _anchor=anchor),
        crumb=("Conventions", url_for("funding.convention_list"), convention.reference,
               url_for("funding.convention_detail", convention_id=convention.id)),
    )


@requires("funding.edit")
def party_remove(convention_id: int, party_id: int):
    convention = queries.load_convention(convention_id)
    party = _child_or_404(ConventionParty, party_id, convention)
    label = str(party)
    return _confirm_removal(
        convention, party, "Retirer une partie",
        f"Retirer la partie « {label} » de la convention {convention.reference} ? Le journal d’audit en gardera la trace.",
        operations.remove_party, f"Partie retirée : {label}.", "parties",
    )


# --- Obligations ----------------------------------------------------------------------------


@requires("funding.edit")
def obligation_form(convention_id: int, obligation_id: int | None = None):
    convention = queries.load_convention(convention_id)
    obligation = _child_or_404(Obligation, obligation_id, convention) if obligation_id is not None else None
    form = ObligationForm(obj=obligation if request.method == "GET" else None)
    context = {"form": form, "convention": convention, "obligation": obligation}
    if form.validate_on_submit():
        if obligation is not None:
            concurrency.check(obligation, form)
        try:
            if obligation is None:
                operations.add_obligation(convention, form.kind.data, form.description.data)
            else:
                operations.edit_obligation(obligation, form.kind.data, form.description.data)
        except FundingError as error:
            return _failed("funding/obligation_form.html", error, **context)
        db.session.commit()
        flash("L’obligation est enregistrée.", "success")
        return _back(convention, "obligations")
    if form.is_submitted():
        return _failed("funding/obligation_form.html", **context)
    return render_template("funding/obligation_form.html", **context)


@requires("funding.edit")
def obligation_remove(convention_id: int, obligation_id: int):
    convention = queries.load_convention(convention_id)
    obligation = _child_or_404(Obligation, obligation_id, convention)
    return _confirm_removal(
        convention, obligation, "Retirer une obligation",
        f"Retirer l’obligation « {obligation} » de la convention {convention.reference} ?",
        operations.remove_obligation, "Obligation retirée.", "obligations",
    )


# --- Lines and amendments -------------------------------------------------------------------


@requires("funding.edit")
def line_form(convention_id: int, line_id: int | None = None):
    convention = queries.load_convention(convention_id)
    line = _child_or_404(FundingLine, line_id, convention) if line_id is not None else None
    form = LineForm()
    if not form.is_submitted():
        if line is None:
            form.fiscal_year.data = (convention.signed_on or today_in_paris()).year
            form.uo.data = convention.uo
        else:
            base = operations.base_amount(line)
            form.startup.data, form.fiscal_year.data = startup_value(line.startup), line.fiscal_year
            form.ae.data, form.cp.data = amount_text(base.ae), amount_text(base.cp)
            for name in LineForm.TEXTS:
                form[name].data = getattr(line, name)
    context = {"form": form, "convention": convention, "line": line}
    if form.validate_on_submit():
        if line is not None:
            concurrency.check(line, form)
        values = {
            "startup": form.startup.picked,
            "fiscal_year": form.fiscal_year.data,
            "ae": form.ae.amount,
            "cp": form.cp.amount,
            **{name: form[name].data for name in LineForm.TEXTS},
        }
        try:
            if line is None:
                operations.add_line(convention, **values)
                message = "La ligne est ajoutée."
            else:
                corrected = operations.edit_line(line, **values)
                message = "La ligne est enregistrée" + (" ; ses montants corrigés restent dans son historique." if corrected else ".")
        except FundingError as error:
            return _failed("funding/line_form.html", error, **context)
        db.session.commit()
        flash(message, "success")
        return _back(convention, "lignes")
    if form.is_submitted():
        return _failed("funding/line_form.html", **context)
    return render_template("funding/line_form.html", **context)


def _fill_from_amendment(form, convention, amendment) -> None:
    """An amendment form prefilled with a recorded amendment: its number, date, text and line amounts."""
    form.number.data, form.signed_on.data, form.description.data = amendment.number, amendment.signed_on, amendment.description
    for line, ae, cp in form.line_fields:
        amounts = next((amount for amount in line.amounts if amount.amendment_id == amendment.id), None)
        if amounts is not None:
            ae.data, cp.data = amount_text(amounts.ae), amount_text(amounts.cp)


@requires("funding.edit")
def amendment_add(convention_id: int):
    convention = queries.load_convention(convention_id, full=True)
    form = amendment_form_for(convention.lines, operations.next_amendment_number(convention))
    if not form.is_submitted():
        form.signed_on.data = today_in_paris()
        if concurrency.showing_stored() and convention.amendments:  # the conflict page: the one recorded meanwhile
            _fill_from_amendment(form, convention, max(convention.amendments, key=lambda amendment: amendment.number))
    context = {"form": form, "convention": convention, "today": today_in_paris()}
    if form.validate_on_submit():
        concurrency.check(convention, form)
        try:
            recorded = operations.record_amendment(
                convention,
                number=form.number.data,
                signed_on=form.signed_on.data,
                description=form.description.data,
                changes=[operations.LineChange(line, ae, cp) for line, ae, cp in form.changes()],
                new_lines=form.new_lines(),
            )
        except FundingError as error:
            return _failed("funding/amendment_form.html", error, **context)
        db.session.commit()
        flash(
            f"{recorded.amendment} enregistré : {counted(len(recorded.changed), 'ligne modifiée')}, "
            f"{counted(len(recorded.added), 'ligne ajoutée')}.",
            "success",
        )
        return _back(convention, "avenants")
    if form.is_submitted():
        return _failed("funding/amendment_form.html", **context)
    return render_template("funding/amendment_form.html", **context)
