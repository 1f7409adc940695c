"""Settings of Portfolio, read from the environment: one class per kind of deployment."""
import json
import os

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str | None) -> str | None:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    if url and url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    #: None means "a SQLite file in the instance folder", resolved by the app factory.
    SQLALCHEMY_DATABASE_URI = _database_url(None)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_I18N_ENABLED = False  # WTForms' own French catalogue (portfolio.forms.Form), no Babel
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    FORCE_HTTPS = _bool("FORCE_HTTPS", False)
    DISPLAY_TIMEZONE = "Europe/Paris"
    PASSWORD_HASH_METHOD = "scrypt"
    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "50"))
    #: Bytes of rendered fragments each process keeps (portfolio.core.fragments).
    FRAGMENT_CACHE_BYTES = int(os.environ.get("FRAGMENT_CACHE_BYTES", str(16 * 1024 * 1024)))
    REMINDER_SWEEP_SECONDS = int(os.environ.get("REMINDER_SWEEP_SECONDS", "300"))
    #: Reminders fall due at this hour (Europe/Paris) of their day; digests go out at the same hour.
    REMINDER_SEND_HOUR = int(os.environ.get("REMINDER_SEND_HOUR", "8"))
    #: After downtime, reminder days up to this many days back are still generated (and sent).
    REMINDER_CATCH_UP_DAYS = int(os.environ.get("REMINDER_CATCH_UP_DAYS", "35"))
    #: A claim older than this is taken over by the next sweep (the claiming sweep died).
    REMINDER_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("REMINDER_CLAIM_TIMEOUT_SECONDS", "900"))
    #: A failed delivery waits base × 2^(attempts − 1) seconds, at most the maximum, then is retried.
    REMINDER_RETRY_BASE_SECONDS = int(os.environ.get("REMINDER_RETRY_BASE_SECONDS", "60"))
    REMINDER_RETRY_MAX_SECONDS = int(os.environ.get("REMINDER_RETRY_MAX_SECONDS", str(6 * 3600)))
    #: E-mail: "smtp" (the MAIL_* settings below) or "outbox" (kept in the application: nothing leaves
    #: the machine). Without MAIL_BACKEND, "smtp" when MAIL_SERVER is set, "outbox" otherwise.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or ("smtp" if MAIL_SERVER else "outbox")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = (
        os.environ.get("MAIL_DEFAULT_SENDER") or os.environ.get("MAIL_FROM") or "Portfolio <portfolio@localhost>"
    )
    MAIL_TIMEOUT_SECONDS = int(os.environ.get("MAIL_TIMEOUT_SECONDS", "30"))
    #: The committee's pack is attached to its e-mails up to this size; above, the e-mail links to it.
    PACK_ATTACHMENT_MAX_BYTES = int(os.environ.get("PACK_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
    #: The site's address as people reach it, for the links in e-mails (built outside any request).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    #: Sign-in with an OpenID Connect provider (ProConnect): on when the discovery URL and the client id are set.
    OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL") or None
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or None
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or None
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES") or "openid given_name usual_name email uid siret idp_id"
    #: Asked authentication level (ProConnect: eidas1); empty to ask none.
    OIDC_ACR_VALUES = os.environ.get("OIDC_ACR_VALUES", "eidas1")
    #: How the client authenticates at the token endpoint (ProConnect: client_secret_post).
    OIDC_TOKEN_AUTH_METHOD = os.environ.get("OIDC_TOKEN_AUTH_METHOD") or "client_secret_post"
    OIDC_TIMEOUT_SECONDS = int(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
    #: The e-mail and password form on the login page (and password reset); off when everyone uses ProConnect.
    PASSWORD_LOGIN_ENABLED = _bool("PASSWORD_LOGIN_ENABLED", True)
    #: Lifetime of a sign-in link sent by e-mail, and of a password reset link, in minutes.
    MAGIC_LINK_MINUTES = int(os.environ.get("MAGIC_LINK_MINUTES", "15"))
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
    #: Prefix of the rate limiter's keys in its storage (several deployments may share one Redis).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "portfolio")
    #: Behind a reverse proxy: trust this many proxies' X-Forwarded-For/-Proto/-Host/-Port/-Prefix
    #: (werkzeug's ProxyFix), so that the client address (login limit) and the scheme (HTTPS
    #: redirect, secure cookies) are the real ones. 0 (the default) trusts no header: set it only
    #: when a proxy in front of the app sets them. Links and calendars always use PUBLIC_URL.
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0") or 0)
    #: Adds /bench/hello, the benchmark's reference route (benchmarks/run.py sets it).
    BENCHMARK_ROUTES = _bool("BENCHMARK_ROUTES", False)
    #: Largest registry archive the admin may upload (/admin/import), in bytes.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
    #: Largest signed convention (PDF) finance may upload, in bytes.
    FUNDING_MAX_DOCUMENT_BYTES = int(os.environ.get("FUNDING_MAX_DOCUMENT_BYTES", str(10 * 1024 * 1024)))
    #: A startup whose record has not changed for this many days is flagged "stale" in the portfolio.
    STALE_AFTER_DAYS = int(os.environ.get("STALE_AFTER_DAYS", "90"))
    #: Days in a phase beyond which a startup is flagged "long in phase"; a phase left out has no norm.
    #: Override with a JSON object in the environment, e.g. {"investigation": 120}.
    PHASE_NORMS_DAYS = json.loads(
        os.environ.get("PHASE_NORMS_DAYS")
        or '{"investigation": 183, "construction": 365, "acceleration": 730, "consolidation": 730}'
    )
    #: How often the scheduler checks whether the day has turned in Paris (the status rows are then recomputed).
    STATUS_REFRESH_SECONDS = int(os.environ.get("STATUS_REFRESH_SECONDS", "60"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL")) if os.environ.get(
        "TEST_DATABASE_URL"
    ) else None
    RATELIMIT_ENABLED = False
    #: The tests read the outbox; an SMTP exchange is tested against a local server, explicitly.
    MAIL_BACKEND = "outbox"
    #: Hashing cost is not what the tests measure; production keeps Werkzeug's scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """The config class named by PORTFOLIO_ENV (development when unset)."""
    name = os.environ.get("PORTFOLIO_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"PORTFOLIO_ENV={name!r} is unknown; expected one of {', '.join(CONFIGS)}"
        ) from None
