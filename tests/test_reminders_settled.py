""""À faire" is true at once: filing a report, closing a follow-up or holding a committee takes
the item out on the next page load, before the next sweep closes the deadline (and the sweep
still sends the e-mails of what stays due)."""
from datetime import date

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.reminders.generate import generate
from portfolio.reminders.models import Deadline
from portfolio.reminders.queries import todo

from reminders_support import consumption_report, convention, follow_up_action, meeting, paris, startup


def todo_titles(user, today: date) -> list[str]:
    return [deadline.title for deadline in db.session.scalars(todo(user.id, today))]


def test_a_filed_report_leaves_finances_todo_at_once(app, make_user):
    finance = make_user("finance")
    item = convention(effective_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    generate(paris(2024, 4, 15, 9))
    assert todo_titles(finance, date(2024, 4, 15)) == ["Compte rendu de consommation du 1er trimestre 2024 — convention CONV-TEST"]
    consumption_report(item, date(2024, 1, 1), submitted_on=date(2024, 4, 15))
    assert todo_titles(finance, date(2024, 4, 15)) == []
    # The deadline row is still open until the next sweep, which closes it.
    assert db.session.scalar(select(Deadline.closed_at).where(Deadline.rule == "quarterly_report")) is None
    generate(paris(2024, 4, 15, 10))
    assert db.session.scalar(select(Deadline.close_reason).where(Deadline.rule == "quarterly_report")) == "resolved"


def test_a_closed_follow_up_leaves_its_owners_todo_at_once(app, make_user):
    owner = make_user(None, name="Inès Moreau")
    held = meeting(paris(2025, 3, 3, 10), reviewed=[startup("signaux-faibles")], status="held")
    action = follow_up_action(held, owner, due_on=date(2025, 5, 5))
    generate(paris(2025, 5, 5, 9))
    assert len(todo_titles(owner, date(2025, 5, 5))) == 1
    action.status = "done"
    db.session.commit()
    assert todo_titles(owner, date(2025, 5, 5)) == []


def test_a_committee_held_leaves_the_next_committee_item_at_once(app, make_user):
    funded = startup("signaux-faibles", since=date(2023, 1, 1))
    coach = make_user("coach", scope="dinum")
    last = meeting(paris(2023, 8, 31, 10), reviewed=[funded], status="held")
    last.created_at = paris(2023, 8, 1)  # entered before the reminders began, as in real life
    db.session.commit()
    generate(paris(2024, 1, 15, 9))
    item = "Prochain comité d’investissement de Signaux Faibles"
    assert item in todo_titles(coach, date(2024, 1, 15))
    meeting(paris(2024, 1, 14, 10), reviewed=[funded], status="held")
    assert item not in todo_titles(coach, date(2024, 1, 15))
