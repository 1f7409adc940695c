"""A coach filters the portfolio by phase and by text in Chromium, then downloads the CSV export."""
import csv
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.startups.models import Incubator, Organisation, PhaseSpan, Sponsorship, Startup

pytestmark = pytest.mark.browser


@pytest.fixture
def portfolio_data(demo):
    """The demo startups with known phases, and a third startup in investigation."""
    spans = {
        "signaux-faibles": [
            ("investigation", date(2019, 1, 7), date(2019, 7, 1)),
            ("construction", date(2019, 7, 1), None),
        ],
        "conseillers-entreprises": [("acceleration", date(2019, 3, 1), None)],
    }
    for slug, history in spans.items():
        startup = db.session.scalar(select(Startup).where(Startup.slug == slug))
        # Whatever phases the demo gives them, these are the ones this journey expects.
        startup.phase_spans = [PhaseSpan(phase=phase, start=start, end=end) for phase, start, end in history]
    dge = db.session.scalar(select(Organisation).where(Organisation.slug == "dge"))
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    db.session.add(
        Startup(
            slug="aides-jeunes",
            name="Aides Jeunes",
            pitch="Simuler les aides auxquelles les jeunes ont droit",
            incubator=dinum,
            sponsorships=[Sponsorship(organisation=dge)],
            phase_spans=[PhaseSpan(phase="investigation", start=date(2024, 1, 15))],
        )
    )
    db.session.commit()
    return db.session.scalar(select(func.count(Startup.id)))


def count_text(total: int) -> str:
    return f"{total} startup{'s' if total > 1 else ''}"


def test_coach_filters_the_portfolio_and_downloads_the_csv(page, portfolio_data):
    total = portfolio_data
    browser_login(page, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Portefeuille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portefeuille des startups")
    expect(page.get_by_test_id("result-count")).to_have_text(count_text(total))
    table = page.get_by_test_id("portfolio-table")
    expect(table.locator("tr[data-slug='aides-jeunes']")).to_contain_text("Investigation")

    page.get_by_label("Phase", exact=True).select_option(label="Construction")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 startup")
    expect(table.locator("tr[data-slug]")).to_have_count(1)
    expect(table.locator("tr[data-slug='signaux-faibles']")).to_contain_text("Construction")
    # The funnel still counts every phase; choosing one of its tags filters by it.
    page.get_by_test_id("funnel").get_by_role("link", name="Accélération : 1").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 startup")
    expect(table.locator("tr[data-slug='conseillers-entreprises']")).to_be_visible()

    page.get_by_label("Phase", exact=True).select_option(label="Toutes les phases")
    page.get_by_role("main").get_by_label("Recherche").fill("JEUNES")  # not the header's search
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 startup")
    expect(table.locator("tr[data-slug='aides-jeunes']")).to_contain_text("DGE")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("portefeuille-startups-")
    with open(download.path(), encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [(row["slug"], row["name"], row["phase"], row["phase_since"], row["sponsors"]) for row in rows] == [
        ("aides-jeunes", "Aides Jeunes", "investigation", "2024-01-15", "DGE")
    ]


def test_a_bad_date_shows_a_french_error_in_the_browser(page, portfolio_data):
    browser_login(page, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/?on=2021-13-45")
    expect(page.get_by_role("alert").first).to_contain_text("Les filtres contiennent des erreurs")
    expect(page.get_by_text("Saisissez une date valide au format aaaa-mm-jj")).to_be_visible()
