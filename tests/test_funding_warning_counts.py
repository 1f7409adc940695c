"""The warnings counted in SQL (the finance home) are the warnings the finance view lists, kind by
kind: on the demo, on a generated portfolio, and on conventions made to meet every rule's edges
(amendments, corrections the same day, amounts not in force yet, declared totals, UO written
differently, a stopped startup, credits consumed beyond or short of what was granted)."""
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from portfolio.demo.generate import generate
from portfolio.extensions import db
from portfolio.funding.models import Amendment, FundingLine, LineAmount
from portfolio.funding.queries import all_conventions
from portfolio.funding.warning_counts import warning_counts
from portfolio.funding.warnings import WARNING_KINDS, all_warnings
from portfolio.startups.models import PhaseSpan
from portfolio.timeutil import today_in_paris
from reminders_support import consumption_report, convention, funding_line, startup


def listed(today: date) -> dict[str, int]:
    found = Counter(warning.code for warning in all_warnings(all_conventions(), today))
    return {code: found.get(code, 0) for code in WARNING_KINDS}


def assert_counted_as_listed() -> dict[str, int]:
    today = today_in_paris()
    counted = warning_counts(today)
    assert counted == listed(today)
    return counted


def test_the_demo_s_warnings_are_counted_as_listed(app, demo):
    from portfolio.demo.funding import file_demo_reports

    assert_counted_as_listed()
    file_demo_reports()
    db.session.commit()
    assert sum(assert_counted_as_listed().values()) > 0


def test_a_generated_portfolio_s_warnings_are_counted_as_listed(app):
    generate(1, seed=3)
    db.session.commit()
    counted = assert_counted_as_listed()
    assert sum(1 for number in counted.values() if number) >= 4, counted


def test_every_rule_s_edges_are_counted_as_listed(app):
    today = today_in_paris()
    running = startup("en-cours", phase="construction", since=date(2024, 1, 1))
    stopped = startup("arretee", phase="construction", since=date(2023, 1, 1))
    stopped.phase_spans.append(PhaseSpan(phase="abandon", start=date(2024, 6, 1)))
    db.session.commit()

    # Declared totals: one right in AE, wrong in CP; lines added by an amendment left out of them.
    declared = convention("CONV-TOTAL", effective_on=date(2024, 1, 10))
    declared.declared_total_ae, declared.declared_total_cp = Decimal("150000.00"), Decimal("140000.00")
    declared.uo = "0134-dge-dium "
    first = funding_line(declared, running, 2024, "100000.00", "100000.00")
    first.uo = "0134-DGE-DIUM"
    second = funding_line(declared, stopped, 2024, "50000.00", "45000.00")
    second.uo = "0135-AUTRE"
    # A correction the same day (the later id wins), then an amendment, then amounts not in force yet.
    second.amounts.append(LineAmount(effective_on=date(2024, 1, 10), ae=Decimal("50000.00"), cp=Decimal("50000.00")))
    amendment = Amendment(convention=declared, number=1, signed_on=date(2024, 9, 1), description="Avenant 1")
    db.session.add(amendment)
    first.amounts.append(LineAmount(effective_on=date(2024, 9, 1), ae=Decimal("120000.00"), cp=Decimal("110000.00"), amendment=amendment))
    first.amounts.append(LineAmount(effective_on=today + timedelta(days=30), ae=Decimal("1.00"), cp=Decimal("2.00")))
    added = FundingLine(fiscal_year=2025, label="Ajoutée par avenant", startup=running, convention=declared)
    added.amounts.append(LineAmount(effective_on=date(2024, 9, 1), ae=Decimal("7.00"), cp=Decimal("7.00"), amendment=amendment))
    db.session.add(added)
    # A line with no amounts at all, and a line whose only amounts start later.
    db.session.add(FundingLine(fiscal_year=2026, label="Sans montant", startup=running, convention=declared))
    later = FundingLine(fiscal_year=2027, label="Plus tard", startup=running, convention=declared)
    later.amounts.append(LineAmount(effective_on=today + timedelta(days=5), ae=Decimal("10.00"), cp=Decimal("5.00")))
    db.session.add(later)
    db.session.commit()
    consumption_report(declared, date(2024, 4, 1), date(2024, 7, 10), {first: ("130000.00", "90000.00"), second: ("10.00", "10.00")})

    # Ended conventions: one closed with credits left, one past its end with everything consumed,
    # one whose end precedes its start; and one with declared totals but no line.
    closed = convention("CONV-CLOSE", status="closed", effective_on=date(2023, 2, 1), ends_on=date(2023, 12, 31))
    short = funding_line(closed, running, 2023, "1000.00", "1000.00")
    consumption_report(closed, date(2023, 1, 1), date(2023, 4, 10), {short: ("400.00", "1000.00")})
    done = convention("CONV-DONE", effective_on=date(2022, 2, 1), ends_on=date(2022, 12, 31))
    whole = funding_line(done, running, 2022, "300.10", "300.20")
    consumption_report(done, date(2022, 1, 1), date(2022, 4, 10), {whole: ("100.05", "100.10")})
    consumption_report(done, date(2022, 4, 1), date(2022, 7, 10), {whole: ("200.05", "200.10")})
    backwards = convention("CONV-REVERS", effective_on=date(2025, 3, 1), ends_on=date(2025, 1, 1))
    backwards.signed_on = date(2025, 2, 1)
    empty = convention("CONV-VIDE", effective_on=date(2025, 1, 1))
    empty.declared_total_ae = Decimal("0.00")
    empty.declared_total_cp = Decimal("12.00")
    db.session.commit()

    counted = assert_counted_as_listed()
    for code in ("cp_differs_from_ae", "total_mismatch", "uo_differs", "startup_stopped", "end_before_start",
                 "unconsumed_credits", "beyond_granted"):
        assert counted[code] >= 1, (code, counted)


def test_the_count_runs_as_many_statements_whatever_the_portfolio(app, demo):
    from conftest import recorded_statements

    today = today_in_paris()
    with recorded_statements() as small:
        warning_counts(today)
    generate(1, seed=5)
    db.session.commit()
    with recorded_statements() as large:
        warning_counts(today)
    assert len(small) == len(large) <= 5
