"""Finance in Chromium: records a convention with a party and a line and sees its warning; records
an amendment on the demo convention and reads the amounts before and after it."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.demo.funding import REFERENCE
from portfolio.extensions import db
from portfolio.funding.models import Convention

pytestmark = pytest.mark.browser
FINANCE = "finance@demo.beta.gouv.fr"


def test_finance_records_a_convention_with_a_party_and_a_line_and_sees_a_warning(page, demo):
    browser_login(page, FINANCE, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Conventions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conventions")
    expect(page.get_by_test_id("conventions")).to_contain_text(REFERENCE)

    page.get_by_role("link", name="Enregistrer une convention").click()
    page.locator("#reference").fill("DINUM-DGE-2024")
    page.locator("#title").fill("Partenariat Place des Entreprises 2024")
    page.locator("#kind").select_option(label="Convention de partenariat")
    page.locator("#uo").fill("0218-CESG-CMOD")
    page.locator("#signed_on").fill("2024-02-01")
    page.get_by_role("button", name="Enregistrer la convention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partenariat Place des Entreprises 2024")
    expect(page.get_by_test_id("status")).to_have_text("Brouillon")

    page.get_by_role("link", name="Ajouter une partie").click()
    page.locator("#role").select_option(label="Porteur de projets")
    page.locator("#organisation").press_sequentially("dge")
    page.get_by_role("option", name="DGE — Direction générale des entreprises").click()
    page.locator("#address").fill("67 rue Barbès, 94201 Ivry-sur-Seine Cedex")
    page.locator("#representative_name").fill("M. Thomas Courbes")
    page.locator("#signatory_name").fill("Raphaël KELLER")
    page.get_by_role("button", name="Enregistrer la partie").click()
    expect(page.get_by_test_id("parties")).to_contain_text("Raphaël KELLER")

    page.get_by_role("link", name="Ajouter une ligne").click()
    page.locator("#startup").fill("Place des Entreprises")
    page.locator("#fiscal_year").fill("2024")
    page.locator("#ae").fill("12,345")
    page.locator("#cp").fill("150 000")
    page.get_by_role("button", name="Enregistrer la ligne").click()
    expect(page.get_by_text("deux décimales au plus")).to_be_visible()
    page.locator("#ae").fill("100 000")
    page.locator("#uo").fill("0218-CE5G-CAOD")
    page.get_by_role("button", name="Enregistrer la ligne").click()

    lines = page.get_by_test_id("lines")
    expect(lines).to_contain_text("100 000 €")
    expect(lines).to_contain_text("150 000 €")
    warnings = page.get_by_test_id("warnings")
    expect(warnings.locator("li[data-code='cp_differs_from_ae']")).to_contain_text("Place des Entreprises (2024)")
    expect(warnings.locator("li[data-code='uo_differs']")).to_contain_text("0218-CE5G-CAOD")


def test_an_amendment_changes_a_line_and_the_as_of_view_shows_old_and_new_amounts(page, demo):
    convention = db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))
    sf = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    browser_login(page, FINANCE, DEMO_PASSWORD)
    page.goto(f"/funding/conventions/{convention.id}")
    page.get_by_role("link", name="Enregistrer un avenant").click()
    expect(page.locator("#number")).to_have_value("1")
    page.locator("#signed_on").fill("2020-10-01")
    page.locator("#description").fill("Rallonge pour le déploiement national de Signaux Faibles")
    page.locator(f"#ae_{sf.id}").fill("200 000")
    page.locator(f"#cp_{sf.id}").fill("200 000")
    page.get_by_role("button", name="Enregistrer l’avenant").click()
    expect(page.get_by_test_id("amendments")).to_contain_text("Rallonge pour le déploiement national")

    row = page.get_by_test_id("lines").locator(f"tr[data-line='{sf.id}']")
    total = page.get_by_test_id("total")
    expect(row.get_by_test_id("ae")).to_have_text("200 000 €")
    expect(total).to_contain_text("400 000 €")

    page.locator("#on").fill("2020-09-30")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("as-of-day")).to_contain_text("30/09/2020")
    expect(row.get_by_test_id("ae")).to_have_text("168 000 €")
    expect(row.get_by_test_id("cp")).to_have_text("168 000 €")
    expect(total).to_contain_text("368 000 €")
    history = page.locator(f"[data-testid='line-history'][data-line='{sf.id}']")
    expect(history).to_contain_text("Avenant n° 1 du 01/10/2020")
    expect(history.locator("tr", has_text="Convention")).to_contain_text("En vigueur")

    page.get_by_role("link", name="revenir à aujourd’hui").click()
    expect(row.get_by_test_id("ae")).to_have_text("200 000 €")
    expect(history.locator("tr", has_text="Avenant n° 1")).to_contain_text("En vigueur")
