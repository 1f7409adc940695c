"""In the browser: the chair records "Matrice certifiée" with its day on a startup (a day in the
future is refused first, in French, nothing saved); the startup page shows the level with its day
and who certified it; the portfolio filtered on it lists the startup; its intrapreneur can neither
find the form nor open it."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.timeutil import today_in_paris

pytestmark = pytest.mark.browser


def _logout(page) -> None:
    page.context.clear_cookies()


def test_the_chair_certifies_the_impact_matrix_and_the_portfolio_filters_on_it(page, demo):
    from portfolio.extensions import db
    from portfolio.startups.models import ImpactCertification

    certified_on = today_in_paris() - timedelta(days=12)
    browser_login(page, "presidente@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles")
    expect(page.get_by_test_id("impact")).to_contain_text("Aucun niveau d’impact enregistré.")
    page.get_by_role("link", name="Enregistrer un niveau d’impact").click()
    page.get_by_label("Niveau d’impact", exact=True).select_option(label="Matrice certifiée")
    page.get_by_label("Certifié par").fill("Coachs produit de la DINUM")
    page.get_by_label("Date du niveau d’impact").fill((today_in_paris() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Enregistrer le niveau d’impact").click()
    expect(page.get_by_test_id("rule-error")).to_contain_text("ne peut pas être dans le futur")
    assert db.session.query(ImpactCertification).count() == 0, "nothing saved"

    page.get_by_label("Date du niveau d’impact").fill(certified_on.isoformat())
    page.get_by_role("button", name="Enregistrer le niveau d’impact").click()
    expect(page.get_by_text(f"Niveau d’impact de Signaux Faibles : « Matrice certifiée » au {certified_on:%d/%m/%Y}.")).to_be_visible()
    impact = page.get_by_test_id("impact")
    expect(impact.locator("[data-impact]").first).to_have_text("Matrice certifiée")
    expect(impact).to_contain_text(f"Depuis le {certified_on:%d/%m/%Y}, certifié par Coachs produit de la DINUM.")
    impact.get_by_role("button", name=re.compile("Historique des niveaux d’impact")).click()
    expect(page.get_by_test_id("impact-history")).to_contain_text("Claire Lefèvre")

    page.goto("/startups/")
    page.get_by_label("Niveau d’impact certifié").select_option(label="Matrice certifiée")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"impact=certified"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Signaux Faibles")
    expect(rows.first).to_contain_text(f"Matrice certifiée — {certified_on:%d/%m/%Y}")

    _logout(page)
    browser_login(page, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles")
    expect(page.get_by_test_id("impact")).to_contain_text("Matrice certifiée")
    expect(page.get_by_role("link", name="Enregistrer un niveau d’impact")).to_have_count(0)
    response = page.goto("/startups/signaux-faibles/impact")
    assert response.status == 403
    expect(page.locator("main")).not_to_contain_text("Enregistrer le niveau d’impact")
