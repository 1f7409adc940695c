"""The URL map of the core domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.core import legal_views, views

core = Blueprint("core", __name__)

core.add_url_rule("/mentions-legales", view_func=legal_views.legal_notice)
core.add_url_rule("/donnees-personnelles", view_func=legal_views.personal_data)
core.add_url_rule("/accessibilite", view_func=legal_views.accessibility)
core.add_url_rule("/", view_func=views.home)
core.record_once(views._register_benchmark_route)
core.add_url_rule("/healthz", view_func=views.healthz)
