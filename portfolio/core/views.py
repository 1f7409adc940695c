"""The home page of each persona and the health check."""
from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio.accounts.access import public, requires
from portfolio.core.home import home_of
from portfolio.extensions import db, limiter
from portfolio.funding.warnings import WARNING_KINDS
from portfolio.governance.doctrine import PACK_LEAD_DAYS
from portfolio.imports.report import ANOMALY_LABELS, RECORD_LABELS
from portfolio.reminders.queries import STATUS_FILTERS
from portfolio.reminders.rules import RULES
from portfolio.status.queries import TO_UPDATE
from portfolio.timeutil import today_in_paris


@requires("home.view")
def home():
    user = current_user._get_current_object()
    return render_template(
        "core/home.html",
        grants=user.roles,
        home=home_of(user, today_in_paris()),
        rules=RULES,
        to_update_kinds=TO_UPDATE,
        delivery_statuses=STATUS_FILTERS,
        anomaly_labels=ANOMALY_LABELS,
        record_labels=RECORD_LABELS,
        pack_lead_days=PACK_LEAD_DAYS,
        warning_kinds=WARNING_KINDS,
    )


def hello():
    """The benchmark's limit: the same stack (session, account, headers), no work."""
    return "ok"


def _register_benchmark_route(state):
    # Only when benchmarking: a route that does nothing has no place in a deployment.
    if state.app.config.get("BENCHMARK_ROUTES"):
        state.app.add_url_rule("/bench/hello", "bench_hello", requires("home.view")(hello))


@public
@limiter.exempt
def healthz():
    """200 when the database answers, 503 otherwise (for deployments and monitors)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


