"""The home in Chromium: the intrapreneur reaches the preparation of their next committee in one
click; each persona's home reads at 375 px without sideways scrolling of the page."""
import re

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD, PERSONAS

pytestmark = pytest.mark.browser


def test_the_intrapreneur_reaches_their_preparation_from_home_in_one_click(page, demo):
    browser_login(page, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    card = page.get_by_test_id("my-startup")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=3)).to_have_text("Signaux Faibles")
    expect(card.get_by_test_id("my-startup-review")).to_contain_text("Manquante")
    card.get_by_role("link", name="Préparer la revue de Signaux Faibles").click()
    expect(page).to_have_url(re.compile(r"/governance/reviews/\d+/preparation$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Préparer la revue de Signaux Faibles")


@pytest.mark.parametrize("email", [email for email, _, _, _ in PERSONAS], ids=[role for _, _, role, _ in PERSONAS])
def test_each_home_reads_on_a_phone_without_sideways_scrolling(page, demo, email):
    page.set_viewport_size({"width": 375, "height": 800})
    browser_login(page, email, DEMO_PASSWORD)
    sizes = page.evaluate("() => ({page: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert sizes["page"] <= sizes["view"], sizes
    expect(page.get_by_test_id("home-todo")).to_be_visible()
