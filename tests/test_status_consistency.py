"""One status per startup, the same on every page: for every active startup of the imported real
registry and of the demo, the portfolio (page and CSV), next committees (page and CSV), the
startup page, the dossier and the API say the same committee situation, read from its status row."""
import csv
import io
import re
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations as governance
from portfolio.governance.schedule import portfolio_schedule
from portfolio.imports.betagouv import run_import
from portfolio.imports.source import raw_files_from_directory
from portfolio.startups.models import Startup
from portfolio.timeutil import today_in_paris

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv"
BADGE = re.compile(r'data-status-badge="([a-z_]+)"')


@pytest.fixture
def portfolio_world(app, demo, make_user):
    """The demo, the whole real registry imported (its committee history included), and a committee
    scheduled in a month reviewing a few startups."""
    run_import(raw_files_from_directory(REGISTRY), source=str(REGISTRY), today=today_in_paris())
    db.session.commit()
    chair = make_user("committee_chair")
    meeting = governance.schedule_meeting(
        "investment_committee", today_in_paris().replace(day=1).replace(year=today_in_paris().year + 1), time(14),
        chair, location="DINUM",
    )
    rows = portfolio_schedule()
    for row in rows[:4]:
        governance.add_review(meeting, db.session.get(Startup, row.startup_id))
    db.session.commit()
    admin = make_user("admin")
    return admin, meeting


def _login(client, user) -> None:
    from conftest import post_form

    post_form(client, "/login", {"email": user.email, "password": PASSWORD}, token_from="/login")


def test_every_page_says_the_same_committee_situation(portfolio_world, client):
    admin, meeting = portfolio_world
    _login(client, admin)
    expected = {row.slug: row for row in portfolio_schedule()}
    assert len(expected) > 100, "the registry's active startups"

    # Next committees, its CSV: every active startup, once, with its row's values.
    text = client.get("/governance/next-committees.csv").get_data(as_text=True)
    listed = {row["slug"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert set(listed) == set(expected)
    for slug, row in expected.items():
        got = listed[slug]
        assert (got["status"], got["next_committee"], got["scheduled_committee"], got["last_committee"]) == (
            row.status, _iso(row.next_committee), _iso(row.scheduled_on), _iso(row.last_committee)
        ), slug

    # The portfolio's CSV: the same values for the same startups.
    text = client.get("/startups/export.csv").get_data(as_text=True)
    exported = {row["slug"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    for slug, row in expected.items():
        got = exported[slug]
        assert (got["committee_status"], got["committee_due"], got["committee_scheduled"], got["last_committee"]) == (
            row.status, _iso(row.next_committee), _iso(row.scheduled_on), _iso(row.last_committee)
        ), slug
    assert all(exported[slug]["committee_status"] == "" for slug in exported if slug not in expected)

    # The portfolio's page and next committees' page: the badge of each row shown.
    page = client.get("/startups/").get_data(as_text=True)
    for slug, badge in re.findall(r'<tr data-slug="([^"]+)">.*?(?:data-status-badge="([a-z_]+)"|</tr>)', page, re.S):
        assert badge == (expected[slug].status if slug in expected else ""), slug
    page = client.get("/governance/next-committees").get_data(as_text=True)
    for slug, status in re.findall(r'<tr data-slug="([^"]+)" data-status="([^"]+)"', page):
        assert status == expected[slug].status, slug

    # The startup page of a sample of them (every status represented).
    sample = {}
    for row in expected.values():
        sample.setdefault(row.status, []).append(row)
    for rows in sample.values():
        for row in rows[:5]:
            html = client.get(f"/startups/{row.slug}").get_data(as_text=True)
            assert BADGE.findall(html) == [row.status], row.slug
            assert (row.last_committee is None) == ("Jamais passée en comité" in html), row.slug

    # The API (a token of the same admin): the same values for every active startup of the sample.
    from portfolio.api import tokens

    secret = tokens.create_token(admin, "Comparaison").secret
    db.session.commit()
    for rows in sample.values():
        for row in rows[:5]:
            status = client.get(f"/api/v1/startups/{row.slug}", headers={"Authorization": f"Bearer {secret}"}).json["status"]
            assert (status["committee_status"], status["next_committee_due"], status["next_committee"],
                    status["last_committee"], status["phase"]) == (
                row.status, _iso(row.next_committee) or None, _iso(row.scheduled_on) or None,
                _iso(row.last_committee) or None, row.phase,
            ), row.slug

    # The dossier of the coming committee: the same last committee and status text.
    pack = client.get(f"/governance/meetings/{meeting.id}/pack").get_data(as_text=True)
    for review in meeting.reviews:
        row = expected[review.startup.slug]
        section = pack.split(f'data-slug="{row.slug}"')[1].split('data-testid="dossier"')[0]
        assert row.status_label in section, row.slug
        if row.last_committee:
            assert f"le {row.last_committee:%d/%m/%Y}" in section, row.slug
        else:
            assert "Jamais passée en comité." in section, row.slug


def test_registry_committees_have_one_outcome_label(portfolio_world):
    rows = [row for row in portfolio_schedule() if row.last_committee and row.last_outcome == "unknown"]
    assert rows, "the registry's committee history"
    assert {row.last_outcome_label for row in rows} == {"Issue non renseignée (registre)"}


def test_no_run_out_is_estimated_from_lapsed_credits(portfolio_world):
    signaux = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    row = next(row for row in portfolio_schedule() if row.startup_id == signaux.id)
    # The demo convention's lines are of 2020: nothing funds the startup any more.
    assert row.run_out is None and row.funding_state == "none"


def _iso(day) -> str:
    return day.isoformat() if day else ""


def test_the_import_leaves_rows_equal_to_the_rebuilt_ones(portfolio_world):
    from portfolio.status import store
    from portfolio.status.compute import compute

    assert store.stored() == compute(today_in_paris())


def test_todays_next_committees_read_a_page_at_a_time_in_the_order_of_urgency(portfolio_world):
    """Today's next committees page in SQL over the stored statuses: the same rows, counts and
    order as the rule computed in Python (`urgency_order` over the computed statuses)."""
    from portfolio.governance import schedule
    from portfolio.status.compute import estimated_run_outs

    computed = schedule.portfolio_schedule(today_in_paris(), run_outs=estimated_run_outs)  # sorted in Python
    counts, first = schedule.today_page(None, None, per_page=40)
    assert counts == schedule.status_counts(computed) and first.total == len(computed) > 100
    read = [row for number in range(1, first.pages + 1) for row in schedule.today_page(None, None, 40, number)[1].items]
    assert read == computed

    overdue_counts, overdue = schedule.today_page(None, "overdue", per_page=1000)
    assert overdue_counts == counts and overdue.items == [row for row in computed if row.status == "overdue"]


def test_on_the_registry_and_the_demo_every_deadline_reaches_someone_and_quarterly_reports_only_finance(portfolio_world):
    """Issue 13: 0 deadlines without a recipient (who else would not receive one: the admins),
    no chair nor anyone but finance reminded of quarterly reports."""
    from portfolio.reminders.generate import generate
    from portfolio.reminders.models import Deadline, DeadlineRecipient
    from portfolio.timeutil import utcnow

    generate(utcnow())
    db.session.commit()
    open_ids = select(Deadline.id).where(Deadline.closed_at.is_(None))
    assert db.session.scalar(select(db.func.count()).select_from(open_ids.subquery())) > 100
    received = select(DeadlineRecipient.deadline_id)
    assert db.session.scalars(open_ids.where(~Deadline.id.in_(received))).all() == []
    roles = set(db.session.scalars(
        select(DeadlineRecipient.role).join(Deadline, Deadline.id == DeadlineRecipient.deadline_id)
        .where(Deadline.rule == "quarterly_report")
    ))
    assert roles == {"finance"}
