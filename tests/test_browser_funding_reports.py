"""Finance in Chromium: pastes the seed's annex, previews it, confirms it; files a quarterly
report; sees the consumed-vs-granted chart."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine

from test_funding_annex import SEED_ANNEX

pytestmark = pytest.mark.browser


@pytest.fixture
def convention(demo) -> int:
    convention = Convention(
        reference="NAVIGATEUR-2020",
        title="Délégation de gestion FTM 2020 (parcours)",
        kind="delegation_gestion",
        uo="0218-CESG-CMOD",
        signed_on=date(2020, 4, 6),
        until_paid=True,
    )
    db.session.add(convention)
    db.session.commit()
    return convention.id


def test_finance_imports_the_seed_annex_files_a_report_and_sees_the_chart(page, convention):
    browser_login(page, "finance@demo.beta.gouv.fr", DEMO_PASSWORD)

    page.goto(f"/funding/conventions/{convention}/annex")
    page.get_by_label("Tableau de l’annexe").fill(SEED_ANNEX)
    page.get_by_role("button", name="Prévisualiser").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l’annexe — NAVIGATEUR-2020")
    rows = page.get_by_test_id("preview-rows")
    expect(rows.locator("tr[data-status='matched']")).to_have_count(2)
    expect(rows).to_contain_text("Place des Entreprises")
    expect(page.get_by_test_id("preview-warnings").locator("li[data-code='cp_differs_from_ae']")).to_have_count(1)
    expect(page.get_by_test_id("preview-warnings").locator("li[data-code='uo_differs']")).to_have_count(2)
    expect(page.get_by_test_id("total-checks")).to_contain_text("Conforme")
    assert db.session.scalar(select(FundingLine.id).where(FundingLine.convention_id == convention)) is None

    page.get_by_role("button", name="Confirmer l’import").click()
    expect(page.get_by_text("2 lignes de financement importées depuis l’annexe.")).to_be_visible()
    db.session.expire_all()
    assert len(db.session.scalars(select(FundingLine).where(FundingLine.convention_id == convention)).all()) == 2

    page.goto(f"/funding/conventions/{convention}/reports")
    quarter = page.get_by_test_id("report-schedule").locator("tr[data-quarter='2020-T2']")
    expect(quarter.get_by_test_id("report-status")).to_have_text("En retard")
    quarter.get_by_role("link", name="Déposer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compte rendu du 2e trimestre 2020")
    page.get_by_label("Date de dépôt").fill("2020-07-10")
    page.get_by_label("AE engagées — Place des Entreprises 2020").fill("100 000")
    page.get_by_label("CP payés — Place des Entreprises 2020").fill("86 000")
    page.get_by_label("CP payés — Signaux Faibles 2020").fill("168 000")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()

    expect(page.get_by_text("Le compte rendu du 2e trimestre 2020 est enregistré.")).to_be_visible()
    expect(page.get_by_test_id("report-schedule").locator("tr[data-quarter='2020-T2']").get_by_test_id("report-status")).to_have_text("Déposé")
    chart = page.get_by_test_id("consumption-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("[data-testid='chart-group']")).to_have_count(3)
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    expect(page.get_by_test_id("consumption-total").get_by_test_id("remaining-envelope")).to_have_text("366\u202f900\u00a0€")
    assert db.session.scalar(select(ConsumptionReport.submitted_on)) == date(2020, 7, 10)
