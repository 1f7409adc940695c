"""The type-ahead's suggestions, as JSON (`{"items": [{"value", "label", "hint"}]}`): startups,
incubators and organisations whose name, acronym or slug contains the typed text (`?q=`), at most
SUGGESTION_LIMIT, in one statement. Read by `static/core/suggest.js` on any text field marked
`data-suggest`; the pages resolve what it puts in the field through the same rules
(`portfolio.startups.pickers`)."""
from flask import jsonify, request

from portfolio.accounts.access import requires
from portfolio.extensions import db
from portfolio.startups import pickers
from portfolio.startups.folding import install_text_folding as install_on


def install_text_folding(state) -> None:
    """The pickers fold names in SQL: SQLite's connections need the folding function (idempotent)."""
    with state.app.app_context():
        install_on(db.engine)


def _answer(find):
    typed = request.args.get("q", "")
    if len(typed) > pickers.MAX_TYPED:
        # Not an error for the script (it would log one): no suggestion, and why.
        return jsonify(items=[], message=f"Texte trop long : {pickers.MAX_TYPED} caractères au plus.")
    response = jsonify(items=[suggestion.as_json() for suggestion in find(typed)])
    # Private: what a person may see; short-lived, so that a new startup is offered at once.
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@requires("startup.view")
def startup_suggestions():
    return _answer(pickers.startup_suggestions)


@requires("startup.view")
def incubator_suggestions():
    return _answer(pickers.incubator_suggestions)


@requires("startup.view")
def organisation_suggestions():
    """`?sponsoring=1`: only the organisations that sponsor a startup (for the sponsor filter)."""
    sponsoring = request.args.get("sponsoring") == "1"
    return _answer(lambda typed: pickers.organisation_suggestions(typed, sponsoring=sponsoring))
