"""Quarterly consumption reports: the quarters of a convention's life (one that starts mid-quarter
included), due dates and statuses around quarter ends, filing (once per quarter), late when
overdue, consumed vs granted across amendments, the burn rate and the estimated run-out date —
and a reports page whose SQL statement count does not grow with lines and reports."""
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import count_statements, post_form
from portfolio.audit.queries import history_of
from portfolio.extensions import db
from portfolio.funding import consumption, reports
from portfolio.funding.models import (
    Amendment,
    ConsumptionEntry,
    ConsumptionReport,
    Convention,
    FundingLine,
    LineAmount,
)
from portfolio.funding.reports import Quarter, ReportError
from portfolio.startups.models import Startup

D = Decimal


def startup(slug: str) -> Startup:
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def make_convention(reference="TEST-CR", effective_on=date(2020, 4, 6), signed_on=date(2020, 4, 6), **values) -> Convention:
    convention = Convention(
        reference=reference, title="Convention de test", kind="delegation_gestion",
        signed_on=signed_on, effective_on=effective_on, **{"until_paid": True, **values},
    )
    db.session.add(convention)
    db.session.flush()
    return convention


def add_line(convention, slug: str, ae, cp, year=2020, on=date(2020, 4, 6)) -> FundingLine:
    line = FundingLine(startup=startup(slug), fiscal_year=year, label=slug, position=len(convention.lines) + 1)
    line.amounts.append(LineAmount(effective_on=on, ae=D(ae), cp=D(cp)))
    convention.lines.append(line)
    db.session.flush()
    return line


def add_report(convention, quarter_key: str, submitted_on: date, amounts: dict) -> ConsumptionReport:
    report = ConsumptionReport(quarter_start=Quarter.from_key(quarter_key).start, submitted_on=submitted_on)
    for line, (ae, cp) in amounts.items():
        report.entries.append(ConsumptionEntry(line=line, ae_committed=D(ae), cp_paid=D(cp)))
    convention.reports.append(report)
    db.session.flush()
    return report


@pytest.fixture
def seed(demo):
    """The seed's two lines on a convention effective on its signature, 6 April 2020."""
    convention = make_convention()
    place = add_line(convention, "conseillers-entreprises", "200000", "452900")
    signaux = add_line(convention, "signaux-faibles", "168000", "168000")
    db.session.commit()
    return convention, place, signaux


# --- Quarters, due dates, statuses -----------------------------------------------------------------


def test_quarters_are_named_and_bounded_like_the_calendar():
    quarter = Quarter.from_key("2020-T2")

    assert (quarter.start, quarter.end, quarter.key, quarter.label) == (
        date(2020, 4, 1), date(2020, 6, 30), "2020-T2", "2e trimestre 2020",
    )
    assert Quarter.containing(date(2020, 12, 31)) == Quarter.from_key("2020-T4")
    assert Quarter.from_key("2020-T4").next() == Quarter.from_key("2021-T1")
    assert Quarter.from_key("2021-T1").label == "1er trimestre 2021"
    with pytest.raises(ValueError):
        Quarter.from_key("2020-T5")


def test_a_convention_starting_mid_quarter_reports_on_that_quarter_from_its_start(app):
    convention = make_convention(effective_on=date(2020, 5, 15), until_paid=False, ends_on=date(2021, 2, 10))

    states = reports.schedule(convention, date(2021, 6, 1))

    assert [state.quarter.key for state in states] == ["2020-T2", "2020-T3", "2020-T4", "2021-T1"]
    first, last = states[0], states[-1]
    assert (first.covers_from, first.covers_to, first.due_on) == (date(2020, 5, 15), date(2020, 6, 30), date(2020, 7, 15))
    assert (last.covers_from, last.covers_to, last.due_on) == (date(2021, 1, 1), date(2021, 2, 10), date(2021, 4, 15))


def test_the_effective_date_wins_over_the_signature_and_until_paid_runs_to_todays_quarter(app):
    convention = make_convention(signed_on=date(2020, 3, 20), effective_on=date(2020, 4, 6))

    quarters = reports.convention_quarters(convention, date(2021, 1, 5))

    assert [quarter.key for quarter in quarters] == ["2020-T2", "2020-T3", "2020-T4", "2021-T1"]
    assert reports.convention_quarters(make_convention("SANS-DATE", effective_on=None, signed_on=None), date(2021, 1, 5)) == []


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2020, 6, 30), "upcoming"),  # the quarter's last day: not ended yet
        (date(2020, 7, 1), "to_file"),
        (date(2020, 7, 15), "to_file"),  # the due date itself is still in time
        (date(2020, 7, 16), "late"),
    ],
)
def test_status_around_the_quarter_end(app, day, status):
    convention = make_convention(effective_on=date(2020, 5, 15))

    assert reports.report_status(convention, Quarter.from_key("2020-T2"), day, None) == status


def test_a_filed_report_is_filed_from_its_submission_day(app):
    convention = make_convention()
    report = add_report(convention, "2020-T2", date(2020, 7, 20), {})
    quarter = Quarter.from_key("2020-T2")

    assert reports.report_status(convention, quarter, date(2020, 7, 19), report) == "late"
    assert reports.report_status(convention, quarter, date(2020, 7, 20), report) == "filed"
    [state] = [s for s in reports.schedule(convention, date(2020, 8, 1)) if s.quarter == quarter]
    assert state.status_label == "Déposé" and state.filed_late


def test_once_closed_an_unfiled_quarter_is_owed_no_more_as_the_reminders_say(app):
    """A closed convention owes no report any more (the reminders stop at its closing): an unfiled
    quarter reads "Non dû", from the closing day on, not "En retard"."""
    from portfolio.funding.models import StatusChange

    convention = make_convention(until_paid=True)
    add_report(convention, "2020-T2", date(2020, 7, 10), {})
    convention.status = "closed"
    convention.status_changes.append(StatusChange(status="closed", changed_on=date(2021, 1, 29)))
    db.session.commit()
    quarter = Quarter.from_key("2020-T3")

    assert reports.report_status(convention, quarter, date(2021, 1, 28), None) == "late"
    assert reports.report_status(convention, quarter, date(2021, 1, 29), None) == "not_owed"
    statuses = {state.quarter.key: state.status_label for state in reports.schedule(convention, date(2026, 12, 1))}
    assert statuses == {
        "2020-T2": "Déposé", "2020-T3": "Non dû (convention clôturée)", "2020-T4": "Non dû (convention clôturée)",
        "2021-T1": "Non dû (convention clôturée)",
    }


def test_the_due_delay_is_the_conventions_own(app):
    convention = make_convention(report_due_days=30)
    quarter = Quarter.from_key("2020-T2")

    assert reports.due_date(convention, quarter) == date(2020, 7, 30)
    assert reports.report_status(convention, quarter, date(2020, 7, 30), None) == "to_file"
    assert reports.report_status(convention, quarter, date(2020, 7, 31), None) == "late"


# --- Filing ----------------------------------------------------------------------------------------


def test_filing_records_every_line_and_refuses_a_second_report(app, seed):
    convention, place, signaux = seed
    quarter = Quarter.from_key("2020-T2")

    report = reports.file_report(
        convention, quarter, date(2020, 7, 10), {place.id: (D("50000"), D("40000"))}, today=date(2020, 7, 10)
    )
    db.session.commit()

    assert {(e.line_id, e.ae_committed, e.cp_paid) for e in report.entries} == {
        (place.id, D("50000.00"), D("40000.00")), (signaux.id, D("0.00"), D("0.00")),
    }
    assert {event.action for event in history_of(report, *report.entries)} == {"create"}
    with pytest.raises(ReportError, match=r"Un compte rendu a déjà été déposé pour le 2e trimestre 2020 \(le 10/07/2020\)"):
        reports.file_report(convention, quarter, date(2020, 7, 11), {}, today=date(2020, 7, 11))


@pytest.mark.parametrize(
    ("key", "submitted_on", "today", "message"),
    [
        ("2020-T3", date(2020, 9, 1), date(2020, 9, 1), "n’est pas terminé : son compte rendu pourra être déposé à partir du 01/10/2020"),
        ("2020-T1", date(2020, 7, 1), date(2020, 7, 1), "en dehors de la période de la convention"),
        ("2020-T2", date(2020, 7, 20), date(2020, 7, 10), "ne peut pas être dans le futur"),
        ("2020-T2", date(2020, 6, 30), date(2020, 7, 10), "doit suivre la fin du trimestre"),
    ],
)
def test_filing_refuses_what_cannot_be_in_french(app, seed, key, submitted_on, today, message):
    convention, *_ = seed

    with pytest.raises(ReportError, match=message):
        reports.file_report(convention, Quarter.from_key(key), submitted_on, {}, today=today)
    assert db.session.scalar(select(func.count(ConsumptionReport.id))) == 0


@pytest.fixture
def finance(make_user, login):
    user = make_user("finance")
    login(user)
    return user


def test_finance_files_a_report_through_the_form(client, seed, finance):
    convention, place, signaux = seed
    url = f"/funding/conventions/{convention.id}/reports/2020-T2"

    page = client.get(url)
    assert page.status_code == 200 and "Enregistrer le compte rendu" in page.get_data(as_text=True)
    response = post_form(
        client, url,
        {"submitted_on": "2020-07-10", f"ae_{place.id}": "50 000", f"cp_{place.id}": "40 000,50", f"cp_{signaux.id}": "12000.5"},
    )

    assert response.status_code == 302
    report = db.session.scalar(select(ConsumptionReport))
    assert (report.quarter_start, report.submitted_on, report.submitted_by_id) == (date(2020, 4, 1), date(2020, 7, 10), finance.id)
    assert {(e.line_id, e.ae_committed, e.cp_paid) for e in report.entries} == {
        (place.id, D("50000.00"), D("40000.50")), (signaux.id, D("0.00"), D("12000.50")),
    }
    shown = client.get(url).get_data(as_text=True)
    assert "Déposé le 10/07/2020" in shown and "40\u202f000,50" in shown


def test_a_bad_amount_or_a_second_report_is_refused_and_nothing_saved(client, seed, finance):
    convention, place, _ = seed
    url = f"/funding/conventions/{convention.id}/reports/2020-T2"

    bad = post_form(client, url, {"submitted_on": "2020-07-10", f"ae_{place.id}": "12,345"})
    assert bad.status_code == 422
    assert "deux décimales au plus" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConsumptionReport.id))) == 0

    assert post_form(client, url, {"submitted_on": "2020-07-10"}).status_code == 302
    second = post_form(client, url, {"submitted_on": "2020-07-12"})
    assert second.status_code == 422
    assert "il ne peut y en avoir qu’un par trimestre" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConsumptionReport.id))) == 1


def test_an_unknown_quarter_is_not_found(client, seed, finance):
    convention, *_ = seed

    assert client.get(f"/funding/conventions/{convention.id}/reports/2019-T4").status_code == 404
    assert client.get(f"/funding/conventions/{convention.id}/reports/trimestre").status_code == 404


def test_a_quarter_overdue_shows_late_and_filed_once_filed(client, seed, finance):
    convention, *_ = seed
    url = f"/funding/conventions/{convention.id}/reports"

    late = client.get(f"{url}?on=2020-07-16").get_data(as_text=True)
    assert _status_of(late, "2020-T2") == "En retard"
    assert _status_of(client.get(f"{url}?on=2020-07-15").get_data(as_text=True), "2020-T2") == "À déposer"
    assert _status_of(late, "2020-T3") == "À venir"

    add_report(convention, "2020-T2", date(2020, 7, 20), {})
    db.session.commit()
    assert _status_of(client.get(f"{url}?on=2020-07-21").get_data(as_text=True), "2020-T2") == "Déposé"


def _status_of(html: str, key: str) -> str:
    row = html.split(f'data-quarter="{key}"', 1)[1].split("</tr>", 1)[0]
    return row.split('data-testid="report-status">', 1)[1].split("<", 1)[0]


# --- Consumed vs granted, burn rate, run-out ---------------------------------------------------


def test_consumed_vs_granted_follows_amendments_and_reports_filed_by_the_day(app, seed):
    convention, place, signaux = seed
    amendment = Amendment(number=1, signed_on=date(2020, 10, 1), description="Plus de CP")
    convention.amendments.append(amendment)
    place.amounts.append(LineAmount(effective_on=date(2020, 10, 1), ae=D("200000"), cp=D("500000"), amendment=amendment))
    add_report(convention, "2020-T2", date(2020, 7, 10), {place: ("50000", "40000"), signaux: ("10000", "8000")})
    add_report(convention, "2020-T3", date(2020, 10, 12), {place: ("30000", "60000")})

    before = consumption.consumption(convention, date(2020, 9, 30))
    after = consumption.consumption(convention, date(2020, 10, 12))

    assert before.reports_counted == 1
    assert (before.lines[0].envelope.granted_cp, before.lines[0].envelope.paid_cp) == (D("452900"), D("40000"))
    assert (after.lines[0].envelope.granted_cp, after.lines[0].envelope.paid_cp) == (D("500000"), D("100000"))
    assert after.lines[0].envelope.committed_ae == D("80000")
    assert (after.total.granted_ae, after.total.committed_ae) == (D("368000"), D("90000"))
    assert (after.total.granted_cp, after.total.paid_cp, after.total.remaining_cp) == (D("668000"), D("108000"), D("560000"))


def test_burn_rate_and_run_out_date_per_startup(app, seed):
    convention, place, signaux = seed
    add_report(convention, "2020-T2", date(2020, 7, 10), {place: ("0", "86000"), signaux: ("0", "168000")})

    result = consumption.consumption(convention, date(2020, 8, 1))

    by_slug = {item.startup.slug: item.envelope for item in result.startups}
    place_envelope = by_slug["conseillers-entreprises"]
    # From 6 April to 30 June 2020: 86 days, so 1 000 € of CP a day.
    assert (place_envelope.period_start, place_envelope.period_end, place_envelope.reported_days) == (
        date(2020, 4, 6), date(2020, 6, 30), 86,
    )
    assert place_envelope.burn_rate == D("1000.00")
    # 452 900 - 86 000 = 366 900 € left at 1 000 € a day: 367 days (rounded up) after 30 June 2020.
    assert place_envelope.run_out == date(2020, 6, 30) + timedelta(days=367)
    # Signaux Faibles has paid all its CP: its envelope ran out by the end of the reported period.
    assert by_slug["signaux-faibles"].remaining_cp == 0 and by_slug["signaux-faibles"].run_out == date(2020, 6, 30)


def test_estimated_run_out_spans_every_convention_of_the_startup(app, demo):
    db.session.add(Startup(slug="nouvelle-startup", name="Nouvelle startup"))
    first = make_convention("TEST-CR-2020")
    line = add_line(first, "nouvelle-startup", "200000", "452900")
    assert consumption.estimated_run_out(line.startup, date(2020, 8, 1)) is None
    add_report(first, "2020-T2", date(2020, 7, 10), {line: ("0", "86000")})
    later = make_convention("TEST-CR-2021", effective_on=date(2021, 1, 1), signed_on=date(2020, 12, 15))
    add_line(later, "nouvelle-startup", "100000", "100000", year=2021, on=date(2020, 12, 15))
    db.session.commit()

    # Before the second convention's amounts: 366 900 € left at 1 000 € a day.
    assert consumption.estimated_run_out(line.startup, date(2020, 8, 1)) == date(2020, 6, 30) + timedelta(days=367)
    # In 2021 the 2020 credits have lapsed (AE and CP last one calendar year): only the 2021 line
    # counts, and nothing is reported on it yet, so no run-out can be estimated.
    assert consumption.estimated_run_out(line.startup, date(2021, 1, 2)) is None
    # A report filed after the day asked about does not count yet.
    assert consumption.estimated_run_out(line.startup, date(2020, 7, 9)) is None


def test_the_reports_page_shows_the_chart_the_envelope_and_the_run_out(client, seed, finance):
    convention, place, signaux = seed
    add_report(convention, "2020-T2", date(2020, 7, 10), {place: ("100000", "86000"), signaux: ("0", "168000")})
    db.session.commit()

    html = client.get(f"/funding/conventions/{convention.id}/reports?on=2020-08-01").get_data(as_text=True)

    assert 'data-testid="consumption-chart"' in html and "<svg" in html
    assert html.count('data-testid="chart-group"') == 3  # two lines and the total
    assert 'data-share="19"' in html  # 86 000 of 452 900 CP paid
    assert "366\u202f900" in html  # Place des Entreprises' CP left
    assert "366\u202f900\u00a0€" in html.split('data-startup="conseillers-entreprises"')[1].split("</tr>")[0]
    assert "1\u202f000,00\u00a0€" in html and "02/07/2021" in html
    assert "style=" not in html and "<script>" not in html


def test_a_bad_day_is_a_french_error(client, seed, finance):
    convention, *_ = seed

    response = client.get(f"/funding/conventions/{convention.id}/reports?on=hier")

    assert response.status_code == 422 and "n’est pas une date" in response.get_data(as_text=True)


# --- SQL statements ------------------------------------------------------------------------------


def test_the_reports_page_runs_as_many_statements_for_2_or_12_lines_and_reports(client, demo, finance, make_user):
    small, big = make_convention("PETITE"), make_convention("GRANDE")
    for index in range(2):
        add_line(small, "signaux-faibles" if index else "conseillers-entreprises", "1000", "1000", year=2020 + index)
    for index in range(12):
        add_line(big, "signaux-faibles" if index % 2 else "conseillers-entreprises", "1000", "1000", year=2020 + index)
    other = make_user("finance")
    add_report(small, "2020-T2", date(2020, 7, 1), {line: ("1", "1") for line in small.lines}).submitted_by_id = finance.id
    for number, key in enumerate(["2020-T2", "2020-T3", "2020-T4", "2021-T1", "2021-T2", "2021-T3"]):
        report = add_report(big, key, Quarter.from_key(key).end + timedelta(days=3), {line: ("1", "1") for line in big.lines})
        report.submitted_by_id = other.id if number % 2 else finance.id
    db.session.commit()

    small_id, big_id = small.id, big.id
    client.get("/")  # the first request of a session loads what every page then reuses
    small_count = count_statements(client, f"/funding/conventions/{small_id}/reports?on=2022-01-01")
    big_count = count_statements(client, f"/funding/conventions/{big_id}/reports?on=2022-01-01")

    assert small_count == big_count <= 10


_SUMS = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(
    st.tuples(st.decimals(min_value=0, max_value=D("99999999.99"), places=2),
              st.decimals(min_value=0, max_value=D("99999999.99"), places=2)),
    min_size=1, max_size=12,
))
def test_the_databases_sums_of_entries_are_the_exact_sums_of_the_amounts(app, demo, entries):
    """consumed_on sums in SQL (SQLite stores the amounts as floating point); the sums must be, to
    the cent, what adding the Decimals gives, as the consumption computed from the objects does."""
    convention = make_convention(reference=f"TEST-SUM-{next(_SUMS)}")
    line = add_line(convention, "signaux-faibles", "100000000", "100000000")
    quarter = Quarter.from_key("2020-T2")
    for ae, cp in entries:
        add_report(convention, quarter.key, date(2020, 7, 10), {line: (ae, cp)})
        quarter = quarter.next()
    db.session.commit()
    summed = consumption.consumed_on(date(2030, 1, 1), [line.id])
    assert summed[line.id] == (sum(ae for ae, _ in entries), sum(cp for _, cp in entries))


def test_a_report_beyond_the_granted_amount_asks_for_confirmation_then_shows_in_the_alerts(app, demo, client):
    """An AE committed or CP paid beyond a line's granted amount: the two-step confirmation, then
    the funding alerts show it."""
    from conftest import post_form
    from portfolio.demo.data import DEMO_PASSWORD
    from portfolio.funding.models import ConsumptionReport, Convention

    convention = db.session.scalar(select(Convention))
    lines = {line.startup.slug: line for line in convention.lines}
    post_form(client, "/login", {"email": "finance@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login")
    url = f"/funding/conventions/{convention.id}/reports/2020-T2"
    data = {
        "submitted_on": "2020-07-10",
        f"ae_{lines['signaux-faibles'].id}": "100 000",
        f"cp_{lines['signaux-faibles'].id}": "900 000",
        f"ae_{lines['conseillers-entreprises'].id}": "",
        f"cp_{lines['conseillers-entreprises'].id}": "",
    }
    first = post_form(client, url, data, token_from=url)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-testid="confirmation"' in page
    assert "Ce compte rendu dépasse le montant accordé" in page and "900" in page
    assert db.session.scalar(select(func.count(ConsumptionReport.id))) == 0
    confirmed = post_form(client, url, {**data, "confirmed": "1"}, token_from=url)
    assert confirmed.status_code == 302
    alerts = client.get("/funding/warnings").get_data(as_text=True)
    assert "AE engagées ou CP payés au-delà du montant accordé" in alerts
    assert "de CP payés pour" in alerts
