"""The search page: the header's search bar sends its text here (`GET /search?q=`). Every kind of
result the person may read, a few of each with their count and a link to all of them
(`&kind=meetings`), which pages through that kind alone."""
from flask import current_app, render_template, request
from flask_login import current_user

from portfolio.accounts.access import requires
from portfolio.search import queries


def _page(status: int = 200, **context):
    context.setdefault("groups", [])
    context.setdefault("message", None)
    return render_template("search/results.html", **context), status


@requires("startup.view")
def results():
    text = " ".join(request.args.get("q", "").split())
    kinds = queries.readable_kinds(current_user)
    kind = request.args.get("kind") or None
    context = {"text": text, "kind": kind, "kinds": kinds, "labels": queries.KINDS, "max_text": queries.MAX_TEXT}
    if kind is not None and kind not in kinds:
        context["kind"] = None
        if kind in queries.KINDS:
            message = f"Vous n’avez pas accès aux {queries.KINDS[kind][1]} : cherchez parmi les autres résultats."
            return _page(403, **context, message=message)
        return _page(400, **context, message=f"Type de résultat inconnu : « {kind} ». Cherchez parmi tous les résultats.")
    if not text:
        return _page(**context, message="Saisissez le nom d’une startup, d’une réunion ou d’une convention à rechercher.")
    if len(text) > queries.MAX_TEXT:
        return _page(
            400, **context,
            message=f"Votre recherche est trop longue : {queries.MAX_TEXT} caractères au plus. Raccourcissez-la.",
        )
    if kind is None:  # every kind, a few results each
        groups = queries.search(current_user, text, kinds, page=1, per_page=queries.PREVIEW)
    else:
        groups = queries.search(current_user, text, [kind], page=None, per_page=current_app.config["PAGE_SIZE"])
    return _page(**context, groups=groups, total=sum(group.page.total for group in groups))
