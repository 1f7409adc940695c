"""Meeting pages: the list (filtered by period, kind, status and startup), scheduling, the
meeting page (agenda with its times, participants, preparations, pack, attendance, decisions,
closing), the printable pack, cancelling and closing. On the same blueprint, the meeting's participants, agenda and attendance are in
`agenda_views`, and the pages of one review (preparation, minutes, decision, validation,
follow-ups) in `review_views`.

Each view: load, check the object-level rule, form -> operation -> commit -> flash ->
redirect; an invalid form or a broken rule re-renders with French errors (422), nothing saved."""

from flask import current_app, flash, make_response, redirect, render_template, request
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.core import concurrency
from portfolio.core.french import counted
from portfolio.extensions import db
from portfolio.governance import decisions, operations, pack_mail
from portfolio.governance.dossier import (
    PREPARATION_STATUSES,
    agenda,
    load_meeting,
    missing_preparations,
    preparation_gaps,
    preparation_status,
)
from portfolio.startups.operations import NeedsConfirmation
from wtforms import HiddenField
from portfolio.governance.pack_pdf import pack_context, pack_filename
from portfolio.governance.pack_pdf import pack_pdf as pack_pdf_bytes
from portfolio.governance.models import (
    ACTION_STATUSES,
    DECISION_OUTCOMES,
    IMPACT_CRITERIA,
    IMPACT_LEVELS,
    MEETING_KINDS,
    MEETING_STATUSES,
    PARTICIPANT_ROLES,
)
from portfolio.governance.forms import MeetingFilterForm
from portfolio.governance.queries import filtered_meetings, visible_meetings
from portfolio.governance.view_support import (
    before_meeting_day,
    confirm_page,
    failed,
    failed_meeting_form,
    managed_meeting,
    meeting_form_for,
    meeting_url,
    meeting_values,
    rule_broken,
)
from portfolio.governance.timing import record_is_open, record_opens_on
from portfolio.startups.startup_page import events_about
from portfolio.timeutil import today_in_paris


#: Vocabularies the governance templates show in words.
LABELS = {
    "kinds": MEETING_KINDS,
    "statuses": MEETING_STATUSES,
    "roles": PARTICIPANT_ROLES,
    "outcomes": DECISION_OUTCOMES,
    "action_statuses": ACTION_STATUSES,
    "criteria": IMPACT_CRITERIA,
    "levels": IMPACT_LEVELS,
    "preparation_statuses": PREPARATION_STATUSES,
}


# --- List and scheduling -------------------------------------------------------------------


@requires("meeting.view")
def meeting_list():
    form = MeetingFilterForm(request.args)
    if not form.validate():
        return render_template("governance/meeting_list.html", form=form, page=None), 422
    statement = filtered_meetings(visible_meetings(current_user), **form.values())
    page = db.paginate(statement, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("governance/meeting_list.html", form=form, page=page)


@requires("meeting.schedule")
def meeting_schedule():
    form = meeting_form_for()
    context = {"form": form, "meeting": None}
    if form.validate_on_submit():
        try:
            meeting = operations.schedule_meeting(**meeting_values(form))
        except operations.GovernanceError as error:
            return failed_meeting_form(error, **context)
        db.session.commit()
        flash(f"Réunion programmée : {meeting.title}. Ajoutez les startups à examiner et les participants.", "success")
        return redirect(meeting_url(meeting))
    if form.is_submitted():
        return failed("governance/meeting_form.html", **context)
    return render_template("governance/meeting_form.html", **context)


@requires("meeting.manage")
def meeting_edit(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = meeting_form_for(meeting)
    context = {"form": form, "meeting": meeting}
    if form.validate_on_submit():
        concurrency.check(meeting, form)
        try:
            operations.edit_meeting(meeting, **meeting_values(form))
        except operations.GovernanceError as error:
            return failed_meeting_form(error, **context)
        db.session.commit()
        flash("La réunion est modifiée.", "success")
        return redirect(meeting_url(meeting))
    if form.is_submitted():
        return failed("governance/meeting_form.html", **context)
    return render_template("governance/meeting_form.html", **context)


# --- The meeting page and the pack ---------------------------------------------------------


def _history(meeting) -> list:
    records = [meeting, *meeting.participants]
    for review in meeting.reviews:
        records.append(review)
        if review.preparation is not None:
            records.append(review.preparation)
        if review.decision is not None:
            records.extend([review.decision, *review.decision.follow_ups])
    return events_about(records)


@requires("meeting.view")
def meeting_detail(meeting_id: int):
    meeting = load_meeting(meeting_id, full=True)
    authorize("meeting.view", meeting)
    history = _history(meeting)
    return render_template(
        "governance/meeting_detail.html",
        meeting=meeting,
        agenda=agenda(meeting),
        statuses={review.id: preparation_status(review) for review in meeting.reviews},
        gaps={review.id: preparation_gaps(review.preparation) for review in meeting.reviews},
        missing=missing_preparations(meeting),
        pack_due_on=pack_mail.pack_due_on(meeting),
        recipients=pack_mail.pack_recipients(meeting),
        history=history,
        amendments=[event for event in history if event.action == "amend"],
        today=today_in_paris(),
        confirm_form=ConfirmForm(),
        record_open=record_is_open(meeting),
        record_opens_on=record_opens_on(meeting),
    )


@requires("meeting.view")
def pack(meeting_id: int):
    meeting, today = load_meeting(meeting_id, spans=False), today_in_paris()
    authorize("meeting.view", meeting)
    return render_template("governance/pack.html", **pack_context(meeting, today, current_user))


@requires("meeting.view")
def pack_pdf(meeting_id: int):
    meeting = load_meeting(meeting_id, spans=False)
    authorize("meeting.view", meeting)
    response = make_response(pack_pdf_bytes(meeting, today_in_paris(), current_user))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{pack_filename(meeting)}"'
    return response


class SendPackForm(ConfirmForm):
    """The confirmation of a send; `confirmed` is set once a second send was confirmed."""

    confirmed = HiddenField(default="")


@requires("meeting.manage")
def pack_send(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = SendPackForm()
    title = "Envoyer le dossier"
    if form.validate_on_submit():
        try:
            recipients = pack_mail.send_pack(meeting, confirmed=form.confirmed.data == "1")
        except NeedsConfirmation as question:
            db.session.rollback()
            form.confirmed.data = "1"
            return confirm_page(meeting, title, str(question), "Envoyer de nouveau", form)
        except operations.GovernanceError as error:
            return rule_broken(meeting, error, "dossier")
        # The claim is committed before any e-mail leaves: a retry cannot send twice.
        db.session.commit()
        # Each participant receives the pack they may read (rendered once per audience).
        failed = pack_mail.deliver(load_meeting(meeting.id), recipients, today_in_paris())
        db.session.commit()
        sent = len(recipients) - len(failed)
        flash(f"Dossier envoyé par courriel à {counted(sent, 'destinataire')}.", "success")
        if failed:
            flash(f"Envoi impossible à : {', '.join(failed)}. Transmettez-leur le PDF vous-même.", "error")
        return redirect(meeting_url(meeting, "dossier"))
    recipients = pack_mail.pack_recipients(meeting)
    question = (
        f"Envoyer le dossier (PDF) par courriel à : {', '.join(recipients) or 'aucun participant n’a d’adresse'} ?"
    )
    return confirm_page(meeting, title, question, "Envoyer le dossier", form)


@requires("meeting.manage")
def meeting_cancel(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.cancel_meeting(meeting)
        except operations.GovernanceError as error:
            return rule_broken(meeting, error)
        db.session.commit()
        flash("La réunion est annulée.", "success")
        return redirect(meeting_url(meeting))
    return confirm_page(
        meeting,
        "Annuler la réunion",
        f"Annuler « {meeting.title} » ? Elle restera dans l’historique.",
        "Annuler la réunion",
        form,
    )


@requires("meeting.manage")
def meeting_close(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    if (refusal := before_meeting_day(meeting)) is not None:
        return refusal
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            decisions.close_meeting(meeting)
        except operations.GovernanceError as error:
            return rule_broken(meeting, error, "decisions")
        db.session.commit()
        flash(
            "La réunion est clôturée : ses comptes rendus et décisions ne changent plus que par amendement motivé.",
            "success",
        )
        return redirect(meeting_url(meeting))
    undecided = [review.startup.name for review in operations.ordered_reviews(meeting) if review.decision is None]
    question = (
        "Clôturer la réunion ? Les comptes rendus et les décisions seront verrouillés ; "
        "toute correction ultérieure sera un amendement motivé."
    )
    if undecided:
        question += f" Aucune décision n’est enregistrée pour : {', '.join(undecided)}."
    return confirm_page(meeting, "Clôturer la réunion", question, "Clôturer", form)


