"""The URL map of the search: each address and the view that answers it."""
from flask import Blueprint

from portfolio.search import views

search = Blueprint("search", __name__)

search.add_url_rule("/search", view_func=views.results)
