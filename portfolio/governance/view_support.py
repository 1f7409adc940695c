"""What the governance pages share: the meeting they manage, its address, the pages they answer
with when a rule is broken or a confirmation is needed, and the meeting form's values."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from portfolio.accounts.access import authorize
from portfolio.accounts.forms import ConfirmForm
from portfolio.accounts.models import User
from portfolio.core.errors import render_error
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.dossier import (
    load_meeting,
)
from portfolio.governance.forms import MeetingForm
from portfolio.governance.queries import chair_choices
from portfolio.governance.timing import not_yet_open_message, record_is_open
from portfolio.forms import choices
from portfolio.timeutil import to_paris


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


def meeting_form_for(meeting=None) -> MeetingForm:
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


def meeting_values(form: MeetingForm) -> dict:
    return {
        "kind": form.kind.data,
        "day": form.day.data,
        "at": form.at.data,
        "chair": db.session.get(User, int(form.chair.data)) if form.chair.data else None,
        "title": form.title.data,
        "location": form.location.data,
        "video_link": form.video_link.data,
    }


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
