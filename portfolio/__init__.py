"""Portfolio: follow the startups d'État, their governance and their funding."""
import os
from pathlib import Path

from flask import Flask

from config import DEFAULT_SECRET_KEY, Config, config_from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The DSFR works under this policy: its scripts and styles are files served by us.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: str | type[Config] | None = None, overrides: dict | None = None) -> Flask:
    """Build the application. It never runs migrations nor starts the scheduler."""
    config_class = _resolve_config(config)
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTFOLIO_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    _refuse_unsafe_production(app)
    _trust_proxies(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'portfolio.sqlite3'}"

    import portfolio.models  # noqa: F401  (the whole schema, for Alembic and the ORM)

    _init_extensions(app)
    _bound_inputs(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_commands(app)
    return app


def _resolve_config(config) -> type[Config]:
    from config import CONFIGS

    if config is None:
        return config_from_environment()
    if isinstance(config, str):
        return CONFIGS[config]
    return config


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    key = app.config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "Refusing to start in production without a real SECRET_KEY "
            "(set the SECRET_KEY environment variable to at least 32 random characters)."
        )


def _content_security_policy(identity_provider: str | None) -> dict:
    """The logout form's redirect goes on to the identity provider's end-session page, which
    `form-action` must allow (browsers check a form's redirects too)."""
    if identity_provider is None:
        return CONTENT_SECURITY_POLICY
    return {**CONTENT_SECURITY_POLICY, "form-action": ["'self'", identity_provider]}


def _trust_proxies(app: Flask) -> None:
    """PROXY_FIX=N: the app sits behind N reverse proxies, whose X-Forwarded-* headers it believes."""
    hops = app.config.get("PROXY_FIX") or 0
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)


def _init_extensions(app: Flask) -> None:
    from portfolio.audit import tracking
    from portfolio.core import concurrency
    from portfolio.database import end_reads_with_a_commit
    from portfolio.status import tracking as status_tracking
    from portfolio.extensions import csrf, db, limiter, login_manager, migrate, talisman

    db.init_app(app)
    end_reads_with_a_commit(app)  # registered after db.init_app: its teardown runs before the session's removal
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    from portfolio.accounts import oidc

    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=_content_security_policy(oidc.provider_origin(app.config)),
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
    )
    tracking.install()
    status_tracking.install()
    concurrency.install(app)
    oidc.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from portfolio.accounts.models import User

        # "id:version" (User.get_id): a session from before the version was raised loads nobody.
        account_id, _, version = user_id.partition(":")
        if not account_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(account_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort, flash, redirect, request, url_for

        if request.path.startswith("/api/"):
            abort(401)
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _bound_inputs(app: Flask) -> None:
    """What the database cannot hold never reaches a query: an `<int:>` id beyond the columns' range
    matches no route (404), a `page=` that is not a page number answers 404, a NUL character 400.
    Dates are bounded by every form (portfolio.forms.Form), the rest by portfolio.validation."""
    from flask import abort, request

    from portfolio.validation import BoundedIntegerConverter, page_number

    app.url_map.converters["int"] = BoundedIntegerConverter

    @app.before_request
    def refuse_unknown_pages():
        # The API validates its own pagination (a French JSON 400 naming the parameter).
        if request.path.startswith("/api/"):
            return
        if "page" in request.args and page_number(request.args.get("page")) is None:
            abort(404)

    @app.before_request
    def refuse_nul_characters():
        # No text column holds a NUL character (PostgreSQL refuses them): a 400, before any view.
        values = [*request.args.items(multi=True)]
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_MIMETYPES:
            values += request.form.items(multi=True)
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in values):
            # The API names objects by their slug: no object has such a name (its JSON 404, as the
            # API answers for any unknown slug); the pages refuse the request.
            abort(404 if request.path.startswith("/api/") else 400)


def _register_blueprints(app: Flask) -> None:
    """Each domain's URL map is its `blueprint.py` (the view modules hold only views)."""
    from portfolio.accounts import blueprint as accounts
    from portfolio.accounts.access import refuse_undeclared_endpoints
    from portfolio.api import blueprint as api, v1 as api_v1
    from portfolio.audit import blueprint as audit
    from portfolio.core import blueprint as core, errors
    from portfolio.funding import blueprint as funding
    from portfolio.governance import blueprint as governance
    from portfolio.imports import blueprint as imports
    from portfolio.opendata import blueprint as opendata
    from portfolio.reminders import blueprint as reminders
    from portfolio.search import blueprint as search
    from portfolio.startups import blueprint as startups

    app.before_request(refuse_undeclared_endpoints)
    for blueprint in (
        core.core,
        accounts.accounts,
        accounts.sign_in,
        accounts.account,
        audit.audit,
        imports.imports,
        startups.portfolio_list,
        startups.startups,
        startups.organisations,
        startups.incubators,
        funding.funding,
        funding.funding_reports,
        governance.governance,
        governance.governance_next,
        governance.governance_calendar,
        reminders.reminders,
        api.api,
        api.api_docs,
        api.api_tokens,
        opendata.opendata,
        search.search,
    ):
        app.register_blueprint(blueprint)
    api_v1.init_app(app)  # before errors.register, whose handler replaces flask-smorest's
    errors.register(app)


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from portfolio.accounts.models import ROLE_LABELS
    from portfolio.accounts.permissions import can
    from portfolio.audit import wording
    from portfolio.core import fragments, french, markdown, navigation
    from portfolio.funding.amounts import format_euros
    from portfolio.funding.charts import percent
    from portfolio.startups.charts import format_number
    from portfolio.startups.models import IMPACT_CERTIFICATION_BADGES, IMPACT_CERTIFICATION_LEVELS
    from portfolio.startups.phases import label as phase_label
    from portfolio.timeutil import format_date, format_datetime
    from portfolio.validation import safe_href

    app.jinja_env.filters["euros"] = format_euros
    app.jinja_env.filters["share"] = percent
    app.jinja_env.filters["number_fr"] = format_number
    app.jinja_env.filters["phase_fr"] = phase_label
    app.jinja_env.filters["impact_fr"] = lambda level: IMPACT_CERTIFICATION_LEVELS.get(level, level or "")
    app.jinja_env.filters["impact_badge"] = lambda level: IMPACT_CERTIFICATION_BADGES.get(level, "")
    # Links stored before the shared validation, or by any way in: an href only for http(s).
    app.jinja_env.filters["web_link"] = safe_href
    app.jinja_env.filters["datetime_fr"] = format_datetime
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
    fragments.init_app(app)
    navigation.init_app(app)
    markdown.init_app(app)
    french.init_app(app)
    wording.init_app(app)

    @app.context_processor
    def permission_helpers():
        return {"can": lambda action, obj=None: can(current_user, action, obj)}


def _register_commands(app: Flask) -> None:
    from portfolio.accounts.cli import users_cli
    from portfolio.core.backup import backup_command, restore_command
    from portfolio.demo.cli import demo_cli
    from portfolio.governance.cli import governance_cli
    from portfolio.imports.cli import import_cli
    from portfolio.reminders.cli import reminders_cli
    from portfolio.scheduler.cli import scheduler_cli
    from portfolio.status.cli import status_cli

    for group in (users_cli, demo_cli, scheduler_cli, import_cli):
        app.cli.add_command(group)
    app.cli.add_command(governance_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(status_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
