"""The URL map of the startups domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.startups import impact_views, list_views, milestone_views, suggestion_views, views

portfolio_list = Blueprint("portfolio", __name__, url_prefix="/startups")
startups = Blueprint("startups", __name__, url_prefix="/startups")
organisations = Blueprint("organisations", __name__, url_prefix="/organisations")
incubators = Blueprint("incubators", __name__, url_prefix="/incubators")

portfolio_list.record_once(list_views._install_text_folding)
portfolio_list.add_url_rule("/", view_func=list_views.startup_list)
portfolio_list.add_url_rule("/export.csv", view_func=list_views.export_csv)
portfolio_list.add_url_rule("/export.xlsx", view_func=list_views.export_xlsx)

startups.record_once(suggestion_views.install_text_folding)
startups.add_url_rule("/suggestions", "suggestions", view_func=suggestion_views.startup_suggestions)
startups.add_url_rule("/<slug>/milestones", view_func=milestone_views.milestone_list)
startups.add_url_rule("/<slug>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"], view_func=milestone_views.milestone_edit)
startups.add_url_rule("/<slug>/milestones/<int:milestone_id>/delete", methods=["GET", "POST"], view_func=milestone_views.milestone_delete)
startups.add_url_rule("/<slug>", view_func=views.detail)
startups.add_url_rule("/<slug>/history", view_func=views.history)
startups.add_url_rule("/new", methods=["GET", "POST"], view_func=views.create)
startups.add_url_rule("/<slug>/edit", methods=["GET", "POST"], view_func=views.edit)
startups.add_url_rule("/<slug>/phase", methods=["GET", "POST"], view_func=views.phase_change)
startups.add_url_rule("/<slug>/phases/<int:span_id>/edit", methods=["GET", "POST"], view_func=views.span_edit)
startups.add_url_rule("/<slug>/team/new", methods=["GET", "POST"], view_func=views.team_add)
startups.add_url_rule("/<slug>/team/<int:member_id>/end", methods=["GET", "POST"], view_func=views.team_end)
startups.add_url_rule("/<slug>/milestones/new", methods=["GET", "POST"], view_func=views.milestone_add)
startups.add_url_rule("/<slug>/indicators/new", methods=["GET", "POST"], view_func=views.indicator_add)
startups.add_url_rule("/<slug>/indicators/<int:indicator_id>/measurements/new", methods=["GET", "POST"], view_func=views.measurement_add)
startups.add_url_rule("/<slug>/impact", methods=["GET", "POST"], view_func=impact_views.impact_level)

organisations.add_url_rule("/suggestions", "suggestions", view_func=suggestion_views.organisation_suggestions)
incubators.add_url_rule("/suggestions", "suggestions", view_func=suggestion_views.incubator_suggestions)
