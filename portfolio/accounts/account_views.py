"""The person's own account page (/compte: password change) and the admin's invitation by e-mail."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from portfolio.accounts import oidc, operations, sign_in
from portfolio.accounts.access import requires
from portfolio.accounts.sign_in_forms import InviteForm, PasswordChangeForm
from portfolio.extensions import db


def _may_change_password(user) -> bool:
    return user.has_password and current_app.config["PASSWORD_LOGIN_ENABLED"]


def _account_page(form: PasswordChangeForm, status: int = 200):
    user = current_user._get_current_object()
    return (
        render_template(
            "accounts/account.html",
            user=user,
            password_form=form if _may_change_password(user) else None,
            proconnect_linked=user.oidc_sub is not None,
            proconnect=oidc.is_configured(),
        ),
        status,
    )


@requires("home.view")
def show():
    return _account_page(PasswordChangeForm())


@requires("home.view")
def password_change():
    user = current_user._get_current_object()
    if not _may_change_password(user):
        abort(404)
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            sign_in.change_password(user, form.current_password.data, form.new_password.data)
        except operations.AccountError as error:
            db.session.rollback()
            field = form.current_password if isinstance(error, sign_in.WrongPassword) else form.new_password
            field.errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # this session goes on with the new version; every other one has ended
            flash("Votre mot de passe est changé. Vos autres sessions sont fermées.", "success")
            return redirect(url_for("account.show"))
    return _account_page(form, 422)


@requires("users.manage")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = sign_in.invite(form.email.data, form.name.data, by=current_user)
            if form.role.data:
                operations.grant_role(user, form.role.data, form.scope.data, by=current_user)
        except operations.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("accounts/invite.html", form=form), 422
        db.session.commit()
        flash(f"{user.name} est invité·e : un e-mail lui explique comment se connecter.", "success")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/invite.html", form=form), status
