"""Each reminder rule on fixed dates (a controlled clock): the days it reminds on, whom, and when it
stops — quarter ends, a convention starting mid-quarter, a leap year, a daylight-saving change."""
from datetime import date, timedelta

import pytest

from portfolio.extensions import db
from portfolio.reminders.calendar import monthly, next_slot, paris_instant, weekly
from portfolio.timeutil import add_months
from portfolio.reminders.rules import RULES

from reminders_support import (
    consumption_report,
    convention,
    dues_on,
    follow_up_action,
    funding_line,
    meeting,
    paris,
    prepare,
    reminder_days,
    startup,
)


@pytest.fixture
def people(make_user):
    """One account per role the rules name (the coach scoped to the startups' incubator)."""
    from reminders_support import incubator

    incubator("dinum")
    db.session.commit()
    return {
        "finance": make_user("finance"),
        "chair": make_user("committee_chair"),
        "coach": make_user("coach", scope="dinum"),
        "other_coach": _other_coach(make_user),
        "admin": make_user("admin"),
    }


def _other_coach(make_user):
    from reminders_support import incubator

    incubator("autre")
    db.session.commit()
    return make_user("coach", scope="autre")


def _intrapreneur(make_user, slug):
    return make_user("intrapreneur", scope=slug)


# --- Calendar arithmetic ---------------------------------------------------------------------


def test_months_clamp_to_the_end_of_shorter_months_leap_years_included():
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert monthly(date(2024, 1, 31), date(2024, 1, 1), date(2024, 4, 30)) == [
        date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)
    ]
    assert weekly(date(2024, 2, 26), date(2024, 3, 1), date(2024, 3, 12)) == [date(2024, 3, 4), date(2024, 3, 11)]


def test_the_sending_hour_is_paris_time_on_both_sides_of_a_daylight_saving_change():
    # 8 h in Paris: 07:00 UTC in winter, 06:00 UTC in summer; 30 March 2025 is the spring change.
    assert paris_instant(date(2025, 3, 29), 8).hour == 7
    assert paris_instant(date(2025, 3, 30), 8).hour == 6
    assert paris_instant(date(2025, 10, 26), 8).hour == 7
    # The next Monday slot from a Wednesday evening is Monday 8 h, whatever the offset.
    assert next_slot(paris(2025, 3, 26, 20), 8, weekday=0) == paris(2025, 3, 31, 8)


# --- Quarterly consumption report ------------------------------------------------------------


def test_quarterly_report_reminds_7_days_before_on_the_day_then_weekly_until_filed(app, people):
    # Effective on 10 February 2024: the first quarter is the partial Q1, due on 15 April (quarter end + 15).
    item = convention(effective_on=date(2024, 2, 10), ends_on=date(2024, 12, 31))
    assert reminder_days("quarterly_report", date(2024, 3, 25), date(2024, 5, 10), "convention") == [
        date(2024, 4, 8), date(2024, 4, 15), date(2024, 4, 22), date(2024, 4, 29), date(2024, 5, 6)
    ]
    consumption_report(item, date(2024, 1, 1), submitted_on=date(2024, 4, 25))
    first_quarter = f"convention:{item.id}:report:2024-T1"
    assert reminder_days("quarterly_report", date(2024, 4, 1), date(2024, 5, 10), first_quarter) == [
        date(2024, 4, 8), date(2024, 4, 15), date(2024, 4, 22)
    ]


def test_quarterly_report_goes_to_finance_only(app, people):
    convention(effective_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    (due,) = dues_on("quarterly_report", date(2024, 4, 15))
    assert due.due_on == date(2024, 4, 15) and due.occurrences == [date(2024, 4, 15)]
    assert due.recipients == {people["finance"].id: "finance"}
    assert due.url == f"/funding/conventions/{due.subject.split(':')[1]}"


def test_quarterly_report_follows_the_convention_dates_and_status(app, people):
    convention("DRAFT", status="draft", effective_on=date(2024, 1, 1))
    item = convention("ENDED", effective_on=date(2023, 10, 1), ends_on=date(2023, 12, 31), report_due_days=30)
    # Q4 2023 is the last quarter; its report is due on 30 January 2024 (31 December + 30 days).
    dues = dues_on("quarterly_report", date(2024, 1, 30))
    assert [(due.subject, due.due_on) for due in dues] == [(f"convention:{item.id}:report:2023-T4", date(2024, 1, 30))]
    # Nothing after the end; the draft has no obligations yet.
    assert [due.subject for due in dues_on("quarterly_report", date(2024, 4, 15), catch_up_days=400)] == [
        f"convention:{item.id}:report:2023-T4"
    ]


# --- Investment committee before the convention ends ------------------------------------------


def test_committee_before_end_reminds_60_30_and_7_days_before_while_none_is_planned(app, people):
    funded = startup("signaux-faibles")
    item = convention(effective_on=date(2024, 7, 1), ends_on=date(2025, 6, 30))
    funding_line(item, funded, 2025, "100000", "100000")
    assert reminder_days("committee_before_end", date(2025, 4, 1), date(2025, 7, 5)) == [
        date(2025, 5, 1), date(2025, 5, 31), date(2025, 6, 23)
    ]
    (due,) = dues_on("committee_before_end", date(2025, 5, 1))
    assert due.recipients == {people["chair"].id: "chair", people["coach"].id: "coach"}
    meeting(paris(2025, 6, 12, 14), reviewed=[funded])
    assert reminder_days("committee_before_end", date(2025, 5, 1), date(2025, 6, 30)) == []


def test_a_committee_for_other_startups_does_not_answer_the_convention(app, people):
    funded, other = startup("signaux-faibles"), startup("autre-startup")
    item = convention(effective_on=date(2024, 7, 1), ends_on=date(2025, 6, 30))
    funding_line(item, funded, 2025, "1000", "1000")
    meeting(paris(2025, 6, 12, 14), reviewed=[other])
    meeting(paris(2025, 6, 13, 14), reviewed=[funded], status="cancelled")
    assert reminder_days("committee_before_end", date(2025, 6, 20), date(2025, 6, 30)) == [date(2025, 6, 23)]


# --- Next committee of a startup -------------------------------------------------------------


def test_next_committee_45_and_15_days_before_then_weekly_while_overdue_in_a_leap_year(app, people, make_user):
    funded = startup("signaux-faibles", since=date(2023, 1, 1))
    intrapreneur = _intrapreneur(make_user, "signaux-faibles")
    meeting(paris(2023, 8, 31, 10), reviewed=[funded], status="held")
    # Last committee 31 August 2023 + 6 months = 29 February 2024 (a leap year).
    assert reminder_days("next_committee", date(2024, 1, 1), date(2024, 3, 31)) == [
        date(2024, 1, 15), date(2024, 2, 14), date(2024, 3, 7), date(2024, 3, 14), date(2024, 3, 21), date(2024, 3, 28)
    ]
    (due,) = dues_on("next_committee", date(2024, 1, 15))
    assert due.due_on == date(2024, 2, 29)
    # No chair is known for that committee: its coaches and intrapreneurs, not every chair.
    assert due.recipients == {people["coach"].id: "coach", intrapreneur.id: "intrapreneur"}
    # Once the next committee is scheduled, the reminders stop.
    meeting(paris(2024, 4, 10, 10), reviewed=[funded])
    assert reminder_days("next_committee", date(2024, 3, 1), date(2024, 3, 31)) == []


def test_next_committee_goes_to_the_chair_of_the_last_committee_when_there_was_one(app, people, make_user):
    funded = startup("signaux-faibles", since=date(2023, 1, 1))
    imported = startup("conseillers-entreprises", since=date(2023, 1, 1))
    second_chair = make_user("committee_chair")
    meeting(paris(2023, 3, 1, 10), reviewed=[funded], chair=people["chair"], status="held")
    meeting(paris(2023, 8, 31, 10), reviewed=[funded], chair=second_chair, status="held")
    # A committee known from the registry records no chair.
    meeting(paris(2023, 8, 31, 10), reviewed=[imported], status="held")
    dues = {due.subject.split(":")[1]: due for due in dues_on("next_committee", date(2024, 3, 1))}
    chairs_of = {
        startup_id: {user_id for user_id, role in due.recipients.items() if role == "chair"}
        for startup_id, due in dues.items()
    }
    # The chair of its latest committee, not the one before nor every chair…
    assert chairs_of[str(funded.id)] == {second_chair.id}
    # …and no chair when none is known (its coaches are reminded).
    assert chairs_of[str(imported.id)] == set()
    assert dues[str(imported.id)].recipients == {people["coach"].id: "coach"}


def test_global_coaches_are_reminded_only_of_startups_whose_incubators_have_no_coach(app, people, make_user):
    global_coach = make_user("coach")
    coached = startup("signaux-faibles", updated_at=paris(2023, 11, 2, 10))
    uncoached = startup("sans-coach", updated_at=paris(2023, 11, 2, 10), incubator_slug="sans-coach")
    dues = {due.subject: due for due in dues_on("stale_startup", date(2024, 2, 29))}
    recipients = {startup_id: set(due.recipients) for startup_id, due in (
        (item.id, next(due for subject, due in dues.items() if f"startup:{item.id}:" in subject))
        for item in (coached, uncoached)
    )}
    assert recipients[coached.id] == {people["coach"].id}
    assert recipients[uncoached.id] == {global_coach.id}


def test_next_committee_ignores_startups_that_are_not_active(app, people):
    stopped = startup("arretee", phase="abandon", since=date(2023, 9, 1))
    meeting(paris(2023, 3, 1, 10), reviewed=[stopped], status="held")
    assert reminder_days("next_committee", date(2023, 8, 1), date(2023, 10, 1)) == []


# --- Committee pack and preparations ---------------------------------------------------------


def test_pack_7_days_before_and_missing_preparations_the_day_before_across_the_spring_change(app, people, make_user):
    first, second = startup("signaux-faibles"), startup("conseillers-entreprises")
    intrapreneur = _intrapreneur(make_user, "signaux-faibles")
    other = _intrapreneur(make_user, "conseillers-entreprises")
    # 30 March 2025, 10 h in Paris: the day clocks go forward.
    held = meeting(paris(2025, 3, 30, 10), reviewed=[first, second], chair=people["chair"])
    assert held.starts_at.hour == 8  # 10 h CEST
    assert reminder_days("committee_pack", date(2025, 3, 16), date(2025, 3, 31)) == [date(2025, 3, 23)]
    (pack,) = dues_on("committee_pack", date(2025, 3, 23))
    assert pack.recipients == {people["chair"].id: "chair"}
    assert reminder_days("missing_preparation", date(2025, 3, 16), date(2025, 3, 31)) == [date(2025, 3, 29)]
    dues = dues_on("missing_preparation", date(2025, 3, 23))
    assert [due.recipients for due in dues] == [{intrapreneur.id: "intrapreneur"}, {other.id: "intrapreneur"}]
    assert all(due.visible_from == date(2025, 2, 28) and due.due_on == date(2025, 3, 29) for due in dues)

    prepare(held.reviews[0])
    held.pack_sent_at = paris(2025, 3, 22, 18)
    db.session.commit()
    assert dues_on("committee_pack", date(2025, 3, 23)) == []
    (left,) = dues_on("missing_preparation", date(2025, 3, 29))
    assert left.recipients == {other.id: "intrapreneur"}


def test_no_pack_reminder_for_a_meeting_held_or_cancelled(app, people):
    startup("signaux-faibles")
    meeting(paris(2025, 5, 10, 10), status="cancelled", chair=people["chair"])
    assert reminder_days("committee_pack", date(2025, 5, 1), date(2025, 5, 10)) == []


# --- Decision follow-up ----------------------------------------------------------------------


def test_follow_up_on_its_due_date_then_weekly_while_open(app, people, make_user):
    funded = startup("signaux-faibles")
    owner = _intrapreneur(make_user, "signaux-faibles")
    held = meeting(paris(2025, 3, 3, 10), reviewed=[funded], chair=people["chair"], status="held")
    action = follow_up_action(held, owner, due_on=date(2025, 5, 5))
    assert reminder_days("follow_up", date(2025, 4, 1), date(2025, 5, 20)) == [
        date(2025, 5, 5), date(2025, 5, 12), date(2025, 5, 19)
    ]
    (due,) = dues_on("follow_up", date(2025, 4, 1))
    assert due.visible_from == date(2025, 3, 3) and due.occurrences == []
    assert due.recipients == {owner.id: "owner"}
    action.status = "done"
    db.session.commit()
    assert dues_on("follow_up", date(2025, 5, 12)) == []


# --- Phase overdue, stale startup ------------------------------------------------------------


def test_phase_overdue_once_when_the_time_in_phase_crosses_the_norm(app, people):
    startup("signaux-faibles", phase="investigation", since=date(2024, 1, 1))
    norm = app.config["PHASE_NORMS_DAYS"]["investigation"]
    crossing = date(2024, 1, 1) + timedelta(days=norm + 1)
    assert reminder_days("phase_overdue", crossing - timedelta(days=3), crossing + timedelta(days=40)) == [crossing]
    (due,) = dues_on("phase_overdue", crossing + timedelta(days=10))
    assert due.recipients == {people["coach"].id: "coach"} and RULES["phase_overdue"].manual_done


def test_stale_startup_at_90_days_then_monthly_through_february_29(app, people, make_user):
    # Last update 2 November 2023 + 90 days = 31 January 2024; then 29 February, 31 March.
    startup("signaux-faibles", updated_at=paris(2023, 11, 2, 10))
    intrapreneur = _intrapreneur(make_user, "signaux-faibles")
    startup("arretee", phase="abandon", since=date(2023, 1, 1), updated_at=paris(2023, 11, 2, 10))
    assert reminder_days("stale_startup", date(2024, 1, 25), date(2024, 4, 5)) == [
        date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)
    ]
    (due,) = dues_on("stale_startup", date(2024, 2, 29))
    # Its incubators' coaches, not its intrapreneur.
    assert due.recipients == {people["coach"].id: "coach"} and intrapreneur.id not in due.recipients


# --- Money: year-end and convention end ------------------------------------------------------


def test_budget_year_end_on_1_november_and_1_december_while_credits_are_unconsumed(app, people, make_user):
    funded = startup("signaux-faibles")
    item = convention(effective_on=date(2025, 1, 15), ends_on=date(2026, 12, 31))
    line = funding_line(item, funded, 2025, "120000", "100000")
    funding_line(item, funded, 2026, "50000", "50000")
    assert reminder_days("budget_year_end", date(2025, 10, 25), date(2025, 12, 31)) == [
        date(2025, 11, 1), date(2025, 12, 1)
    ]
    (due,) = dues_on("budget_year_end", date(2025, 11, 1))
    assert due.recipients == {people["finance"].id: "finance"}
    # With an intrapreneur of the startup whose line is open, they are reminded too.
    intrapreneur = _intrapreneur(make_user, "signaux-faibles")
    (due,) = dues_on("budget_year_end", date(2025, 11, 1))
    assert due.recipients == {people["finance"].id: "finance", intrapreneur.id: "intrapreneur"}
    assert "120\u202f000\u00a0€ d’AE" in due.title and "de 2025" in due.title
    consumption_report(item, date(2025, 7, 1), submitted_on=date(2025, 10, 10), entries={line: ("120000", "100000")})
    assert dues_on("budget_year_end", date(2025, 12, 1)) == []


def test_convention_end_with_unconsumed_credits_30_days_before(app, people):
    funded = startup("signaux-faibles")
    item = convention(effective_on=date(2025, 1, 1), ends_on=date(2025, 6, 30))
    line = funding_line(item, funded, 2025, "1000", "1000")
    assert reminder_days("convention_end_credits", date(2025, 5, 1), date(2025, 7, 5)) == [date(2025, 5, 31)]
    (due,) = dues_on("convention_end_credits", date(2025, 5, 31))
    assert due.recipients == {people["finance"].id: "finance"}
    consumption_report(item, date(2025, 1, 1), submitted_on=date(2025, 4, 10), entries={line: ("1000", "1000")})
    assert reminder_days("convention_end_credits", date(2025, 5, 1), date(2025, 7, 5)) == []


def test_every_rule_is_listed_once_with_a_french_label():
    assert set(RULES) == {
        "quarterly_report", "committee_before_end", "next_committee", "committee_pack", "missing_preparation",
        "follow_up", "phase_overdue", "stale_startup", "budget_year_end", "convention_end_credits",
    }
    assert all(rule.label and rule.audience for rule in RULES.values())


# --- Who receives what: one table, and the admins as the backstop ----------------------------


def test_every_rule_has_one_audience_in_the_table(app, people):
    from portfolio.reminders.audience import AUDIENCES

    assert set(AUDIENCES) == set(RULES)
    assert RULES["quarterly_report"].audience == "finance"
    assert "intrapreneur·es" in RULES["missing_preparation"].audience


def test_a_deadline_nobody_would_receive_goes_to_the_admins(app, people):
    # A follow-up owned by someone without an account, of a meeting without a chair: nobody else would receive it.
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 3, 3, 10), reviewed=[funded], status="held")
    action = follow_up_action(held, people["chair"], due_on=date(2025, 5, 5))
    action.owner_id, action.owner_name = None, "Équipe DGE"
    db.session.commit()
    (due,) = dues_on("follow_up", date(2025, 5, 5))
    assert due.recipients == {people["admin"].id: "admin"}


def test_a_committee_pack_goes_to_the_meetings_chair_only(app, people, make_user):
    make_user("committee_chair")  # another chair, not this meeting's
    funded = startup("signaux-faibles")
    meeting(paris(2025, 5, 20, 10), reviewed=[funded], chair=people["chair"])
    (pack,) = dues_on("committee_pack", date(2025, 5, 13))
    assert pack.recipients == {people["chair"].id: "chair"}


def test_committee_before_end_goes_to_chairs_and_the_funded_startups_coaches(app, people):
    funded = startup("signaux-faibles")
    item = convention(effective_on=date(2024, 7, 1), ends_on=date(2025, 6, 30))
    funding_line(item, funded, 2025, "1000", "1000")
    (due,) = dues_on("committee_before_end", date(2025, 5, 1))
    assert due.recipients == {people["chair"].id: "chair", people["coach"].id: "coach"}


def test_quarterly_reports_stop_once_an_until_paid_convention_is_closed(app, people):
    from portfolio.funding.models import StatusChange
    from portfolio.funding.reports import convention_quarters

    item = convention(effective_on=date(2020, 4, 6), until_paid=True)
    assert convention_quarters(item, date(2026, 12, 1))[-1].key == "2026-T4"
    item.status = "closed"
    item.status_changes.append(StatusChange(status="closed", changed_on=date(2021, 1, 29)))
    db.session.commit()
    assert [quarter.key for quarter in convention_quarters(item, date(2026, 12, 1))] == [
        "2020-T2", "2020-T3", "2020-T4", "2021-T1"
    ]
    assert dues_on("quarterly_report", date(2026, 12, 1), catch_up_days=2000) == []
