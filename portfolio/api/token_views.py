"""The holder's page of personal API tokens (`/compte/jetons`): the list, creating one (its secret
shown once, on the answer to the creation), revoking one. Each person sees and revokes only theirs."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.api import tokens
from portfolio.api.forms import TokenForm
from portfolio.api.models import ApiToken
from portfolio.core.public_urls import public_url
from portfolio.extensions import db


def _page(form: TokenForm, new_token: tokens.NewToken | None = None, status: int = 200):
    response = render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user),
        new_token=new_token,
        api_url=public_url("api_v1.startups"),
        docs_url=public_url("api_docs.docs"),
    )
    return response, status, {"Cache-Control": "no-store"}


@requires("api.tokens")
def token_list():
    form = TokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    try:
        new_token = tokens.create_token(current_user, form.name.data)
    except tokens.TokenError as error:
        db.session.rollback()
        form.name.errors = [str(error)]
        return _page(form, status=422)
    db.session.commit()
    # Not a redirect: the secret exists only in this answer.
    return _page(TokenForm(formdata=None), new_token=new_token)


@requires("api.tokens")
def token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    authorize("api.tokens", token)
    if token.revoked_at is not None:
        flash("Ce jeton est déjà révoqué.", "info")
        return redirect(url_for(".token_list"))
    form = ConfirmForm()
    if form.validate_on_submit():
        tokens.revoke_token(token)
        db.session.commit()
        flash(f"Le jeton « {token.name} » est révoqué : les outils qui s’en servent reçoivent désormais une erreur 401.", "success")
        return redirect(url_for(".token_list"))
    return render_template(
        "accounts/confirm.html",
        form=form,
        title="Révoquer un jeton d’API",
        question=f"Révoquer le jeton « {token.name} » ? Les outils qui s’en servent perdront l’accès à l’API, définitivement.",
        confirm_label="Révoquer le jeton",
        cancel_url=url_for(".token_list"),
        crumb=("Mon compte", url_for("account.show"), "Mes jetons d’API", url_for(".token_list")),
    )
