"""The admin's audit log, filtered by object, person and date."""
from flask import current_app, render_template, request
from sqlalchemy import select

from portfolio.accounts.access import requires
from portfolio.accounts.models import User
from portfolio.audit import queries, wording
from portfolio.audit.forms import AuditFilterForm
from portfolio.extensions import db
from portfolio.forms import choices


@requires("audit.view")
def log():
    form = AuditFilterForm(request.args)
    kinds = sorted(((kind, wording.kind_label(kind)) for kind in queries.object_types()), key=lambda pair: pair[1])
    form.object_type.choices = choices(kinds, empty="Tous")
    people = db.session.execute(select(User.id, User.name).order_by(User.name, User.id))
    form.actor.choices = choices(people, empty="Tout le monde")
    if request.args and not form.validate():
        return render_template("audit/log.html", form=form, page=None), 400
    statement = queries.filtered_log(
        object_type=form.object_type.data or None,
        object_id=(form.object_id.data or "").strip() or None,
        actor_id=int(form.actor.data) if form.actor.data else None,
        since=form.since.data,
        until=form.until.data,
    )
    page = db.paginate(statement, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("audit/log.html", form=form, page=page)
