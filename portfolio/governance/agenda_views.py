"""The meeting's people and agenda, on the governance blueprint: participants added (accounts or
guests) and removed, startups put on the agenda, attendance and minutes."""
from flask import flash, redirect, render_template, request

from portfolio.accounts.access import requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.accounts.models import User
from portfolio.core import concurrency
from portfolio.extensions import db
from portfolio.forms import choices
from portfolio.governance import decisions, operations
from portfolio.governance.forms import ParticipantForm, ReviewForm, attendance_form_for
from portfolio.governance.models import Participant
from portfolio.governance.queries import account_choices
from portfolio.governance.view_support import (
    before_meeting_day,
    confirm_page,
    failed,
    managed_meeting,
    meeting_url,
    rule_broken,
)
from portfolio.timeutil import today_in_paris


# --- Participants --------------------------------------------------------------------------


@requires("meeting.manage")
def participant_add(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ParticipantForm()
    present = {participant.user_id for participant in meeting.participants if participant.user_id}
    form.user.choices = choices(account_choices(exclude=present), empty="— Personne extérieure —")
    context = {"form": form, "meeting": meeting}
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user.data)) if form.user.data else None
        try:
            participant = operations.add_participant(
                meeting,
                form.role.data,
                user=user,
                name=form.name.data,
                email=form.email.data,
                organisation=form.organisation.data,
            )
        except operations.GovernanceError as error:
            return failed("governance/participant_form.html", error, **context)
        db.session.commit()
        flash(f"{participant.name} participe à la réunion.", "success")
        return redirect(meeting_url(meeting, "participants"))
    if form.is_submitted():
        return failed("governance/participant_form.html", **context)
    return render_template("governance/participant_form.html", **context)


@requires("meeting.manage")
def participant_remove(meeting_id: int, participant_id: int):
    meeting = managed_meeting(meeting_id)
    participant = db.get_or_404(Participant, participant_id)
    if participant.meeting_id != meeting.id:
        return redirect(meeting_url(meeting, "participants"))
    form = ConfirmForm()
    if form.validate_on_submit():
        name = participant.name
        try:
            operations.remove_participant(participant)
        except operations.GovernanceError as error:
            return rule_broken(meeting, error, "participants")
        db.session.commit()
        flash(f"{name} ne participe plus à la réunion.", "success")
        return redirect(meeting_url(meeting, "participants"))
    return confirm_page(meeting, "Retirer un participant", f"Retirer {participant} de la réunion ?", "Retirer", form)


# --- Agenda and attendance -----------------------------------------------------------------


@requires("meeting.manage")
def review_add(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ReviewForm()
    today = today_in_paris()
    context = {"form": form, "meeting": meeting}
    if form.validate_on_submit():
        try:
            review = operations.add_review(
                meeting, form.startup.picked, form.presentation.data, form.questions.data, form.deliberation.data,
                today=today,
            )
        except operations.GovernanceError as error:
            return failed("governance/review_form.html", error, **context)
        db.session.commit()
        flash(f"{review.startup.name} est à l’ordre du jour.", "success")
        return redirect(meeting_url(meeting, "ordre-du-jour"))
    if form.is_submitted():
        return failed("governance/review_form.html", **context)
    return render_template("governance/review_form.html", **context)


@requires("meeting.manage")
def attendance(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    if (refusal := before_meeting_day(meeting)) is not None:
        return refusal
    participants = list(meeting.participants)
    defaults = {f"present_{participant.id}": bool(participant.attended) for participant in participants}
    form = attendance_form_for(
        participants, data=None if request.method == "POST" else {**defaults, "minutes": meeting.minutes}
    )
    context = {"form": form, "meeting": meeting}
    if form.validate_on_submit():
        concurrency.check(meeting, form)
        present = {participant.id for participant, field in form.presence_fields if field.data}
        try:
            decisions.record_attendance(meeting, present, form.minutes.data, reason=form.reason.data)
        except operations.GovernanceError as error:
            return failed("governance/attendance_form.html", error, **context)
        db.session.commit()
        flash("Présence et compte rendu enregistrés.", "success")
        return redirect(meeting_url(meeting, "participants"))
    if form.is_submitted():
        return failed("governance/attendance_form.html", **context)
    return render_template("governance/attendance_form.html", **context)
