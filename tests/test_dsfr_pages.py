"""DSFR completeness: the footer's mandatory links (accessibilité, mentions légales, données
personnelles) on every page, their public pages, the accessibility declaration saying "non
conforme" until an audit; a breadcrumb on every page below home, without a doubled crumb."""
import re

import pytest
from sqlalchemy import select

from portfolio.accounts.models import User
from portfolio.extensions import db
from portfolio.funding.models import Convention
from governance_helpers import held_committee
from portfolio.api.tokens import create_token
from portfolio.governance import calendar, operations
from portfolio.governance.models import Meeting
from portfolio.reminders.models import OutboxMessage
from portfolio.startups.models import Startup

FOOTER_LINKS = {
    "/accessibilite": "Accessibilité : non conforme",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
}


def footer_of(html: str) -> str:
    return html[html.index('<footer'):]


@pytest.mark.parametrize("url", FOOTER_LINKS)
def test_the_footer_pages_are_public_with_their_breadcrumb(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="fr-breadcrumb"' in html and 'aria-current="page"' in html
    for link, label in FOOTER_LINKS.items():
        assert f'href="{link}">{label}</a>' in footer_of(html)


def test_the_accessibility_declaration_says_non_conforme_until_an_audit(client):
    html = client.get("/accessibilite").get_data(as_text=True)
    assert "Déclaration d’accessibilité" in html
    assert re.search(r'data-testid="accessibility-status">Portfolio est <strong>non conforme</strong>', html)
    assert "aucun audit de conformité n’a encore été réalisé" in html
    assert "Défenseur des droits" in html


def test_the_login_page_has_the_footer_links(client):
    footer = footer_of(client.get("/login").get_data(as_text=True))
    assert all(f'href="{link}"' in footer for link in FOOTER_LINKS)


def crumbs(html: str) -> list[str]:
    nav = re.search(r'<nav role="navigation" class="fr-breadcrumb.*?</nav>', html, re.S)
    return [re.sub(r"\s+", " ", label).strip() for label in re.findall(r'class="fr-breadcrumb__link"[^>]*>([^<]*)<', nav.group(0))] if nav else []


@pytest.fixture
def admin_pages(app, demo, make_user, login):
    """Every page (GET, HTML) an admin can open with the demo's objects, by URL."""
    from flask import url_for

    admin = make_user("admin")
    login(admin)
    # A committee held today: its attendance, minutes, decisions and closing pages are open.
    meeting = held_committee(title="Comité tenu ce matin")
    operations.add_participant(meeting, "sponsor", name="Référente DGE", email="sponsor@dge.gouv.fr", organisation="DGE")
    calendar.create_token(admin)
    coach = db.session.scalar(select(User).where(User.email == "coach@demo.beta.gouv.fr"))
    convention = db.session.scalars(select(Convention).order_by(Convention.id)).first()
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    token = create_token(admin, "Tableau de bord").token
    message = OutboxMessage(sender="portfolio@beta.gouv.fr", to="coach@demo.beta.gouv.fr", subject="Rappel",
                            text_body="Bonjour", html_body="<p>Bonjour</p>")
    db.session.add(message)
    db.session.commit()
    first = lambda items: items[0].id if items else None  # noqa: E731
    values = {
        "slug": "signaux-faibles",
        "user_id": coach.id,
        "grant_id": coach.roles[0].id,
        "meeting_id": meeting.id,
        "review_id": meeting.reviews[0].id,
        "participant_id": first(meeting.participants),
        "convention_id": convention.id,
        "party_id": first(convention.parties),
        "obligation_id": first(convention.obligations),
        "line_id": first(convention.lines),
        "quarter": f"{convention.signed_on.year}-T{(convention.signed_on.month - 1) // 3 + 1}",
        "milestone_id": first(startup.milestones),
        "span_id": first(startup.phase_spans),
        "member_id": first(startup.team),
        "indicator_id": first(startup.indicators),
        "message_id": message.id,
        "token_id": token.id,
    }
    values = {name: value for name, value in values.items() if value is not None}
    skipped = {"static", "core.home", "core.healthz", "accounts.login", "api.startup", "governance_calendar.feed"}
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            # The sign-in pages are, like the login page, for people not signed in yet.
            if rule.endpoint.startswith("sign_in."):
                continue
            if "GET" not in rule.methods or rule.endpoint in skipped or not set(rule.arguments) <= set(values):
                continue
            urls.append(url_for(rule.endpoint, **{name: values[name] for name in rule.arguments}))
    return urls


def test_every_page_below_home_has_a_breadcrumb_without_a_doubled_crumb(client, admin_pages):
    checked, wrong = [], {}
    for url in admin_pages:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        labels = crumbs(html)
        checked.append(url)
        if not labels or labels[0] != "Accueil":
            wrong[url] = "no breadcrumb"
        elif len(labels) < 2:
            wrong[url] = "the breadcrumb names no page"
        elif any(a == b for a, b in zip(labels, labels[1:])):
            wrong[url] = f"doubled crumb in {labels}"
        elif html.count('aria-current="page"', html.index("fr-breadcrumb"), html.index("</nav>", html.index("fr-breadcrumb"))) != 1:
            wrong[url] = "not one current page"
    assert wrong == {}
    assert len(checked) >= 75, checked
    for admin_url in ("/admin/users", "/admin/audit", "/admin/import", "/admin/reminders", "/admin/outbox"):
        assert admin_url in checked


def test_every_icon_the_templates_use_is_in_the_dsfr_css_the_pages_load():
    """An icon class missing from dsfr.min.css and utility/icons/icons.min.css (the two sheets
    base.html loads, copied by the Makefile's assets target) shows a filled square."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sheets = [root / "portfolio/static/dsfr" / name for name in ("dsfr.min.css", "utility/icons/icons.min.css")]
    if not all(sheet.exists() for sheet in sheets):
        dist = root / "node_modules/@gouvfr/dsfr/dist"
        sheets = [dist / name for name in ("dsfr.min.css", "utility/icons/icons.min.css")]
    if not all(sheet.exists() for sheet in sheets):
        pytest.skip("DSFR assets not installed (make assets)")
    css = "".join(sheet.read_text() for sheet in sheets)
    used = {name for path in (root / "templates").rglob("*.html")
            for name in re.findall(r"\bfr-icon-[a-z0-9-]+", path.read_text())}
    assert used, "no icon found in the templates"
    missing = sorted(name for name in used if f".{name}:" not in css and f".{name}::" not in css)
    assert missing == []
