"""Browser journey: an imported startup's description shows its Markdown headings and lists, and a
`<script>` written in Markdown is not kept (the page fixture fails on any console error, the CSP
report of an inline script included)."""
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import browser_login
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.imports.betagouv import run_import
from portfolio.imports.source import raw_files_from_directory
from portfolio.startups.models import Startup

pytestmark = pytest.mark.browser
#: The registry beside the project (`../shared/data/betagouv`), looked for upwards so that a git
#: worktree nested deeper finds it too.
REGISTRY = next(
    (parent / "shared" / "data" / "betagouv" for parent in Path(__file__).resolve().parents
     if (parent / "shared" / "data" / "betagouv").is_dir()),
    Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv",
)


def test_an_imported_description_shows_headings_and_lists_and_no_script(page, demo, tmp_path):
    registry = tmp_path / "betagouv"
    (registry / "startups").mkdir(parents=True)
    for folder in ("organisations", "incubators"):
        (registry / folder).symlink_to(REGISTRY / folder)
    source = (REGISTRY / "startups" / "a-dock.md").read_text(encoding="utf-8")
    (registry / "startups" / "a-dock.md").write_text(
        source + "\n\n<script>document.title = 'piégé'</script>\n", encoding="utf-8"
    )
    run_import(raw_files_from_directory(registry), source=str(registry), today=date(2026, 8, 20))
    db.session.commit()
    assert "<script>" in db.session.scalar(select(Startup.description).where(Startup.slug == "a-dock"))

    browser_login(page, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/startups/a-dock")
    description = page.get_by_test_id("description")
    expect(description.get_by_role("heading", name="Le constat initial", exact=False)).to_be_visible()
    expect(description.locator("ul li").first).to_contain_text("réglementé mais hétérogène")
    expect(description.locator("strong").first).to_be_visible()
    expect(description.locator("script")).to_have_count(0)
    expect(description).not_to_contain_text("##")
    assert page.title() != "piégé"
