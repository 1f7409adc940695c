"""Signing in without a password (ProConnect, a link by e-mail) and resetting a forgotten password."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user

from portfolio.accounts import oidc, sign_in, tokens
from portfolio.accounts.access import public
from portfolio.accounts.forms import ConfirmForm
from portfolio.accounts.operations import AccountError
from portfolio.accounts.sign_in_forms import EmailRequestForm, PasswordResetForm
from portfolio.core.public_urls import public_url
from portfolio.core.redirects import safe_path
from portfolio.extensions import db, limiter


NEXT_KEY = "sign_in_next"
LINK_SENT = (
    "Si un compte Portfolio correspond à cette adresse, un e-mail vient d’y être envoyé. "
    "Le lien qu’il contient est valable {minutes} minutes et ne sert qu’une fois."
)
LINK_INVALID = "Ce lien n’est pas valable : il a déjà servi, il a expiré ou il a été remplacé par un plus récent."


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_path(target: str | None) -> str:
    return safe_path(target, url_for("core.home"))


def _require_oidc() -> None:
    if not oidc.is_configured():
        abort(404)


def _require_password_login() -> None:
    if not current_app.config["PASSWORD_LOGIN_ENABLED"]:
        abort(404)


@public
def proconnect_start():
    _require_oidc()
    session[NEXT_KEY] = _safe_path(request.args.get("next"))
    # From PUBLIC_URL, as registered at the provider: never the Host header a proxy or a client chose.
    return oidc.authorization_redirect(public_url("sign_in.proconnect_callback"))


@public
def proconnect_callback():
    _require_oidc()
    try:
        agent, id_token = oidc.finish_sign_in()
        user = sign_in.account_of_agent(agent)
    except oidc.SignInError as error:
        db.session.rollback()
        return render_template("accounts/sign_in_refused.html", reason=str(error), admins=[]), 400
    except sign_in.UnknownAgent as error:
        db.session.rollback()
        return (
            render_template("accounts/sign_in_refused.html", reason=str(error), admins=sign_in.administrators()),
            403,
        )
    db.session.commit()
    login_user(user)
    oidc.remember_id_token(id_token)
    return redirect(_safe_path(session.pop(NEXT_KEY, None)))


@public
@limiter.limit(_login_limit, methods=["POST"])
def magic_link_request():
    form = EmailRequestForm()
    if form.validate_on_submit():
        sign_in.send_magic_link(form.email.data)
        db.session.commit()
        flash(LINK_SENT.format(minutes=current_app.config["MAGIC_LINK_MINUTES"]), "info")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/magic_link_request.html", form=form), status


@public
@limiter.limit(_login_limit, methods=["POST"])
def magic_link(token: str):
    # Opening the link shows a button: mail scanners that fetch links do not spend it.
    form = ConfirmForm()
    if form.validate_on_submit():
        user = sign_in.redeem_magic_link(token)
        if user is None:
            db.session.rollback()
            return render_template("accounts/link_invalid.html", message=LINK_INVALID), 410
        db.session.commit()
        login_user(user)
        flash(f"Bienvenue, {user.name}.", "success")
        return redirect(url_for("core.home"))
    if tokens.find_valid(token, tokens.MAGIC_LINK) is None:
        return render_template("accounts/link_invalid.html", message=LINK_INVALID), 410
    return render_template("accounts/magic_link_confirm.html", form=form)


@public
@limiter.limit(_login_limit, methods=["POST"])
def password_forgot():
    _require_password_login()
    form = EmailRequestForm()
    if form.validate_on_submit():
        sign_in.send_password_reset(form.email.data)
        db.session.commit()
        flash(LINK_SENT.format(minutes=current_app.config["PASSWORD_RESET_MINUTES"]), "info")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password_forgot.html", form=form), status


@public
@limiter.limit(_login_limit, methods=["POST"])
def password_reset(token: str):
    _require_password_login()
    if tokens.find_valid(token, tokens.PASSWORD_RESET) is None:
        return render_template("accounts/link_invalid.html", message=LINK_INVALID), 410
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            user = sign_in.reset_password(token, form.new_password.data)
        except AccountError as error:
            db.session.rollback()
            form.new_password.errors.append(str(error))
        else:
            if user is None:
                db.session.rollback()
                return render_template("accounts/link_invalid.html", message=LINK_INVALID), 410
            db.session.commit()
            flash("Votre mot de passe est changé. Connectez-vous avec le nouveau.", "success")
            return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password_reset.html", form=form), status

