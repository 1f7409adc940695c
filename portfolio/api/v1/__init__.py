"""API v1 (`/api/v1/`): read-only JSON of the portfolio, governance and conventions, for tools
that act with a personal token; its OpenAPI 3.1 document is generated from the routes by flask-smorest."""
from flask import Flask
from flask_smorest import Api

from portfolio.api.v1.schemas import ErrorSchema

TITLE = "API Portfolio"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEMES = {
    "jeton": {"type": "http", "scheme": "bearer", "description": "Jeton personnel : `Authorization: Bearer <jeton>`."},
    "cle": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "Le même jeton, dans `X-Api-Key`."},
}


class PortfolioApi(Api):
    ERROR_SCHEMA = ErrorSchema


def init_app(app: Flask) -> PortfolioApi:
    """Register the API v1 blueprint and build its document. The app's own error handler (French
    JSON under /api/) is registered after this one and replaces flask-smorest's."""
    from portfolio.api.v1 import funding, governance, startups  # noqa: F401  (the routes)
    from portfolio.api.v1.blueprint import bp

    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # the document is served by portfolio.api.docs_views
    api = PortfolioApi(
        app,
        spec_kwargs={
            "title": TITLE,
            "version": VERSION,
            "openapi_version": OPENAPI_VERSION,
            "info": {
                "description": (
                    "Lecture seule du portefeuille des startups d’État, de leur gouvernance et de leurs conventions. "
                    "Chaque appel agit avec les droits du titulaire du jeton, ni plus ni moins."
                )
            },
            "components": {"securitySchemes": SECURITY_SCHEMES},
            "security": [{"jeton": []}, {"cle": []}],
        },
    )
    api.register_blueprint(bp)
    app.extensions["portfolio_api_v1"] = api
    return api
