"""The URL map of the audit domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.audit import views

audit = Blueprint("audit", __name__, url_prefix="/admin/audit")

audit.add_url_rule("", view_func=views.log)
