"""Account rules: create, deactivate, grant and revoke roles. They flush; the caller commits."""
from sqlalchemy import func, select

from portfolio.accounts.models import ROLE_LABELS, ROLE_SCOPES, SCOPE_REQUIRED, RoleGrant, User
from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.startups.models import Incubator, Startup

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A rule of accounts was broken; the message is French and shown as is."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")


def create_user(email: str, name: str, password: str | None) -> User:
    """An active account; without password, it signs in with ProConnect or a link by e-mail."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(f"Un compte existe déjà pour l’adresse {email}.")
    if not name.strip():
        raise AccountError("Le nom est obligatoire.")
    if password is not None:
        check_password_strength(password)
    user = User(email=email, name=name.strip(), active=True)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: User, active: bool, by: User | None = None) -> None:
    if by is not None and by.id == user.id and not active:
        raise AccountError("Vous ne pouvez pas désactiver votre propre compte.")
    if user.active == active:
        return
    with described(action="reactivate" if active else "deactivate"):
        user.active = active
        # Sessions opened before a deactivation stay dead after a reactivation.
        user.end_sessions()
        db.session.flush()


def end_sessions(user: User, action: str = "end_sessions") -> None:
    """Every open session of `user` stops working at its next request."""
    with described(action=action):
        user.end_sessions()
        db.session.flush()


def resolve_scope(role: str, scope_slug: str | None) -> Incubator | Startup | None:
    """The incubator or startup a scoped role is limited to, from its slug."""
    if role not in ROLE_LABELS:
        raise AccountError(f"Rôle inconnu : {role}.")
    scope_slug = (scope_slug or "").strip()
    kind = ROLE_SCOPES[role]
    if not scope_slug:
        if role in SCOPE_REQUIRED:
            raise AccountError("Le rôle intrapreneur·e doit être limité à une startup : indiquez son identifiant.")
        return None
    if kind is None:
        raise AccountError(f"Le rôle {ROLE_LABELS[role]} est global : il ne prend pas de périmètre.")
    model = Incubator if kind == "incubator" else Startup
    target = db.session.scalar(select(model).where(func.lower(model.slug) == scope_slug.lower()))
    if target is None:
        what = "Aucun incubateur" if kind == "incubator" else "Aucune startup"
        raise AccountError(f"{what} n’a l’identifiant « {scope_slug} ».")
    return target


def grant_role(user: User, role: str, scope_slug: str | None = None, by: User | None = None) -> RoleGrant:
    scope = resolve_scope(role, scope_slug)
    incubator = scope if isinstance(scope, Incubator) else None
    startup = scope if isinstance(scope, Startup) else None
    for existing in user.roles:
        if (existing.role, existing.incubator_id, existing.startup_id) == (
            role,
            incubator.id if incubator else None,
            startup.id if startup else None,
        ):
            raise AccountError(f"{user.name} a déjà le rôle {existing.label}.")
    grant = RoleGrant(
        role=role, incubator=incubator, startup=startup, granted_by_id=by.id if by is not None else None
    )
    user.roles.append(grant)
    db.session.flush()
    return grant


def revoke_role(grant: RoleGrant, by: User | None = None) -> None:
    if by is not None and grant.user_id == by.id and grant.role == "admin":
        raise AccountError("Vous ne pouvez pas retirer votre propre rôle d’administrateur·rice.")
    grant.user.roles.remove(grant)
    db.session.flush()
