"""In Debian's Chromium: an intrapreneur with a preparation due sees it in "À faire", sees the unread
count in the header, opens the inbox and marks the reminder read."""
import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import browser_login
from portfolio.accounts.models import User
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance.models import Meeting, Review
from portfolio.reminders.sweep import run_sweep
from portfolio.startups.models import Startup
from portfolio.timeutil import PARIS, today_in_paris

pytestmark = pytest.mark.browser

INTRAPRENEUR = "intrapreneur@demo.beta.gouv.fr"


@pytest.fixture
def preparation_due(app, demo):
    """A committee reviewing Signaux Faibles late tonight, without its preparation: the reminder of
    the day before (yesterday) is due, whatever the hour the test runs."""
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    chair = db.session.scalar(select(User).where(User.email == "presidente@demo.beta.gouv.fr"))
    tonight = datetime.combine(today_in_paris(), time(23, 30), tzinfo=PARIS)
    committee = Meeting(kind="investment_committee", title="Comité de test du navigateur", starts_at=tonight,
                        chair=chair, status="scheduled")
    committee.reviews.append(Review(startup=startup))
    db.session.add(committee)
    db.session.commit()
    result = run_sweep()
    assert result.failed == 0
    return committee


def _unread(page) -> int:
    match = re.search(r"\((\d+)\)", page.get_by_test_id("unread-count").inner_text())
    return int(match.group(1)) if match else 0


def test_an_intrapreneur_sees_a_due_preparation_and_reads_the_reminder(page, preparation_due):
    browser_login(page, INTRAPRENEUR, DEMO_PASSWORD)
    unread = _unread(page)
    assert unread >= 1

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="À faire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À faire")
    todo = page.get_by_test_id("todo")
    row = todo.get_by_role("row").filter(has_text="Préparation de la revue de Signaux Faibles pour « Comité de test du navigateur »")
    expect(row).to_have_count(1)
    expect(row).to_contain_text((today_in_paris() - timedelta(days=1)).strftime("%d/%m/%Y"))
    expect(row.get_by_role("link").first).to_have_attribute("href", re.compile(r"/reviews/\d+/preparation"))

    page.get_by_test_id("unread-count").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_test_id("notification").filter(has_text="Préparation de la revue de Signaux Faibles")
    expect(item).to_have_attribute("data-read", "non")
    item.get_by_role("button", name="Marquer comme lue").click()
    expect(page.get_by_text("Notification marquée comme lue.")).to_be_visible()
    read = page.get_by_test_id("notification").filter(has_text="Préparation de la revue")
    expect(read).to_have_attribute("data-read", "oui")
    assert _unread(page) == unread - 1
