"""A startup's milestones: all of them, a page at a time (the startup page shows the newest), and
correcting or removing one, for the same people who log them (its coaches and its intrapreneurs);
removing asks for a confirmation first."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.extensions import db
from portfolio.startups import milestones
from portfolio.startups.forms import MilestoneForm
from portfolio.startups.models import MILESTONE_KINDS, Milestone
from portfolio.startups.operations import StartupError
from portfolio.startups.startup_page import load_startup
from portfolio.timeutil import today_in_paris


def _milestone_of(startup, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.startup_id != startup.id:
        abort(404)
    return milestone


def _back(startup):
    return redirect(url_for("startups.detail", slug=startup.slug, _anchor="chronologie"))


@requires("startup.view")
def milestone_list(slug: str):
    startup = load_startup(slug)
    page = milestones.milestones_page(
        startup, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "startups/milestone_list.html", startup=startup, page=page, kinds=MILESTONE_KINDS, today=today_in_paris(),
    )


@requires("startup.view")
def milestone_edit(slug: str, milestone_id: int):
    startup = load_startup(slug)
    authorize("startup.log", startup)
    milestone = _milestone_of(startup, milestone_id)
    # Prefilled from the milestone on GET only: a POST says every value itself.
    form = MilestoneForm(obj=milestone if request.method == "GET" else None)
    context = {"form": form, "startup": startup, "milestone": milestone}
    if form.validate_on_submit():
        try:
            changed = milestones.correct_milestone(
                milestone, on=form.date.data, kind=form.kind.data, title=form.title.data, text=form.text.data
            )
        except StartupError as error:
            db.session.rollback()
            return render_template("startups/milestone_edit.html", error=str(error), **context), 422
        db.session.commit()
        flash("Le fait marquant est corrigé." if changed else "Rien n’a changé.", "success" if changed else "info")
        return _back(startup)
    if form.is_submitted():
        db.session.rollback()
        return render_template("startups/milestone_edit.html", error=None, **context), 422
    return render_template("startups/milestone_edit.html", error=None, **context)


@requires("startup.view")
def milestone_delete(slug: str, milestone_id: int):
    startup = load_startup(slug)
    authorize("startup.log", startup)
    milestone = _milestone_of(startup, milestone_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = milestone.title
        milestones.remove_milestone(milestone)
        db.session.commit()
        flash(f"Fait marquant supprimé : {title}.", "success")
        return _back(startup)
    return render_template(
        "startups/milestone_delete.html", form=form, startup=startup, milestone=milestone, kinds=MILESTONE_KINDS
    )
