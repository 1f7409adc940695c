"""The URL map of the accounts domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.accounts import account_views, sign_in_views, views

account = Blueprint("account", __name__)
sign_in = Blueprint("sign_in", __name__)
accounts = Blueprint("accounts", __name__)

account.add_url_rule("/compte", view_func=account_views.show)
account.add_url_rule("/compte/mot-de-passe", methods=["POST"], view_func=account_views.password_change)
account.add_url_rule("/admin/users/invite", methods=["GET", "POST"], view_func=account_views.invite)

sign_in.add_url_rule("/connexion/proconnect", view_func=sign_in_views.proconnect_start)
sign_in.add_url_rule("/connexion/proconnect/retour", view_func=sign_in_views.proconnect_callback)
sign_in.add_url_rule("/connexion/lien", methods=["GET", "POST"], view_func=sign_in_views.magic_link_request)
sign_in.add_url_rule("/connexion/lien/<token>", methods=["GET", "POST"], view_func=sign_in_views.magic_link)
sign_in.add_url_rule("/mot-de-passe/oubli", methods=["GET", "POST"], view_func=sign_in_views.password_forgot)
sign_in.add_url_rule("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"], view_func=sign_in_views.password_reset)

accounts.add_url_rule("/login", methods=["GET", "POST"], view_func=views.login)
accounts.add_url_rule("/logout", methods=["POST"], view_func=views.logout)
accounts.add_url_rule("/admin/users", view_func=views.user_list)
accounts.add_url_rule("/admin/users/new", methods=["GET", "POST"], view_func=views.user_create)
accounts.add_url_rule("/admin/users/<int:user_id>", view_func=views.user_detail)
accounts.add_url_rule("/admin/users/<int:user_id>/roles", methods=["POST"], view_func=views.role_grant)
accounts.add_url_rule("/admin/users/<int:user_id>/roles/<int:grant_id>/revoke", methods=["GET", "POST"], view_func=views.role_revoke)
accounts.add_url_rule("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"], view_func=views.user_deactivate)
accounts.add_url_rule("/admin/users/<int:user_id>/reactivate", methods=["GET", "POST"], view_func=views.user_reactivate)
