"""A startup's certified impact level: admins and committee chairs record a new one (the level,
its day, who certified it); the startup page shows it with its history.

Form -> operation -> commit -> flash -> redirect; bad input or a broken rule re-renders the form
with French errors (422), nothing saved; a form loaded before another change of the startup shows
the conflict page (409)."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.core import concurrency
from portfolio.extensions import db
from portfolio.startups.impact import ImpactLevelForm, impact_history, record_impact_level
from portfolio.startups.operations import StartupError
from portfolio.startups.startup_page import load_startup
from portfolio.timeutil import today_in_paris


@requires("startup.certify_impact")
def impact_level(slug: str):
    startup = load_startup(slug)
    authorize("startup.certify_impact", startup)
    history = impact_history(startup)
    form = ImpactLevelForm()
    if not form.is_submitted():
        latest = history[0] if history else None
        if concurrency.showing_stored() and latest is not None:  # the conflict page: the level recorded meanwhile
            form.level.data, form.certified_on.data = latest.level, latest.certified_on
            form.certified_by.data, form.comment.data = latest.certified_by, latest.comment
        else:  # a new level: the current one proposed, on today; who certified it is for the person to say
            form.level.data = latest.level if latest is not None else ""
            form.certified_on.data = today_in_paris()
    context = {"form": form, "startup": startup, "history": history, "today": today_in_paris()}
    if form.validate_on_submit():
        concurrency.check(startup, form)
        try:
            certification = record_impact_level(
                startup, form.level.data, form.certified_on.data, form.certified_by.data, form.comment.data,
                by=current_user,
            )
        except StartupError as error:
            db.session.rollback()
            return render_template("startups/impact_form.html", error=str(error), **context), 422
        db.session.commit()
        flash(
            f"Niveau d’impact de {startup.name} : « {certification.level_label} » "
            f"au {certification.certified_on:%d/%m/%Y}.", "success",
        )
        return redirect(url_for("startups.detail", slug=startup.slug, _anchor="impact"))
    if form.is_submitted():
        db.session.rollback()
        return render_template("startups/impact_form.html", error=None, **context), 422
    return render_template("startups/impact_form.html", error=None, **context)
