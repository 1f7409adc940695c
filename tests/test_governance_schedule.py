"""The next-committee rule (6-month rule, run-out rule, no funding, no past committee), its
statuses, the whole-portfolio computation (Paris days, cancelled and non-committee meetings left
out, a constant number of SQL statements), the bulk run-out equal to the funding domain's, and
the chair's view with its CSV export."""
import csv
import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import recorded_statements
from portfolio.extensions import db
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention, FundingLine, LineAmount
from portfolio.funding.consumption import estimated_run_out
from portfolio.governance import schedule
from portfolio.governance.models import Meeting, Review
from portfolio.funding.run_outs import estimated_run_outs
from portfolio.governance.doctrine import committee_status, next_committee_date
from portfolio.timeutil import add_months
from portfolio.startups.models import CoIncubation, Incubator, PhaseSpan, Startup
from portfolio.timeutil import PARIS

DAY = date(2026, 5, 1)
ROW = re.compile(r'<tr data-slug="([^"]+)" data-status="([^"]+)"')
COUNT = re.compile(r'data-status="([a-z_]+)" href="[^"]*"[^>]*>[^<:]+ : (\d+)</a>', re.S)


# --- The rule, pure --------------------------------------------------------------------------


def test_six_month_rule_without_funding():
    assert next_committee_date(date(2026, 1, 15), None) == date(2026, 7, 15)


def test_six_months_after_a_month_end_is_the_last_day_of_a_shorter_month():
    assert next_committee_date(date(2025, 8, 31), None) == date(2026, 2, 28)
    assert next_committee_date(date(2027, 8, 31), None) == date(2028, 2, 29)


def test_run_out_rule_wins_when_funding_runs_out_first():
    assert next_committee_date(date(2026, 1, 15), run_out=date(2026, 5, 1)) == date(2026, 4, 1)


def test_six_month_rule_wins_when_funding_lasts():
    assert next_committee_date(date(2026, 1, 15), run_out=date(2027, 1, 1)) == date(2026, 7, 15)


def test_no_past_committee_uses_the_run_out_rule_alone():
    assert next_committee_date(None, run_out=date(2026, 9, 30)) == date(2026, 8, 31)
    assert committee_status(DAY, None, date(2026, 8, 31)) == "never_reviewed"


def test_no_past_committee_and_no_funding_has_no_date_and_is_flagged():
    assert next_committee_date(None, None) is None
    assert committee_status(DAY, None, None) == "never_reviewed"


@pytest.mark.parametrize(
    ("next_on", "status"),
    [
        (DAY - timedelta(days=1), "overdue"),
        (DAY, "due_soon"),
        (DAY + timedelta(days=45), "due_soon"),
        (DAY + timedelta(days=46), "ok"),
    ],
)
def test_status_boundaries(next_on, status):
    assert committee_status(DAY, date(2025, 1, 1), next_on) == status


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(last=days, run_out=st.none() | days)
def test_next_committee_is_the_earliest_deadline_and_one_of_them(last, run_out):
    next_on = next_committee_date(last, run_out)
    six_months = add_months(last, 6)
    assert next_on <= six_months
    if run_out is not None:
        assert next_on <= run_out - timedelta(days=30)
        assert next_on in (six_months, run_out - timedelta(days=30))
    else:
        assert next_on == six_months


@given(day=days, months=st.integers(min_value=0, max_value=48))
def test_add_months_lands_in_the_right_month_never_after_the_same_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result.day == day.day or (result + timedelta(days=1)).day == 1  # clamped to the month's end


@given(day=days, last=days, run_out=st.none() | days)
def test_status_follows_the_next_date(day, last, run_out):
    next_on = next_committee_date(last, run_out)
    status = committee_status(day, last, next_on)
    assert status == ("overdue" if next_on < day else "due_soon" if (next_on - day).days <= 45 else "ok")


# --- The whole portfolio ---------------------------------------------------------------------


def paris(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def add_startup(slug, phase="construction", since=date(2024, 1, 1), end=None, incubator=None, co=()):
    startup = Startup(
        slug=slug,
        name=slug.replace("-", " ").title(),
        incubator=incubator,
        phase_spans=[PhaseSpan(phase=phase, start=since, end=end)],
        co_incubations=[CoIncubation(incubator=other) for other in co],
    )
    db.session.add(startup)
    return startup


def add_meeting(startups, starts_at, kind="investment_committee", status="closed"):
    meeting = Meeting(
        kind=kind, title=f"Comité du {starts_at:%d/%m/%Y}", starts_at=starts_at, status=status,
        reviews=[Review(startup=startup, position=index) for index, startup in enumerate(startups)],
    )
    db.session.add(meeting)
    return meeting


def no_funding(startup_ids, day):
    return {}


@pytest.fixture
def world(app):
    """Startups covering each status on DAY (1 May 2026), with no funding unless a stub says so."""
    dinum = Incubator(slug="dinum", name="Incubateur de la DINUM")
    fabnum = Incubator(slug="fabnum", name="Fabrique numérique")
    overdue = add_startup("en-retard", incubator=dinum)
    late = add_startup("programmee", incubator=dinum)
    soon = add_startup("bientot", phase="acceleration", incubator=fabnum)
    fine = add_startup("a-jour", phase="investigation", incubator=dinum, co=[fabnum])
    add_startup("jamais", phase="consolidation", incubator=dinum)
    stopped = add_startup("arretee", phase="abandon", incubator=dinum)
    ended = add_startup("terminee", end=date(2026, 1, 1), incubator=dinum)
    add_meeting([overdue, late, stopped, ended], paris(date(2025, 10, 1)))  # + 6 months = 1 April: overdue
    add_meeting([soon], paris(date(2025, 11, 20)))  # 20 May: due soon
    add_meeting([fine], paris(date(2026, 3, 1)))  # 1 September: ok
    add_meeting([fine], paris(date(2026, 4, 1)), kind="governance_instance")  # not an investment committee
    add_meeting([soon], paris(date(2026, 4, 15)), status="cancelled")  # did not happen
    add_meeting([late], paris(date(2026, 5, 20)), status="scheduled")  # planned, after its due day
    db.session.commit()
    return {"dinum": dinum, "fabnum": fabnum}


def by_slug(rows):
    return {row.slug: row for row in rows}


def test_portfolio_schedule_gives_each_active_startup_its_status(world):
    rows = schedule.portfolio_schedule(DAY, run_outs=no_funding)
    assert [(row.slug, row.status) for row in rows] == [
        ("en-retard", "overdue"),
        ("programmee", "scheduled_late"),
        ("bientot", "due_soon"),
        ("jamais", "never_reviewed"),
        ("a-jour", "ok"),
    ]
    rows = by_slug(rows)
    assert rows["en-retard"].last_committee == date(2025, 10, 1)
    assert rows["en-retard"].next_committee == date(2026, 4, 1)
    assert rows["en-retard"].days_until == -30
    assert rows["en-retard"].scheduled_on is None
    assert rows["programmee"].scheduled_on == date(2026, 5, 20) and rows["programmee"].next_committee == date(2026, 4, 1)
    assert rows["programmee"].status_label == "Programmé le 20/05/2026 (en retard sur l’échéance)"
    assert rows["bientot"].last_committee == date(2025, 11, 20)  # the cancelled one does not count
    assert rows["a-jour"].last_committee == date(2026, 3, 1)  # the governance instance does not count
    assert rows["jamais"].last_committee is None and rows["jamais"].next_committee is None
    assert schedule.status_counts(rows.values()) == {
        "overdue": 1, "scheduled_late": 1, "due_soon": 1, "never_reviewed": 1, "scheduled": 0, "ok": 1,
    }


def test_run_out_moves_the_next_committee_earlier(world):
    ids = {row.slug: row.startup_id for row in schedule.portfolio_schedule(DAY, run_outs=no_funding)}

    def run_outs(startup_ids, day):
        return {ids["a-jour"]: date(2026, 6, 10), ids["jamais"]: date(2026, 7, 1)}

    rows = by_slug(schedule.portfolio_schedule(DAY, run_outs=run_outs))
    assert rows["a-jour"].next_committee == date(2026, 5, 11)
    assert rows["a-jour"].status == "due_soon"
    assert rows["jamais"].next_committee == date(2026, 6, 1)
    assert rows["jamais"].status == "never_reviewed"


def test_a_committee_counts_from_its_day_in_paris(world):
    late = add_startup("tard-le-soir", incubator=world["dinum"])
    early = add_startup("tot-le-matin", incubator=world["dinum"])
    add_meeting([late], paris(DAY, 23, 30))  # 21:30 UTC on DAY: on DAY in Paris
    add_meeting([early], paris(DAY + timedelta(days=1), 0, 30))  # 22:30 UTC on DAY: the next day in Paris
    db.session.commit()
    rows = by_slug(schedule.portfolio_schedule(DAY, run_outs=no_funding))
    assert rows["tard-le-soir"].last_committee == DAY
    assert rows["tot-le-matin"].last_committee is None
    assert rows["tot-le-matin"].scheduled_on == DAY + timedelta(days=1)


def test_the_day_changes_the_answer(world):
    rows = by_slug(schedule.portfolio_schedule(date(2025, 12, 1), run_outs=no_funding))
    assert rows["en-retard"].status == "ok"
    # Never reviewed then, but its committee of 1 March 2026 was already on the calendar.
    assert rows["a-jour"].status == "scheduled" and rows["a-jour"].scheduled_on == date(2026, 3, 1)
    assert "terminee" in rows  # still in construction then


def test_incubator_filter_counts_co_incubated_startups(world):
    rows = schedule.portfolio_schedule(DAY, incubator="fabnum", run_outs=no_funding)
    assert sorted(row.slug for row in rows) == ["a-jour", "bientot"]


def test_next_committee_for_one_startup(world):
    startup = db.session.scalar(db.select(Startup).where(Startup.slug == "bientot"))
    assert schedule.next_committee_for(startup, DAY, run_outs=no_funding).next_committee == date(2026, 5, 20)
    stopped = db.session.scalar(db.select(Startup).where(Startup.slug == "arretee"))
    assert schedule.next_committee_for(stopped, DAY, run_outs=no_funding) is None


# --- Funding run-out in bulk -----------------------------------------------------------------


def add_convention(reference, startups, cp=Decimal("100000.00"), paid=Decimal("25000.00"), quarters=1):
    """A convention from 1 Jan 2026 with one line per startup and `quarters` reports paying `paid` per line."""
    convention = Convention(
        reference=reference, title=reference, kind="delegation_gestion", signed_on=date(2026, 1, 1),
        effective_on=date(2026, 1, 1), ends_on=date(2027, 12, 31), status="signed",
    )
    lines = []
    for position, startup in enumerate(startups):
        line = FundingLine(startup=startup, fiscal_year=2026, position=position)
        line.amounts.append(LineAmount(effective_on=date(2026, 1, 1), ae=cp, cp=cp))
        convention.lines.append(line)
        lines.append(line)
    for number in range(quarters):
        start = date(2026, 1 + 3 * number, 1)
        report = ConsumptionReport(quarter_start=start, submitted_on=add_months(start, 3) + timedelta(days=5))
        for line in lines:
            report.entries.append(ConsumptionEntry(line=line, ae_committed=paid, cp_paid=paid))
        convention.reports.append(report)
    db.session.add(convention)
    return convention


def test_bulk_run_outs_equal_the_funding_domain_per_startup(app):
    startups = [add_startup(f"finance-{n}") for n in range(4)]
    add_convention("CONV-A", startups[:2])
    add_convention("CONV-B", startups[1:3], cp=Decimal("50000.00"), paid=Decimal("20000.00"), quarters=2)
    db.session.commit()
    for day in (date(2026, 3, 1), date(2026, 4, 20), date(2026, 8, 1)):
        bulk = estimated_run_outs([startup.id for startup in startups], day)
        for startup in startups:
            assert bulk.get(startup.id) == estimated_run_out(startup, day), (startup.slug, day)
    assert estimated_run_outs([startup.id for startup in startups], date(2026, 8, 1))[startups[0].id] == date(
        2026, 12, 26
    )  # 75 000 left at 25 000 per 90 days from 31 March


def test_portfolio_schedule_uses_the_funding_run_out_by_default(app):
    startup = add_startup("financee")
    add_meeting([startup], paris(date(2026, 6, 1)))
    add_convention("CONV-C", [startup])
    db.session.commit()
    row = schedule.portfolio_schedule(date(2026, 8, 1))[0]
    assert row.run_out == date(2026, 12, 26)
    assert row.next_committee == date(2026, 11, 26)  # before 1 December (6 months)


def _portfolio_of(size: int, start: int) -> None:
    startups = [add_startup(f"s-{start + n}") for n in range(size)]
    add_meeting(startups, paris(date(2026, 1, 10)))
    add_meeting(startups[: size // 2], paris(date(2026, 3, 10)))
    add_convention(f"CONV-{start}", startups)
    db.session.commit()


def test_whole_portfolio_runs_the_same_number_of_statements_at_two_sizes(app):
    _portfolio_of(3, 0)
    db.session.expire_all()
    with recorded_statements() as small:
        schedule.portfolio_schedule(DAY)
    _portfolio_of(12, 100)
    db.session.expire_all()
    with recorded_statements() as large:
        schedule.portfolio_schedule(DAY)
    assert len(schedule.portfolio_schedule(DAY)) == 15
    assert len(small) == len(large), (small, large)


# --- The chair's view and its CSV ------------------------------------------------------------


@pytest.fixture
def chair_client(client, login, make_user, world):
    login(make_user("committee_chair"))
    return client


def test_chair_view_lists_overdue_first_with_counts(chair_client):
    response = chair_client.get("/governance/next-committees?on=2026-05-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ROW.findall(html) == [
        ("en-retard", "overdue"), ("programmee", "scheduled_late"), ("bientot", "due_soon"),
        ("jamais", "never_reviewed"), ("a-jour", "ok"),
    ]
    assert dict(COUNT.findall(html)) == {
        "overdue": "1", "scheduled_late": "1", "due_soon": "1", "never_reviewed": "1", "scheduled": "0", "ok": "1",
    }
    assert "en retard de 30 jours" in html


def test_chair_view_filters_by_status_and_incubator(chair_client):
    html = chair_client.get("/governance/next-committees?on=2026-05-01&status=overdue").get_data(as_text=True)
    assert ROW.findall(html) == [("en-retard", "overdue")]
    assert dict(COUNT.findall(html))["ok"] == "1"  # counts ignore the status filter
    html = chair_client.get("/governance/next-committees?on=2026-05-01&incubator=fabnum").get_data(as_text=True)
    assert [slug for slug, _ in ROW.findall(html)] == ["bientot", "a-jour"]
    assert dict(COUNT.findall(html)) == {
        "overdue": "0", "scheduled_late": "0", "due_soon": "1", "never_reviewed": "0", "scheduled": "0", "ok": "1",
    }


def test_chair_view_refuses_unknown_filters_in_french(chair_client):
    response = chair_client.get("/governance/next-committees?status=bidon&on=2026-13-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Statut inconnu" in html and "Saisissez une date valide" in html


@pytest.mark.parametrize("app_overrides", [{"PAGE_SIZE": 2}])
def test_chair_view_paginates(chair_client):
    first = chair_client.get("/governance/next-committees?on=2026-05-01").get_data(as_text=True)
    second = chair_client.get("/governance/next-committees?on=2026-05-01&page=2").get_data(as_text=True)
    assert [slug for slug, _ in ROW.findall(first)] == ["en-retard", "programmee"]
    assert [slug for slug, _ in ROW.findall(second)] == ["bientot", "jamais"]
    assert "5 startups" in first


def test_csv_has_the_columns_and_the_view_order(chair_client):
    response = chair_client.get("/governance/next-committees.csv?on=2026-05-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "prochains-comites-2026-05-01.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {"slug", "name", "phase", "last_committee", "next_committee", "status"} <= set(rows[0])
    assert [(row["slug"], row["status"]) for row in rows] == [
        ("en-retard", "overdue"), ("programmee", "scheduled_late"), ("bientot", "due_soon"),
        ("jamais", "never_reviewed"), ("a-jour", "ok"),
    ]
    assert rows[0]["last_committee"] == "2025-10-01" and rows[0]["next_committee"] == "2026-04-01"
    assert rows[0]["phase"] == "construction" and rows[0]["scheduled_committee"] == ""
    assert rows[1]["scheduled_committee"] == "2026-05-20"
    assert rows[3]["next_committee"] == "" and rows[3]["last_committee"] == ""


def test_csv_follows_the_filters(chair_client):
    text = chair_client.get("/governance/next-committees.csv?on=2026-05-01&status=ok").get_data().decode("utf-8-sig")
    assert [row["slug"] for row in csv.DictReader(io.StringIO(text))] == ["a-jour"]


def test_startup_page_partial_shows_the_next_committee(app, world):
    from flask import render_template_string

    startup = db.session.scalar(db.select(Startup).where(Startup.slug == "jamais"))
    with app.test_request_context("/"):
        html = render_template_string(
            '{% include "governance/_next_committee.html" %}', committee=schedule.next_committee_for(startup)
        )
    assert "Jamais passée en comité" in html and "Aucun financement suivi" in html
    stopped = db.session.scalar(db.select(Startup).where(Startup.slug == "arretee"))
    with app.test_request_context("/"):
        html = render_template_string(
            '{% include "governance/_next_committee.html" %}', committee=schedule.next_committee_for(stopped)
        )
    assert "pas dans une phase suivie" in html
