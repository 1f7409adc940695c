"""A committee chair opens the next-committees view in Chromium, filters the overdue startups,
and downloads the CSV of that selection."""
import csv
from datetime import date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance.models import Meeting, Review
from portfolio.timeutil import add_months
from portfolio.startups.models import Incubator, PhaseSpan, Startup
from portfolio.timeutil import PARIS, today_in_paris

pytestmark = pytest.mark.browser
TODAY = today_in_paris()


@pytest.fixture
def committees(demo):
    """Signaux Faibles reviewed 8 months ago (overdue), Place des Entreprises 5 months and
    a half ago (due soon), a third startup never reviewed."""
    startups = {slug: db.session.scalar(select(Startup).where(Startup.slug == slug)) for slug in
                ("signaux-faibles", "conseillers-entreprises")}
    for startup in startups.values():
        startup.phase_spans = [PhaseSpan(phase="construction", start=date(2019, 7, 1))]
    # The demo's coming committee is called off: each startup's situation is then the doctrine's alone.
    for meeting in db.session.scalars(select(Meeting).where(Meeting.status == "scheduled")):
        meeting.status = "cancelled"
    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    db.session.add(
        Startup(slug="aides-jeunes", name="Aides Jeunes", incubator=dinum,
                phase_spans=[PhaseSpan(phase="investigation", start=date(2024, 1, 15))])
    )
    for slug, months_ago in (("signaux-faibles", 8), ("conseillers-entreprises", 6)):
        day = add_months(TODAY, -months_ago) + timedelta(days=20 if months_ago == 6 else 0)
        db.session.add(
            Meeting(kind="investment_committee", title=f"Comité {slug}", status="closed",
                    starts_at=datetime.combine(day, time(10), tzinfo=PARIS), reviews=[Review(startup=startups[slug])])
        )
    db.session.commit()


def test_chair_filters_overdue_startups_and_downloads_the_csv(page, committees):
    browser_login(page, "presidente@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Prochains comités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prochains comités d’investissement")
    table = page.get_by_test_id("next-committees-table")
    expect(table.locator("tr[data-slug]")).to_have_count(3)
    expect(table.locator("tr[data-slug]").first).to_have_attribute("data-slug", "signaux-faibles")
    counts = page.get_by_test_id("status-counts")
    expect(counts).to_contain_text("En retard : 1")
    expect(counts).to_contain_text("À tenir sous 45 jours : 1")
    expect(counts).to_contain_text("Jamais passée en comité : 1")

    page.get_by_label("Statut").select_option(label="En retard")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 startup")
    expect(table.locator("tr[data-slug]")).to_have_count(1)
    expect(table.locator("tr[data-slug='signaux-faibles']")).to_contain_text("En retard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"prochains-comites-{TODAY.isoformat()}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [(row["slug"], row["status"]) for row in rows] == [("signaux-faibles", "overdue")]
    assert rows[0]["last_committee"] == add_months(TODAY, -8).isoformat()
    assert rows[0]["next_committee"] == add_months(add_months(TODAY, -8), 6).isoformat()
