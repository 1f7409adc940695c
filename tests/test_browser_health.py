"""In the browser: the chair records "à surveiller" with a reason on a review; the startup page
shows it with the committee's date; the portfolio filtered on "à surveiller" lists the startup."""
import re

from playwright.sync_api import expect

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.timeutil import today_in_paris


def test_the_chair_records_a_watch_health_and_the_portfolio_filters_on_it(page, demo):
    from governance_helpers import held_committee
    from portfolio.extensions import db
    from portfolio.governance import decisions

    meeting = held_committee(title="Comité santé")
    review = next(review for review in meeting.reviews if review.startup.slug == "signaux-faibles")
    decisions.record_decision(review, "continue_6_months")
    db.session.commit()
    meeting_id = meeting.id

    browser_login(page, "presidente@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto(f"/governance/meetings/{meeting_id}")
    page.get_by_role("link", name="Enregistrer la santé de Signaux Faibles").click()
    page.get_by_label("Santé de la startup").select_option(label="À surveiller")
    page.get_by_role("button", name="Enregistrer la santé").click()
    expect(page.get_by_text("Indiquez le motif de « À surveiller ».").first).to_be_visible()
    page.get_by_label("Motif").fill("L’usage baisse depuis deux mois.")
    page.get_by_role("button", name="Enregistrer la santé").click()
    expect(page.get_by_text("Santé de Signaux Faibles enregistrée.")).to_be_visible()
    expect(page.get_by_test_id("review-health").first).to_contain_text("À surveiller")

    page.goto("/startups/signaux-faibles")
    health = page.get_by_test_id("health")
    expect(health).to_contain_text("À surveiller")
    expect(health).to_contain_text(today_in_paris().strftime("%d/%m/%Y"))
    expect(health).to_contain_text("Comité santé")

    page.goto("/startups/")
    page.get_by_label("Santé au dernier comité").select_option(label="À surveiller")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"health=watch"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Signaux Faibles")
    expect(rows.first).to_contain_text("À surveiller")
