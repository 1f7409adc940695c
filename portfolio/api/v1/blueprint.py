"""The API v1's blueprint (flask-smorest: the OpenAPI document is generated from these routes and
their marshmallow schemas), who a request acts as, and how its errors are documented.

A request acts as the holder of the personal token it presents (`Authorization: Bearer <token>`
or `X-Api-Key: <token>`), or else as the session's user: the same `@requires` rules and the same
visibility filters as the pages then apply. A token that is unknown, revoked or of a deactivated
account is refused with 401, even with a session cookie beside it."""
from flask import g, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from sqlalchemy import exists, select
from werkzeug.exceptions import NotFound, Unauthorized

from portfolio.api import tokens
from portfolio.api.v1.schemas import ErrorSchema
from portfolio.extensions import db

REALM = "Portfolio"
#: What each documented error status means, in the document.
ERROR_DESCRIPTIONS = {
    400: "Paramètre invalide (le message dit lequel).",
    401: "Jeton absent, inconnu ou révoqué.",
    403: "Le titulaire du jeton n’a pas le droit de lire cette ressource.",
    404: "Ressource introuvable (ou filtre nommant un incubateur, une organisation inconnus).",
}


class InvalidToken(Unauthorized):
    """401 for a token that does not open the API, with the challenge RFC 6750 describes."""

    api_message = "Le jeton d’API présenté est inconnu ou révoqué : créez-en un nouveau sur votre compte."

    def get_headers(self, environ=None, scope=None):
        # Quoted as RFC 6750's examples write it (werkzeug leaves plain tokens unquoted).
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", f'Bearer realm="{REALM}", error="invalid_token"')]


class UnknownFilter(NotFound):
    """404 for a filter naming an incubator or organisation that does not exist: the schema lets
    any slug through, the data says which exist (a typo must not look like an empty portfolio)."""

    def __init__(self, parameter: str, message: str):
        super().__init__()
        self.data = {"messages": {"query": {parameter: [message]}}}


def known_slug(model, slug: str | None, parameter: str, what: str) -> None:
    """Refuse a filter naming an incubator or organisation that does not exist (the page refuses it too)."""
    if slug and not db.session.scalar(select(exists().where(model.slug == slug))):
        raise UnknownFilter(parameter, f"{what} inconnu : « {slug} ».")


class Parser(FlaskParser):
    """Query parameters that break their schema answer 400 (webargs' default is 422)."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()


bp = ApiBlueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Lecture du portefeuille, de la gouvernance et des conventions (GET uniquement).",
)


@bp.before_request
def act_as_token_holder() -> None:
    secret = tokens.secret_from(request.headers)
    if secret is None:
        return
    user = tokens.user_of_secret(secret)
    if user is None:
        raise InvalidToken()
    # Flask-Login's current_user reads this: the session, if any, is not consulted.
    g._login_user = user


def errors(*codes: int):
    """Document these error responses (ErrorSchema) on a route."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=ErrorSchema, description=ERROR_DESCRIPTIONS[code])(view)
        return view

    return decorate
