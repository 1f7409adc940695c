"""The URL map of the imports domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.imports import views

imports = Blueprint("imports", __name__)

imports.add_url_rule("/admin/import", methods=["GET", "POST"], view_func=views.upload)
