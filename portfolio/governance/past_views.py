"""The "Enregistrer un comité passé" page, on the governance blueprint: a meeting that already took
place, entered afterwards at its past date (the scheduling form refuses past dates)."""

from flask import flash, redirect, render_template

from portfolio.accounts.access import requires
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.view_support import meeting_form_for, meeting_values, failed, failed_meeting_form, meeting_url


@requires("meeting.schedule")
def meeting_record_past():
    form = meeting_form_for()
    context = {"form": form, "meeting": None, "past": True}
    if form.validate_on_submit():
        try:
            meeting = operations.record_past_committee(**meeting_values(form))
        except operations.GovernanceError as error:
            return failed_meeting_form(error, **context)
        db.session.commit()
        flash(
            f"Comité passé enregistré : {meeting.title}. Ajoutez les startups examinées, la présence et les décisions.",
            "success",
        )
        return redirect(meeting_url(meeting))
    if form.is_submitted():
        return failed("governance/meeting_form.html", **context)
    return render_template("governance/meeting_form.html", **context)
