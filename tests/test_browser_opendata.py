"""An anonymous visitor reads the open data from the footer and downloads the CSV and the JSON."""
import csv
import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_anonymous_visitor_reads_the_published_conventions_and_downloads_both_files(page, demo):
    page.goto("/login")
    page.get_by_role("contentinfo").get_by_role("link", name="Données ouvertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes : conventions publiées")
    seed = page.locator("[data-reference='SGMEF-DINUM-FTM-2020']")
    expect(seed.get_by_test_id("total-ae")).to_have_text("368\u202f000\u00a0€")
    expect(seed.get_by_test_id("total-cp")).to_have_text("620\u202f900\u00a0€")
    expect(page.get_by_role("link", name="Licence Ouverte / Open Licence version 2.0")).to_be_visible()
    expect(page.get_by_test_id("datagouv")).to_contain_text("Producteur")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Lignes d’annexe (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert rows and {row["convention"] for row in rows} == {"SGMEF-DINUM-FTM-2020"}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Conventions et métadonnées (JSON)").click()
    assert download_info.value.suggested_filename.endswith(".json")
    with open(download_info.value.path(), encoding="utf-8") as exported:
        data = json.load(exported)
    assert data["metadata"]["licence"]["id"] == "lov2"
    assert [(c["total_ae"], c["total_cp"]) for c in data["conventions"]] == [("368000.00", "620900.00")]
