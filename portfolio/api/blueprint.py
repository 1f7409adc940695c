"""The URL map of the api domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.api import docs_views, token_views, views

api_docs = Blueprint("api_docs", __name__, url_prefix="/api/v1")
api_tokens = Blueprint("api_tokens", __name__, url_prefix="/compte/jetons")
api = Blueprint("api", __name__, url_prefix="/api")

api_docs.add_url_rule("/openapi.json", view_func=docs_views.openapi_json)
api_docs.add_url_rule("/docs", view_func=docs_views.docs)

api_tokens.add_url_rule("", methods=["GET", "POST"], view_func=token_views.token_list)
api_tokens.add_url_rule("/<int:token_id>/revoquer", methods=["GET", "POST"], view_func=token_views.token_revoke)

api.add_url_rule("/startups/<slug>", view_func=views.startup)
