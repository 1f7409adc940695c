"""Single-use, expiring tokens sent by e-mail (sign-in link, password reset), stored hashed."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError

from portfolio.accounts.models import User
from portfolio.audit.tracking import Audited
from portfolio.extensions import db
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

MAGIC_LINK = "magic_link"
PASSWORD_RESET = "password_reset"
PURPOSES = (MAGIC_LINK, PASSWORD_RESET)


def hash_token(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (the token itself is random, 256 bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccountToken(Audited, db.Model):
    """One link sent to one person; it works once, before it expires."""

    __tablename__ = "account_tokens"
    __audit_masked__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(lazy="joined")
    #: MAGIC_LINK or PASSWORD_RESET.
    purpose: Mapped[str] = mapped_column(String(20))
    #: hash_token(token): a copy of the database gives no working link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When it was issued and until when it works, UTC.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was used (it then works no more).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised by each update: two requests redeeming the same token cannot both succeed.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return f"{self.purpose} de {self.user.email if self.user else self.user_id}"


def issue(user: User, purpose: str, lifetime: timedelta) -> str:
    """A new token for `user`; the caller sends it and commits. Earlier unused ones of the same
    purpose stop working: only the latest link mailed is valid."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = utcnow()
    for earlier in db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    ):
        earlier.expires_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user=user, purpose=purpose, token_hash=hash_token(token), expires_at=now + lifetime))
    db.session.flush()
    return token


def find_valid(token: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token of that purpose, or None (unknown, used, expired, deactivated)."""
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row


def redeem(token: str, purpose: str) -> User | None:
    """Mark the token used and return its account, or None when it does not work (any more)."""
    row = find_valid(token, purpose)
    if row is None:
        return None
    row.used_at = utcnow()
    try:
        db.session.flush()  # UPDATE … WHERE version = n: a concurrent redeem finds no row
    except StaleDataError:
        db.session.rollback()
        return None
    return row.user
