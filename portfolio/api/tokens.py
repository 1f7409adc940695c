"""Personal API tokens: creating one (its secret returned once), revoking it, and finding the
account a request's secret belongs to (`Authorization: Bearer <secret>` or `X-Api-Key: <secret>`).

Only the SHA-256 digest of a secret is stored: a copy of the database gives no usable token.
Creation and revocation go through the ORM and so leave audit events; a token's last use is
written by a plain UPDATE, outside the trail (a read changes nothing), at most once a minute."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from portfolio.accounts.models import User
from portfolio.api.models import ApiToken
from portfolio.extensions import db
from portfolio.timeutil import utcnow

#: Every secret starts with this, so that a leaked one is recognisable (secret scanners, logs).
SECRET_PREFIX = "pf_"
#: How many characters of the secret the list shows.
SHOWN_CHARACTERS = 10
NAME_MAX_LENGTH = 100
#: A token used again within this delay keeps the recorded last use (one write a minute at most).
LAST_USE_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A refused token operation; the message is French and shown as is."""


@dataclass(frozen=True)
class NewToken:
    """A token just created and its secret, which exists nowhere else and is shown once."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str | None) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise TokenError("Donnez un nom au jeton, pour le reconnaître (par exemple « Tableau de bord »).")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(f"Le nom du jeton doit faire au plus {NAME_MAX_LENGTH} caractères.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=digest(secret), prefix=secret[:SHOWN_CHARACTERS])
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise TokenError("Ce jeton est déjà révoqué.")
    token.revoked_at = utcnow()
    db.session.flush()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def secret_from(headers) -> str | None:
    """The secret a request presents, or None when it presents none ("" when the header is empty)."""
    authorization = headers.get("Authorization")
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    api_key = headers.get("X-Api-Key")
    return api_key.strip() if api_key is not None else None


def user_of_secret(secret: str) -> User | None:
    """The active account holding the active token `secret` (its use recorded), or None."""
    if not secret:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        table = ApiToken.__table__
        db.session.execute(update(table).where(table.c.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token.user
