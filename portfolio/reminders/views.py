"""The reminders' pages: "À faire", the inbox (and its unread count in the header), the delivery
preference, and the admin's list of reminders and outbox."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.core import concurrency
from portfolio.core.french import counted
from portfolio.extensions import db
from portfolio.reminders import operations, queries
from portfolio.reminders.audience import ROLE_NAMES
from portfolio.reminders.forms import ActionForm, PreferenceForm
from portfolio.reminders.models import DELIVERY_MODES, Deadline, Notification, OutboxMessage
from portfolio.reminders.rules import RULES
from portfolio.timeutil import today_in_paris, utcnow


def unread_notifications():
    """The header's unread count, computed only when a template asks for it (one query)."""

    def count() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return queries.unread_count(current_user.id, utcnow())

    return {"unread_notifications": count}


@requires("home.view")
def todo():
    page = db.paginate(
        queries.todo(current_user.id, today_in_paris()), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "reminders/todo.html",
        page=page,
        today=today_in_paris(),
        roles=queries.role_on([deadline.id for deadline in page.items], current_user.id),
        role_names=ROLE_NAMES,
        rules=RULES,
        can_mark_done=operations.can_mark_done,
        form=ActionForm(),
    )


@requires("reminders.own")
def deadline_done(deadline_id: int):
    deadline = db.get_or_404(Deadline, deadline_id)
    authorize("reminders.own", deadline)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.mark_done(deadline, by=current_user)
    except operations.ReminderError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Échéance marquée comme faite : {deadline.title}.", "success")
    return redirect(url_for("reminders.todo"))


@requires("home.view")
def inbox():
    now = utcnow()
    page = db.paginate(queries.inbox(current_user.id, now), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("reminders/inbox.html", page=page, form=ActionForm(), rules=RULES)


@requires("reminders.own")
def mark_read(notification_id: int):
    notification = db.get_or_404(Notification, notification_id)
    authorize("reminders.own", notification)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.mark_read(notification)
    db.session.commit()
    flash("Notification marquée comme lue.", "success")
    return redirect(url_for("reminders.inbox"))


@requires("home.view")
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    count = operations.mark_all_read(current_user)
    db.session.commit()
    flash(f"{counted(count, 'notification marquée comme lue', 'notifications marquées comme lues')}.", "success")
    return redirect(url_for("reminders.inbox"))


@requires("home.view")
def preferences():
    form = PreferenceForm()
    preference = operations.preference_row(current_user)
    if form.validate_on_submit():
        concurrency.check(preference, form)
        try:
            operations.set_preference(current_user, form.mode.data)
        except operations.ReminderError as error:
            db.session.rollback()
            form.mode.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Préférence enregistrée : {DELIVERY_MODES[form.mode.data].lower()}.", "success")
            return redirect(url_for("reminders.preferences"))
        return render_template("reminders/preferences.html", form=form, preference=preference), 422
    if form.is_submitted():
        return render_template("reminders/preferences.html", form=form, preference=preference), 422
    form.mode.data = operations.preference_of(current_user)
    return render_template("reminders/preferences.html", form=form, preference=preference)


@requires("reminders.manage")
def admin_list():
    status = request.args.get("statut") or None
    if status not in queries.STATUS_FILTERS:
        status = None
    page = db.paginate(
        queries.admin_notifications(status), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template(
        "reminders/admin_list.html",
        page=page,
        status=status,
        statuses=queries.STATUS_FILTERS,
        counts=queries.admin_counts(),
        deadlines=queries.upcoming_deadlines(),
        open_deadlines=queries.open_deadline_count(),
        unreceived=queries.unreceived_deadline_count(),
        rules=RULES,
        modes=DELIVERY_MODES,
        now=utcnow(),
    )


@requires("reminders.manage")
def outbox():
    page = db.paginate(queries.outbox(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("reminders/outbox.html", page=page, backend=current_app.config["MAIL_BACKEND"])


@requires("reminders.manage")
def outbox_message(message_id: int):
    return render_template("reminders/outbox_message.html", message=db.get_or_404(OutboxMessage, message_id))
