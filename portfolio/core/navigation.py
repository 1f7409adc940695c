"""The header's menu: the sections each person may open, the current one marked. Built in Python
and kept as a fragment per (sections allowed, current section), so that every page pays a few
permission checks for it, not a template loop over every link."""
from flask import current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from portfolio.accounts.permissions import can
from portfolio.core import fragments

#: (endpoint, label, action allowing it), in menu order.
MAIN = (
    ("core.home", "Accueil", "home.view"),
    ("portfolio.startup_list", "Portefeuille", "startup.view"),
    ("funding.convention_list", "Conventions", "funding.view"),
    ("governance.meeting_list", "Comités", "meeting.view"),
    ("governance_next.next_committees", "Prochains comités", "governance.next"),
    ("reminders.todo", "À faire", "home.view"),
)
ADMINISTRATION = (
    ("accounts.user_list", "Comptes", "users.manage"),
    ("audit.log", "Journal d’audit", "audit.view"),
    ("imports.upload", "Import du registre", "imports.run"),
    ("reminders.admin_list", "Rappels", "reminders.manage"),
)


def _addresses() -> dict[str, str]:
    """Each menu entry's address (they take no argument: one computation per application)."""
    addresses = current_app.extensions.setdefault("menu_addresses", {})
    root = request.script_root
    if root not in addresses:
        addresses[root] = {endpoint: url_for(endpoint) for endpoint, _, _ in (*MAIN, *ADMINISTRATION)}
    return addresses[root]


def _current(addresses: dict[str, str]) -> str | None:
    """The entry whose address is the page's or one of its parents' (the home only for itself)."""
    path = request.path
    for endpoint, address in addresses.items():
        if path == address or (address != "/" and path.startswith(address.rstrip("/") + "/")):
            return endpoint
    return None


def menu() -> Markup:
    if not current_user.is_authenticated:
        return Markup("")
    addresses = _addresses()
    main = tuple((endpoint, label) for endpoint, label, action in MAIN if can(current_user, action))
    administration = tuple((endpoint, label) for endpoint, label, action in ADMINISTRATION if can(current_user, action))
    current = _current(addresses)
    return fragments.render("core/_menu.html", (main, administration, current, tuple(addresses.items())),
                            main=main, administration=administration, current=current, addresses=addresses)


def init_app(app) -> None:
    app.context_processor(lambda: {"menu": menu})
