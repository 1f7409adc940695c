"""Log in and out; the admin's pages for accounts and roles."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from portfolio.accounts.access import public, requires
from portfolio.accounts.forms import ConfirmForm, LoginForm, RoleGrantForm, UserCreateForm
from portfolio.accounts.models import RoleGrant, User
from portfolio.core.public_urls import public_url
from portfolio.core.redirects import safe_path
from portfolio.accounts import oidc, operations
from portfolio.audit.queries import history_of
from portfolio.extensions import db, limiter


LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


def _safe_next(target: str | None) -> str:
    return safe_path(target, url_for("core.home"))


@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    password_login = current_app.config["PASSWORD_LOGIN_ENABLED"]
    if request.method == "POST" and not password_login:
        abort(404)
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.find_user_by_email(form.email.data)
        # The same message whether the address is unknown, the password wrong or the
        # account deactivated: the page never tells which addresses have an account.
        if user is not None and user.check_password(form.password.data) and login_user(user):
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(LOGIN_FAILED)
        return render_template("accounts/login.html", form=form, failed=True, **_ways_in()), 401
    return render_template("accounts/login.html", form=form, **_ways_in())


def _ways_in() -> dict:
    """What the login page offers besides its password form."""
    return {
        "password_login": current_app.config["PASSWORD_LOGIN_ENABLED"],
        "proconnect": oidc.is_configured(),
        "next_path": request.args.get("next") or "",
    }


@requires("home.view")
def logout():
    ConfirmForm()  # the CSRF check runs for every POST; nothing else to read
    # Server-side: a copy of this session cookie stops working too.
    operations.end_sessions(current_user._get_current_object(), action="logout")
    db.session.commit()
    id_token = session.pop(oidc.ID_TOKEN_KEY, None)
    logout_user()
    flash("Vous êtes déconnecté·e.", "info")
    # Signed in through ProConnect: end the provider's session too, which sends the person back here.
    provider_logout = oidc.logout_url(public_url("accounts.login"), id_token)
    return redirect(provider_logout or url_for("accounts.login"))


@requires("users.manage")
def user_list():
    query = request.args.get("q", "").strip()
    statement = select(User).order_by(User.name, User.id)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.name.ilike(pattern)))
    page = db.paginate(statement, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("accounts/user_list.html", page=page, query=query)


@requires("users.manage")
def user_create():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(form.email.data, form.name.data, form.password.data)
            if form.role.data:
                operations.grant_role(user, form.role.data, form.scope.data, by=current_user)
        except operations.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("accounts/user_form.html", form=form), 422
        db.session.commit()
        flash(f"Le compte de {user.name} est créé.", "success")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/user_form.html", form=form), status


@requires("users.manage")
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template(
        "accounts/user_detail.html",
        user=user,
        grant_form=RoleGrantForm(),
        history=history_of(user, *user.roles),
    )


@requires("users.manage")
def role_grant(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleGrantForm()
    if form.validate_on_submit():
        try:
            grant = operations.grant_role(user, form.role.data, form.scope.data, by=current_user)
        except operations.AccountError as error:
            db.session.rollback()
            form.scope.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Rôle accordé : {grant.label}.", "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return (
        render_template(
            "accounts/user_detail.html", user=user, grant_form=form, history=history_of(user, *user.roles)
        ),
        422,
    )


@requires("users.manage")
def role_revoke(user_id: int, grant_id: int):
    grant = db.get_or_404(RoleGrant, grant_id)
    if grant.user_id != user_id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        label = grant.label
        try:
            operations.revoke_role(grant, by=current_user)
        except operations.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Rôle retiré : {label}.", "success")
        return redirect(url_for("accounts.user_detail", user_id=user_id))
    return render_template(
        "accounts/confirm.html",
        form=form,
        title="Retirer un rôle",
        question=f"Retirer à {grant.user.name} le rôle « {grant.label} » ?",
        confirm_label="Retirer le rôle",
        cancel_url=url_for("accounts.user_detail", user_id=user_id),
        crumb=("Comptes", url_for("accounts.user_list"), grant.user.name, url_for("accounts.user_detail", user_id=user_id)),
    )


@requires("users.manage")
def user_deactivate(user_id: int):
    return _set_active(user_id, active=False)


@requires("users.manage")
def user_reactivate(user_id: int):
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.set_active(user, active, by=current_user)
        except operations.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            state = "réactivé" if active else "désactivé"
            flash(f"Le compte de {user.name} est {state}.", "success")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    verb = "Réactiver" if active else "Désactiver"
    consequence = "" if active else " Cette personne ne pourra plus se connecter ; son historique est conservé."
    return render_template(
        "accounts/confirm.html",
        form=form,
        title=f"{verb} un compte",
        question=f"{verb} le compte de {user.name} ({user.email}) ?{consequence}",
        confirm_label=f"{verb} le compte",
        cancel_url=url_for("accounts.user_detail", user_id=user.id),
        crumb=("Comptes", url_for("accounts.user_list"), user.name, url_for("accounts.user_detail", user_id=user.id)),
    )
