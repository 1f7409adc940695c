"""Personal API tokens: a secret shown once to its holder, kept only as its SHA-256 digest."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.accounts.models import User
from portfolio.audit.tracking import Audited
from portfolio.extensions import db
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime


class ApiToken(Audited, db.Model):
    """A read-only credential of the API v1, acting with its holder's permissions until revoked."""

    __tablename__ = "api_tokens"
    __audit_masked__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()
    #: What the holder calls it ("Tableau de bord DashLord").
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the secret, in hexadecimal: the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The secret's first characters, so that its holder recognises it in the list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Written by a plain UPDATE outside the audit trail (a read is not a change), at most once a minute.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"Jeton d’API « {self.name} » de l’utilisateur {self.user_id}"
