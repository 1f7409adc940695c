"""The home page of each persona and the health check."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio.accounts.access import public, requires
from portfolio.extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.route("/")
@requires("home.view")
def home():
    return render_template("core/home.html", grants=current_user.roles)


@bp.route("/healthz")
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
