"""Meeting pages: the list, scheduling, the meeting page (agenda with its times, participants,
preparations, pack, attendance, decisions, closing), the printable pack, cancelling and
closing. On the same blueprint, the meeting's participants, agenda and attendance are in
`agenda_views`, and the pages of one review (preparation, minutes, decision, validation,
follow-ups) in `review_views`.

Each view: load, check the object-level rule, form -> operation -> commit -> flash ->
redirect; an invalid form or a broken rule re-renders with French errors (422), nothing saved."""

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.accounts.models import User
from portfolio.core import concurrency
from portfolio.core.french import counted
from portfolio.core.errors import render_error
from portfolio.extensions import db
from portfolio.governance import decisions, operations, pack_mail
from portfolio.governance.dossier import (
    PREPARATION_STATUSES,
    agenda,
    dossiers,
    load_meeting,
    missing_preparations,
    preparation_gaps,
    preparation_status,
)
from portfolio.governance.forms import MeetingForm
from portfolio.startups.operations import NeedsConfirmation
from wtforms import HiddenField
from portfolio.governance.pack_pdf import pack_filename
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
from portfolio.governance.queries import chair_choices, visible_meetings
from portfolio.governance.timing import not_yet_open_message, record_is_open, record_opens_on
from portfolio.forms import choices
from portfolio.startups.startup_page import events_about
from portfolio.timeutil import to_paris, today_in_paris

bp = Blueprint("governance", __name__, url_prefix="/governance")

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


@bp.app_context_processor
def governance_labels():
    return {"governance_labels": LABELS}


def failed(template: str, error: Exception | None = None, **context):
    """Re-render a form after a broken rule or invalid input: nothing was saved."""
    db.session.rollback()
    return render_template(template, error=str(error) if error else None, **context), 422


def failed_meeting_form(error: operations.GovernanceError, **context):
    """The meeting form re-rendered after a broken rule; a date's error is shown on the date field."""
    if error.field and error.field in context["form"]:
        context["form"][error.field].errors = [*context["form"][error.field].errors, str(error)]
        return failed("governance/meeting_form.html", **context)
    return failed("governance/meeting_form.html", error, **context)


def before_meeting_day(meeting):
    """Before the meeting's day, the refusal of recording what happens at it (attendance, minutes,
    decisions, validation, closing): a French flash back to the meeting page for a GET, a 409 page
    for a POST; nothing changed. None from the meeting's day on."""
    if record_is_open(meeting):
        return None
    message = not_yet_open_message(meeting)
    if request.method == "POST":
        return render_error(409, "La réunion n’a pas encore eu lieu", f"Rien n’a été enregistré. {message}")
    flash(message, "error")
    return redirect(meeting_url(meeting))


def meeting_url(meeting, anchor: str | None = None) -> str:
    return url_for("governance.meeting_detail", meeting_id=meeting.id, _anchor=anchor)


def managed_meeting(meeting_id: int, full: bool = False):
    meeting = load_meeting(meeting_id, full=full)
    authorize("meeting.manage", meeting)
    return meeting


# --- List and scheduling -------------------------------------------------------------------


@bp.route("/meetings")
@requires("meeting.view")
def meeting_list():
    page = db.paginate(visible_meetings(current_user), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("governance/meeting_list.html", page=page)


def _meeting_form(meeting=None) -> MeetingForm:
    form = MeetingForm()
    form.chair.choices = choices(chair_choices(), empty="— Choisir la présidence —")
    if not form.is_submitted():
        if meeting is not None:
            local = to_paris(meeting.starts_at)
            form.kind.data, form.title.data, form.day.data, form.at.data = (
                meeting.kind,
                meeting.title,
                local.date(),
                local.time(),
            )
            form.location.data, form.video_link.data = meeting.location, meeting.video_link
            form.chair.data = str(meeting.chair_id or "")
        elif current_user.has_role("committee_chair"):
            form.chair.data = str(current_user.id)
    return form


def _meeting_values(form: MeetingForm) -> dict:
    return {
        "kind": form.kind.data,
        "day": form.day.data,
        "at": form.at.data,
        "chair": db.session.get(User, int(form.chair.data)) if form.chair.data else None,
        "title": form.title.data,
        "location": form.location.data,
        "video_link": form.video_link.data,
    }


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires("meeting.schedule")
def meeting_schedule():
    form = _meeting_form()
    context = {"form": form, "meeting": None}
    if form.validate_on_submit():
        try:
            meeting = operations.schedule_meeting(**_meeting_values(form))
        except operations.GovernanceError as error:
            return failed_meeting_form(error, **context)
        db.session.commit()
        flash(f"Réunion programmée : {meeting.title}. Ajoutez les startups à examiner et les participants.", "success")
        return redirect(meeting_url(meeting))
    if form.is_submitted():
        return failed("governance/meeting_form.html", **context)
    return render_template("governance/meeting_form.html", **context)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires("meeting.manage")
def meeting_edit(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = _meeting_form(meeting)
    context = {"form": form, "meeting": meeting}
    if form.validate_on_submit():
        concurrency.check(meeting, form)
        try:
            operations.edit_meeting(meeting, **_meeting_values(form))
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


@bp.route("/meetings/<int:meeting_id>")
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
        pack_due_on=operations.pack_due_on(meeting),
        recipients=operations.pack_recipients(meeting),
        history=history,
        amendments=[event for event in history if event.action == "amend"],
        today=today_in_paris(),
        confirm_form=ConfirmForm(),
        record_open=record_is_open(meeting),
        record_opens_on=record_opens_on(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/pack")
@requires("meeting.view")
def pack(meeting_id: int):
    meeting, today = load_meeting(meeting_id, full=True), today_in_paris()
    authorize("meeting.view", meeting)
    return render_template(
        "governance/pack.html",
        meeting=meeting,
        dossiers=dossiers(meeting, today),
        missing=missing_preparations(meeting),
        today=today,
    )


@bp.route("/meetings/<int:meeting_id>/pack.pdf")
@requires("meeting.view")
def pack_pdf(meeting_id: int):
    meeting = load_meeting(meeting_id, full=True)
    authorize("meeting.view", meeting)
    response = make_response(pack_pdf_bytes(meeting, today_in_paris()))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{pack_filename(meeting)}"'
    return response


def confirm_page(meeting, title: str, question: str, confirm_label: str, form=None):
    """The confirmation page of a destructive action on the meeting."""
    return render_template(
        "accounts/confirm.html",
        form=form or ConfirmForm(),
        title=title,
        question=question,
        confirm_label=confirm_label,
        cancel_url=meeting_url(meeting),
        crumb=("Comités", url_for("governance.meeting_list"), meeting.title, meeting_url(meeting)),
    )


def rule_broken(meeting, error: Exception, anchor: str | None = None):
    """A confirmed action the rules refuse: back to the meeting page with the reason, nothing saved."""
    db.session.rollback()
    flash(f"Rien n’a été enregistré : {error}", "error")
    return redirect(meeting_url(meeting, anchor))


class SendPackForm(ConfirmForm):
    """The confirmation of a send; `confirmed` is set once a second send was confirmed."""

    confirmed = HiddenField(default="")


@bp.route("/meetings/<int:meeting_id>/send", methods=["GET", "POST"])
@requires("meeting.manage")
def pack_send(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = SendPackForm()
    title = "Envoyer le dossier"
    if form.validate_on_submit():
        try:
            recipients = operations.send_pack(meeting, confirmed=form.confirmed.data == "1")
        except NeedsConfirmation as question:
            db.session.rollback()
            form.confirmed.data = "1"
            return confirm_page(meeting, title, str(question), "Envoyer de nouveau", form)
        except operations.GovernanceError as error:
            return rule_broken(meeting, error, "dossier")
        # The claim is committed before any e-mail leaves: a retry cannot send twice.
        db.session.commit()
        pdf = pack_pdf_bytes(load_meeting(meeting.id, full=True), today_in_paris())
        failed = pack_mail.deliver(meeting, recipients, pdf)
        db.session.commit()
        sent = len(recipients) - len(failed)
        flash(f"Dossier envoyé par courriel à {counted(sent, 'destinataire')}.", "success")
        if failed:
            flash(f"Envoi impossible à : {', '.join(failed)}. Transmettez-leur le PDF vous-même.", "error")
        return redirect(meeting_url(meeting, "dossier"))
    recipients = operations.pack_recipients(meeting)
    question = (
        f"Envoyer le dossier (PDF) par courriel à : {', '.join(recipients) or 'aucun participant n’a d’adresse'} ?"
    )
    return confirm_page(meeting, title, question, "Envoyer le dossier", form)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
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


@bp.route("/meetings/<int:meeting_id>/close", methods=["GET", "POST"])
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


from portfolio.governance import agenda_views, past_views, review_views  # noqa: E402,F401  (register their pages on bp)
