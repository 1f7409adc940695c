"""The tables people come to read: at 1280 px each fits its box (no sideways scrolling) with the
columns its reader comes for; at 375 px its rows are stacked, so that neither the table nor the
page is wider than the phone."""
import pytest
from playwright.sync_api import expect

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# url, test id of the table, the columns its reader comes for
TABLES = [
    ("/startups/", "portfolio-table", ["Startup", "Incubateur", "Phase et depuis", "Signalements", "Prochain comité"]),
    ("/governance/next-committees", "next-committees-table", ["Startup", "Statut", "Prochain comité", "Dernier comité et financement"]),
    ("/governance/meetings", "meeting-table", ["Date", "Réunion", "Startups examinées", "Statut"]),
    ("/funding/", "conventions", ["Référence", "Statut", "Totaux", "Alertes"]),
    ("/admin/audit", "history", ["Quand et qui", "Objet", "Action", "Changement"]),
    ("/startups/signaux-faibles/history", "history", ["Quand et qui", "Objet", "Action", "Changement"]),
]

OVERFLOW = """(testid) => {
  const table = document.querySelector(`[data-testid="${testid}"] table`);
  const box = table.closest('.fr-table__wrapper') || table.parentElement;
  return {table: table.scrollWidth, box: box.clientWidth,
          page: document.documentElement.scrollWidth, view: window.innerWidth};
}"""


@pytest.mark.parametrize("width", [1280, 375])
def test_each_table_shows_its_columns_without_overflow(page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(page, "admin@demo.beta.gouv.fr", DEMO_PASSWORD)
    for url, testid, columns in TABLES:
        response = page.goto(url)
        assert response.status == 200, url
        table = page.get_by_test_id(testid)
        expect(table.locator("thead th")).to_have_text(columns)
        sizes = page.evaluate(OVERFLOW, testid)
        assert sizes["page"] <= sizes["view"], (url, width, sizes)
        # On a phone too every column shows: each row is stacked, a cell a line under its column's name.
        assert sizes["table"] <= sizes["box"] + 2, (url, width, sizes)
        if width == 375:
            expect(table.locator("tbody td[data-label]").first).to_be_visible()


def test_hidden_cell_labels_do_not_widen_a_phone_page(page, demo):
    """A `fr-sr-only` text in a table's body cell ("Préparer la revue de …", "Déposer le compte rendu
    du …") is positioned absolutely: it must stay inside the table's scrolling box, not push the page
    wider than the phone."""
    from sqlalchemy import select

    from portfolio.extensions import db
    from portfolio.funding.models import Convention
    from portfolio.governance.models import Meeting

    meeting_id = db.session.scalar(select(Meeting.id).order_by(Meeting.id))
    convention_id = db.session.scalar(select(Convention.id).order_by(Convention.id))
    page.set_viewport_size({"width": 375, "height": 800})
    browser_login(page, "admin@demo.beta.gouv.fr", DEMO_PASSWORD)
    for url in (f"/governance/meetings/{meeting_id}", f"/funding/conventions/{convention_id}/reports"):
        assert page.goto(url).status == 200, url
        assert page.locator("tbody .fr-sr-only").count() > 0, url
        sizes = page.evaluate("() => ({page: document.documentElement.scrollWidth, view: window.innerWidth})")
        assert sizes["page"] <= sizes["view"], (url, sizes)
