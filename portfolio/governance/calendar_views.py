"""Calendar routes: a meeting's .ics, the page of one's private feed link, and the feed itself
(public route: the secret token in its URL is the only credential)."""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, public, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.core.public_urls import public_url
from portfolio.extensions import db
from portfolio.governance import calendar
from portfolio.governance.models import Meeting
from portfolio.timeutil import to_paris


ICS_TYPE = "text/calendar; charset=utf-8"


def _ics(content: bytes, filename: str) -> Response:
    return Response(
        content,
        content_type=ICS_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@requires("meeting.view")
def meeting_ics(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    authorize("meeting.view", meeting)
    day = to_paris(meeting.starts_at).date()
    return _ics(calendar.meeting_calendar(meeting), f"reunion-{meeting.id}-{day.isoformat()}.ics")


@requires("governance.calendar")
def my_calendar():
    token = calendar.active_token(current_user)
    feed_url = public_url("governance_calendar.feed", token=token.token) if token else None
    return render_template("governance/calendar.html", token=token, feed_url=feed_url, form=ConfirmForm())


@requires("governance.calendar")
def token_create():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        calendar.create_token(current_user)
    except calendar.CalendarError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Votre lien d’agenda est créé. Ajoutez-le à votre agenda comme abonnement.", "success")
    return redirect(url_for(".my_calendar"))


@requires("governance.calendar")
def token_revoke():
    token = calendar.active_token(current_user)
    if token is None:
        flash("Vous n’avez pas de lien d’agenda actif.", "info")
        return redirect(url_for(".my_calendar"))
    form = ConfirmForm()
    if form.validate_on_submit():
        calendar.revoke_token(token)
        db.session.commit()
        flash("Votre lien d’agenda est révoqué : les agendas abonnés ne reçoivent plus rien.", "success")
        return redirect(url_for(".my_calendar"))
    return render_template(
        "accounts/confirm.html",
        form=form,
        title="Révoquer mon lien d’agenda",
        crumb=("Mon agenda", url_for(".my_calendar"), None, None),
        question=(
            "Révoquer votre lien d’agenda ? Les agendas abonnés à ce lien cesseront d’être mis à jour ; "
            "vous pourrez en créer un nouveau ensuite."
        ),
        confirm_label="Révoquer le lien",
        cancel_url=url_for(".my_calendar"),
    )


@public
def feed(token: str):
    user = calendar.user_of_token(token)
    if user is None:
        abort(404)
    return _ics(calendar.feed_calendar(user), "portfolio.ics")
