"""People who log in, and the roles they hold (each with its scope)."""
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portfolio.audit.tracking import Audited
from portfolio.extensions import db
from portfolio.startups.models import Incubator, Startup
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

ROLE_LABELS = {
    "admin": "Administrateur·rice",
    "coach": "Coach",
    "intrapreneur": "Intrapreneur·e",
    "committee_chair": "Président·e de comité",
    "finance": "Finance",
}
#: What a role's scope may name: None (global only), or the kind of object it may be limited to.
ROLE_SCOPES = {
    "admin": None,
    "coach": "incubator",
    "intrapreneur": "startup",
    "committee_chair": None,
    "finance": None,
}
#: Roles that cannot be global.
SCOPE_REQUIRED = {"intrapreneur"}


class User(Audited, UserMixin, db.Model):
    __tablename__ = "users"
    __audit_masked__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Full name as shown to others.
    name: Mapped[str] = mapped_column(String(200))
    #: Werkzeug hash (scrypt); none for an account that signs in with ProConnect or a link only.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    #: The OpenID Connect subject (ProConnect's `sub`), stored at the first sign-in.
    oidc_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Part of the session's user id: raising it ends every open session of the account.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: A deactivated account cannot log in; its history stays.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the account was created, UTC.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
        order_by="RoleGrant.id",
    )

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session names the account and its session version: once the version is raised
        # (logout, deactivation, new password), a session cookie kept from before loads nobody.
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session opened so far stops working (the next request finds no user)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def set_password(self, password: str) -> None:
        # scrypt by default; the test config picks a cheaper method to keep the suite fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def grants(self, role: str) -> list["RoleGrant"]:
        return [grant for grant in self.roles if grant.role == role]

    def has_role(self, role: str) -> bool:
        return bool(self.grants(role))


class RoleGrant(Audited, db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "incubator_id", "startup_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    #: One of ROLE_LABELS' keys.
    role: Mapped[str] = mapped_column(String(40))
    #: Scope of a coach limited to one incubator (null: global).
    incubator_id: Mapped[int | None] = mapped_column(ForeignKey("incubators.id"), index=True)
    incubator: Mapped[Incubator | None] = relationship(lazy="joined")
    #: Scope of an intrapreneur: their startup.
    startup_id: Mapped[int | None] = mapped_column(ForeignKey("startups.id"), index=True)
    startup: Mapped[Startup | None] = relationship(lazy="joined")
    #: When and by whom it was granted.
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def scope(self) -> Incubator | Startup | None:
        return self.incubator or self.startup

    @property
    def label(self) -> str:
        role = ROLE_LABELS.get(self.role, self.role)
        if self.incubator is not None:
            return f"{role} — incubateur {self.incubator.name}"
        if self.startup is not None:
            return f"{role} — {self.startup.name}"
        return role

    def __str__(self) -> str:
        return f"{self.label} ({self.user.email if self.user else self.user_id})"
