"""OpenID Connect sign-in with a ProConnect-style provider, through Authlib's Flask client.

ProConnect's rules, which any provider configured here must follow: discovery document,
authorization code flow, `state` and `nonce` of at least 32 characters, `acr_values`, claims
asked by scope, the ID token and the userinfo answer signed (userinfo as `application/jwt`,
verified here against the provider's JWKS: an unsigned or badly signed answer is refused),
and RP-initiated logout at the provider's `end_session_endpoint` with `id_token_hint`.
"""
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

CLIENT_NAME = "proconnect"
#: Where the session keeps the ID token of the sign-in, for the logout at the provider.
ID_TOKEN_KEY = "oidc_id_token"
#: Signature algorithms accepted on the userinfo answer: asymmetric ones only (never "none").
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
RANDOM_BYTES = 32  # token_urlsafe(32): 43 characters, ProConnect asks for 32 at least


class SignInError(RuntimeError):
    """The provider's answer cannot be trusted or used; the message is French and shown as is."""


@dataclass(frozen=True)
class Agent:
    """Who the provider says signed in, from the verified userinfo."""

    sub: str
    email: str
    given_name: str
    usual_name: str
    claims: dict

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.usual_name) if part) or self.email


def is_configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_DISCOVERY_URL") and config.get("OIDC_CLIENT_ID"))


def provider_origin(config) -> str | None:
    """scheme://host[:port] of the provider (the logout form's redirect goes there)."""
    url = config.get("OIDC_DISCOVERY_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app(app: Flask) -> None:
    """One Authlib registry per application (tests build several apps with different providers)."""
    if not is_configured(app):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "token_endpoint_auth_method": app.config["OIDC_TOKEN_AUTH_METHOD"],
            "timeout": app.config["OIDC_TIMEOUT_SECONDS"],
        },
    )


def client():
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT_NAME)


def authorization_redirect(redirect_uri: str):
    """The redirect to the provider's login; Authlib keeps state and nonce in the session."""
    parameters = {"state": secrets.token_urlsafe(RANDOM_BYTES), "nonce": secrets.token_urlsafe(RANDOM_BYTES)}
    if current_app.config["OIDC_ACR_VALUES"]:
        parameters["acr_values"] = current_app.config["OIDC_ACR_VALUES"]
    return client().authorize_redirect(redirect_uri, **parameters)


def finish_sign_in() -> tuple[Agent, str]:
    """On the callback: check state, exchange the code, verify the ID token (signature, issuer,
    audience, nonce) and the signed userinfo. Returns the agent and the ID token."""
    oauth_client = client()
    try:
        token = oauth_client.authorize_access_token()
    except (OAuthError, JoseError) as error:
        current_app.logger.warning("OIDC callback refused: %s", error)
        raise SignInError("La connexion avec ProConnect n’a pas abouti. Réessayez.") from error
    except (KeyError, TypeError) as error:  # no state data in the session: an old or forged callback
        raise SignInError("La connexion avec ProConnect a expiré ou n’a pas été demandée ici. Réessayez.") from error
    except OSError as error:  # the provider is unreachable
        current_app.logger.warning("OIDC provider unreachable: %s", error)
        raise SignInError("ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes.") from error
    id_claims = token.get("userinfo") or {}
    if not id_claims.get("sub"):
        raise SignInError("Le fournisseur d’identité n’a pas renvoyé de jeton d’identité.")
    try:
        claims = verified_userinfo(oauth_client, token)
    except OSError as error:
        current_app.logger.warning("OIDC userinfo unreachable: %s", error)
        raise SignInError("ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes.") from error
    if claims.get("sub") != id_claims["sub"]:
        raise SignInError("Les informations d’identité ne concernent pas la personne connectée.")
    email = (claims.get("email") or "").strip().lower()
    if not email:
        raise SignInError("Le fournisseur d’identité n’a pas transmis d’adresse électronique.")
    agent = Agent(
        sub=str(claims["sub"]),
        email=email,
        given_name=str(claims.get("given_name") or ""),
        usual_name=str(claims.get("usual_name") or ""),
        claims=claims,
    )
    return agent, token["id_token"]


def verified_userinfo(oauth_client, token: dict) -> dict:
    """The userinfo answer, which must be a JWT signed by a key of the provider's JWKS and
    addressed to us by our issuer."""
    metadata = oauth_client.load_server_metadata()
    response = oauth_client.get(metadata["userinfo_endpoint"], token=token)
    if response.status_code != 200:
        raise SignInError("Le fournisseur d’identité a refusé de transmettre les informations d’identité.")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/jwt":
        raise SignInError("Les informations d’identité ne sont pas signées : connexion refusée.")
    return verify_signed_userinfo(oauth_client, response.text.strip(), metadata)


def verify_signed_userinfo(oauth_client, value: str, metadata: dict) -> dict:
    allowed = [
        alg
        for alg in metadata.get("userinfo_signing_alg_values_supported") or ASYMMETRIC_ALGORITHMS
        if alg in ASYMMETRIC_ALGORITHMS
    ]
    registry = JWSRegistry(algorithms=allowed, strict_check_header=False)
    try:
        try:
            decoded = jwt.decode(value, KeySet.import_key_set(oauth_client.fetch_jwk_set()), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys since we last read them
            decoded = jwt.decode(
                value, KeySet.import_key_set(oauth_client.fetch_jwk_set(force=True)), registry=registry
            )
    except (JoseError, ValueError) as error:
        current_app.logger.warning("OIDC userinfo refused: %s", error)
        raise SignInError("La signature des informations d’identité est invalide : connexion refusée.") from error
    claims = dict(decoded.claims)
    if claims.get("iss") not in (None, metadata.get("issuer")):
        raise SignInError("Les informations d’identité viennent d’un autre émetteur : connexion refusée.")
    audience = claims.get("aud")
    if audience is not None and oauth_client.client_id not in (audience if isinstance(audience, list) else [audience]):
        raise SignInError("Les informations d’identité sont destinées à un autre service : connexion refusée.")
    return claims


def remember_id_token(id_token: str) -> None:
    session[ID_TOKEN_KEY] = id_token


def logout_url(post_logout_redirect_uri: str, id_token: str | None) -> str | None:
    """The provider's end-session URL (None when OIDC is off, the session did not come from the
    provider, or the provider has no end_session_endpoint)."""
    if not id_token or not is_configured():
        return None
    oauth_client = client()
    try:
        if not oauth_client.load_server_metadata().get("end_session_endpoint"):
            return None
        return oauth_client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            state=secrets.token_urlsafe(RANDOM_BYTES),
        )["url"]
    except OSError as error:  # provider unreachable: the local logout still happens
        current_app.logger.warning("OIDC end session unavailable: %s", error)
        return None
