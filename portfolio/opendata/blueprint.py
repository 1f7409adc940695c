"""The URL map of the opendata domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.opendata import views

opendata = Blueprint("opendata", __name__, url_prefix="/donnees-ouvertes")

opendata.add_url_rule("", view_func=views.index)
opendata.add_url_rule("/conventions.csv", view_func=views.conventions_csv)
opendata.add_url_rule("/lignes.csv", view_func=views.lines_csv)
opendata.add_url_rule("/conventions.json", view_func=views.conventions_json)
