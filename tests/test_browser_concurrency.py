"""Two browsers on one startup's edit form (Debian's Chromium): the later submission meets the
conflict page with both versions, then keeps its own with "Enregistrer ma version"."""
import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, browser_login
from portfolio.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_two_people_edit_a_startup_and_the_later_one_chooses_on_the_conflict_page(page, browser, live_server, demo, make_user):
    admin = make_user("admin", name="Alice Admin")
    other = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        admin_tab = other.new_page()
        browser_login(admin_tab, admin.email, PASSWORD)
        browser_login(page, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
        page.goto("/startups/signaux-faibles/edit")
        admin_tab.goto("/startups/signaux-faibles/edit")

        admin_tab.get_by_label("Mission (pitch)").fill("La mission selon Alice.")
        admin_tab.get_by_role("button", name="Enregistrer").click()
        admin_tab.wait_for_url(re.compile(r"/startups/signaux-faibles$"))

        page.get_by_label("Mission (pitch)").fill("La mission selon le coach.")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Modification concurrente")
        expect(page.get_by_test_id("conflict")).to_contain_text("Rien n’a été enregistré")
        row = page.get_by_test_id("conflict-fields").locator("tr", has_text="Mission (pitch)")
        expect(row).to_contain_text("La mission selon Alice.")
        expect(row).to_contain_text("modifié par Alice Admin")
        expect(row).to_contain_text("La mission selon le coach.")

        page.get_by_role("button", name="Enregistrer ma version").click()
        page.wait_for_url(re.compile(r"/startups/signaux-faibles$"))
        expect(page.get_by_text("La mission selon le coach.", exact=True)).to_be_visible()
    finally:
        other.close()
