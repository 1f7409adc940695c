"""Ways in besides the password: an agent from ProConnect, an invitation, a sign-in link by
e-mail; and the password's self-service (change, reset by e-mail). They flush; the caller commits."""
from datetime import timedelta

from flask import current_app, url_for
from markupsafe import escape
from sqlalchemy import select

from portfolio.accounts import tokens
from portfolio.accounts.models import RoleGrant, User
from portfolio.accounts.oidc import Agent
from portfolio.accounts.operations import (
    AccountError,
    check_password_strength,
    create_user,
    find_user_by_email,
)
from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.reminders.mail import MailError, Message, configured_backend


class WrongPassword(AccountError):
    """The current password given to change it is not the account's."""


class UnknownAgent(AccountError):
    """ProConnect knows the agent, Portfolio has no account for them (or a deactivated one)."""


def account_of_agent(agent: Agent) -> User:
    """The invited account of this agent: by `sub` once known, else by e-mail (then the `sub` is
    kept on the account, so a later change of address at the provider still finds it)."""
    user = db.session.scalar(select(User).where(User.oidc_sub == agent.sub))
    if user is None:
        user = find_user_by_email(agent.email)
        if user is None or (user.oidc_sub is not None and user.oidc_sub != agent.sub):
            raise UnknownAgent(f"Aucun compte Portfolio n’est ouvert pour {agent.email}.")
        with described(action="link_proconnect"):
            user.oidc_sub = agent.sub
            db.session.flush()
    if not user.active:
        raise UnknownAgent(f"Le compte Portfolio de {user.email} est désactivé.")
    return user


def administrators() -> list[User]:
    """Whom an agent without an account should ask: the active admins."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == "admin", User.active.is_(True))
            .order_by(User.name)
            .distinct()
        )
    )


def _link(endpoint: str, **values) -> str:
    """An absolute link for an e-mail: PUBLIC_URL and the path (as the reminders' e-mails)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def _send(to: str, subject: str, lines: list[str]) -> None:
    text = "\n\n".join(lines) + "\n\n— Portfolio\n"
    html = "".join(f"<p>{_html_line(line)}</p>" for line in lines) + "<p>— Portfolio</p>"
    backend = configured_backend()
    try:
        backend.send(Message(to=to, subject=subject, text=text, html=html))
    finally:
        backend.close()


def _html_line(line: str) -> str:
    if line.startswith("http://") or line.startswith("https://"):
        return f'<a href="{escape(line)}">{escape(line)}</a>'
    return str(escape(line))


def invite(email: str, name: str, by: User) -> User:
    """An account without password for an agent, and the e-mail that tells them how to sign in."""
    user = create_user(email, name, password=None)
    how = (
        "Connectez-vous avec ProConnect, avec l’adresse électronique de votre administration :"
        if current_app.config.get("OIDC_DISCOVERY_URL")
        else "Demandez un lien de connexion par e-mail sur la page de connexion :"
    )
    try:
        _send(
            user.email,
            "Votre accès à Portfolio",
            [
                f"Bonjour {user.name},",
                f"{by.name} vous a ouvert un compte sur Portfolio, le suivi des startups d’État.",
                how,
                _link("accounts.login"),
            ],
        )
    except MailError as error:
        raise AccountError(f"Le compte n’a pas été créé : l’e-mail d’invitation n’a pas pu partir ({error}).") from error
    return user


def send_magic_link(email: str) -> None:
    """Mail a sign-in link to the address if it has an active account; nothing otherwise (the
    page answers the same either way)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["MAGIC_LINK_MINUTES"]
    token = tokens.issue(user, tokens.MAGIC_LINK, timedelta(minutes=minutes))
    _deliver_quietly(
        user.email,
        "Votre lien de connexion à Portfolio",
        [
            f"Bonjour {user.name},",
            f"Pour vous connecter à Portfolio, ouvrez ce lien dans les {minutes} minutes ; il ne sert qu’une fois :",
            _link("sign_in.magic_link", token=token),
            "Si vous n’avez rien demandé, ignorez ce message : personne ne peut se connecter sans ce lien.",
        ],
    )


def send_password_reset(email: str) -> None:
    """Mail a reset link to the address if it has an active account with a password."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.has_password:
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    token = tokens.issue(user, tokens.PASSWORD_RESET, timedelta(minutes=minutes))
    _deliver_quietly(
        user.email,
        "Réinitialiser votre mot de passe Portfolio",
        [
            f"Bonjour {user.name},",
            f"Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {minutes} minutes ; il ne sert qu’une fois :",
            _link("sign_in.password_reset", token=token),
            "Si vous n’avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
        ],
    )


def _deliver_quietly(to: str, subject: str, lines: list[str]) -> None:
    # The page must not reveal whether the address has an account: a failed delivery is logged
    # for the admins, not shown.
    try:
        _send(to, subject, lines)
    except MailError as error:
        current_app.logger.error("sign-in e-mail to %s failed: %s", to, error)


def redeem_magic_link(token: str) -> User | None:
    return tokens.redeem(token, tokens.MAGIC_LINK)


def reset_password(token: str, new_password: str) -> User | None:
    """The new password of the token's account (its other sessions end), or None when the link
    does not work (any more)."""
    check_password_strength(new_password)
    user = tokens.redeem(token, tokens.PASSWORD_RESET)
    if user is None:
        return None
    _set_password(user, new_password, action="reset_password")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise WrongPassword("Le mot de passe actuel est incorrect.")
    check_password_strength(new_password)
    if current_password == new_password:
        raise AccountError("Le nouveau mot de passe doit être différent de l’actuel.")
    _set_password(user, new_password, action="change_password")


def _set_password(user: User, new_password: str, action: str) -> None:
    # A new password ends every session opened with the old one (the caller logs the person in again).
    with described(action=action):
        user.set_password(new_password)
        user.end_sessions()
        db.session.flush()
