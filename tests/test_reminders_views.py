"""The reminders' pages: "À faire", the inbox and the header's unread count, marking done and read,
the delivery preference, the admin's list of reminders with their failures, and the outbox."""
import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.reminders.models import Deadline, DeadlineRecipient, Notification, NotificationPreference, OutboxMessage
from portfolio.reminders.queries import unread_count
from portfolio.timeutil import today_in_paris, utcnow

from conftest import post_form, recorded_statements


def deadline_for(user, title: str, due_on: date, rule: str = "follow_up", visible_from: date | None = None,
                 url: str | None = "/startups/signaux-faibles") -> Deadline:
    deadline = Deadline(rule=rule, subject=f"test:{title}", title=title, due_on=due_on, url=url,
                        visible_from=visible_from or due_on - timedelta(days=7))
    deadline.recipients.append(DeadlineRecipient(user_id=user.id, role="owner"))
    db.session.add(deadline)
    db.session.commit()
    return deadline


OCCURRENCES = itertools.count()


def notification_for(user, deadline: Deadline, hours_ago: int = 1, **values) -> Notification:
    """A notification of the deadline to the user, due `hours_ago` hours ago (negative: not yet due)."""
    due_at = utcnow() - timedelta(hours=hours_ago)
    notification = Notification(
        deadline=deadline, rule=deadline.rule, subject=deadline.subject, recipient_id=user.id,
        occurrence=date(2000, 1, 1) + timedelta(days=next(OCCURRENCES)), text=deadline.title, channel="immediate",
        due_at=due_at, scheduled_for=due_at,
        **values,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def _checked(page: str) -> str:
    (value,) = re.findall(r'<input checked[^>]*value="([a-z_]+)"', page)
    return value


@pytest.fixture
def ines(make_user):
    return make_user(None, name="Inès Moreau")


def test_todo_lists_what_is_due_from_me_earliest_first_with_a_link_to_act(client, login, ines, make_user):
    today = today_in_paris()
    later = deadline_for(ines, "Publier les statistiques", today + timedelta(days=5))
    late = deadline_for(ines, "Mesurer l’usage", today - timedelta(days=3))
    deadline_for(ines, "Pas encore affichée", today + timedelta(days=30))
    closed = deadline_for(ines, "Déjà close", today)
    closed.closed_at = utcnow()
    deadline_for(make_user(None), "Celle d’une autre personne", today)
    db.session.commit()
    login(ines)
    page = client.get("/a-faire").get_data(as_text=True)
    assert page.index(late.title) < page.index(later.title)
    assert "Pas encore affichée" not in page and "Déjà close" not in page and "autre personne" not in page
    assert "En retard" in page and 'href="/startups/signaux-faibles"' in page
    assert "2 échéances." in page


def test_marking_done_closes_a_deadline_where_the_rule_allows_it(client, login, ines):
    allowed = deadline_for(ines, "Startup au-delà de la norme", today_in_paris(), rule="phase_overdue")
    pending = notification_for(ines, allowed, hours_ago=-2)  # due later today, not yet sent
    refused = deadline_for(ines, "Compte rendu du 1er trimestre", today_in_paris(), rule="quarterly_report")
    login(ines)
    page = client.get("/a-faire").get_data(as_text=True)
    assert page.count("Marquer comme faite") == 1
    response = post_form(client, f"/a-faire/{allowed.id}/fait", token_from="/a-faire", follow_redirects=True)
    assert "Échéance marquée comme faite" in response.get_data(as_text=True)
    db.session.expire_all()
    assert allowed.close_reason == "done" and allowed.closed_by_id == ines.id
    assert db.session.get(Notification, pending.id).cancel_reason == "done"
    (done,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline_done"))
    assert done.object_type == "reminder_deadline" and done.actor_label == "Inès Moreau"

    response = post_form(client, f"/a-faire/{refused.id}/fait", token_from="/a-faire", follow_redirects=True)
    assert "ne se marque pas comme faite à la main" in response.get_data(as_text=True)
    db.session.expire_all()
    assert refused.closed_at is None


def test_nobody_marks_done_or_reads_what_is_not_theirs(client, login, ines, make_user):
    deadline = deadline_for(ines, "À Inès", today_in_paris(), rule="phase_overdue")
    notification = notification_for(ines, deadline)
    login(make_user("admin"))
    assert post_form(client, f"/a-faire/{deadline.id}/fait").status_code == 403
    assert post_form(client, f"/notifications/{notification.id}/lue").status_code == 403
    db.session.expire_all()
    assert deadline.closed_at is None and notification.read_at is None


def test_the_header_counts_unread_notifications_and_the_inbox_marks_them_read(client, login, ines):
    deadline = deadline_for(ines, "Mesurer l’usage", today_in_paris())
    first = notification_for(ines, deadline, 30)
    second_deadline = deadline_for(ines, "Publier les statistiques", today_in_paris())
    notification_for(ines, second_deadline, 2)
    notification_for(ines, second_deadline, -5)  # not due yet: not shown
    replaced = deadline_for(ines, "Remplacé", today_in_paris())
    notification_for(ines, replaced, 3, cancelled_at=utcnow(), cancel_reason="superseded")
    login(ines)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count"' in home and "Notifications&nbsp;(2)" in home
    inbox = client.get("/notifications").get_data(as_text=True)
    assert inbox.count('data-testid="notification"') == 2 and "Remplacé" not in inbox
    post_form(client, f"/notifications/{first.id}/lue", token_from="/notifications")
    assert "Notifications&nbsp;(1)" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/notifications/tout-lu", token_from="/notifications", follow_redirects=True)
    assert "1 notification marquée comme lue" in response.get_data(as_text=True)
    assert "Notifications&nbsp;(" not in client.get("/").get_data(as_text=True)


def test_the_unread_count_is_one_query(app, ines):
    deadline = deadline_for(ines, "Mesurer l’usage", today_in_paris())
    for hours in (1, 2, 3):
        notification_for(ines, deadline, hours)
    user_id = ines.id
    with recorded_statements() as statements:
        assert unread_count(user_id, utcnow()) == 3
    assert len(statements) == 1


def test_preferences_are_chosen_and_kept(client, login, ines):
    login(ines)
    page = client.get("/preferences/notifications").get_data(as_text=True)
    assert _checked(page) == "immediate"
    url = "/preferences/notifications"
    response = post_form(client, url, {"mode": "weekly"}, token_from=url, follow_redirects=True)
    assert "Préférence enregistrée : un récapitulatif hebdomadaire" in response.get_data(as_text=True)
    assert _saved_mode(ines) == "weekly"
    assert _checked(client.get("/preferences/notifications").get_data(as_text=True)) == "weekly"
    refused = post_form(client, url, {"mode": "pigeon"}, token_from=url)
    assert refused.status_code == 422 and "fr-message--error" in refused.get_data(as_text=True)
    assert _saved_mode(ines) == "weekly"


def _saved_mode(user) -> str:
    return db.session.scalar(select(NotificationPreference.mode).where(NotificationPreference.user_id == user.id))


def test_the_admin_sees_upcoming_sent_and_failing_reminders_with_their_retries(client, login, ines, make_user):
    deadline = deadline_for(ines, "Compte rendu du 3e trimestre", today_in_paris(), rule="quarterly_report")
    notification_for(ines, deadline, 5, sent_at=utcnow(), attempts=1)
    retry = utcnow() + timedelta(minutes=4)
    notification_for(ines, deadline, 4, attempts=2, last_error="[Errno 111] Connection refused", next_attempt_at=retry)
    notification_for(ines, deadline, -20)
    login(make_user("admin"))
    page = client.get("/admin/reminders").get_data(as_text=True)
    assert "Compte rendu du 3e trimestre" in page and "Échéances ouvertes (1)" in page
    assert "Connection refused" in page and "En échec" in page and "Nouvel essai le" in page
    assert "Envoyé" in page and "À venir" in page
    failing = client.get("/admin/reminders?statut=failing").get_data(as_text=True)
    assert failing.count('data-status="failing"') == 1 and 'data-status="sent"' not in failing
    assert "En échec (nouvel essai prévu) : 1" in failing


def test_the_admin_list_is_paginated(app, client, login, ines, make_user):
    app.config["PAGE_SIZE"] = 2
    deadline = deadline_for(ines, "Compte rendu", today_in_paris(), rule="quarterly_report")
    for hours in range(5):
        notification_for(ines, deadline, hours + 1)
    login(make_user("admin"))
    first = client.get("/admin/reminders").get_data(as_text=True)
    assert first.count("<tr data-status=") == 2 and "Page suivante" in first
    last = client.get("/admin/reminders?page=3").get_data(as_text=True)
    assert last.count("<tr data-status=") == 1


def test_the_admin_reads_the_outbox(client, login, make_user):
    message = OutboxMessage(sender="Portfolio <portfolio@localhost>", to="Inès Moreau <ines@test.gouv.fr>",
                            subject="[Portfolio] Rappel : Mesurer l’usage", text_body="Bonjour Inès Moreau,\n\nRappel…",
                            html_body="<p>Bonjour</p>")
    db.session.add(message)
    db.session.commit()
    login(make_user("admin"))
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "rien ne quitte la machine" in listing and "[Portfolio] Rappel : Mesurer l’usage" in listing
    detail = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Bonjour Inès Moreau," in detail and "&lt;p&gt;Bonjour&lt;/p&gt;" in detail


@pytest.mark.parametrize(("role", "sees_admin_page"), [(None, False), ("admin", True)])
def test_the_navigation_offers_a_faire_to_everyone_and_rappels_to_admins(
    client, login, make_user, role, sees_admin_page
):
    login(make_user(role))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/a-faire"' in page
    assert ('href="/admin/reminders"' in page) is sees_admin_page


def test_the_admin_page_counts_the_deadlines_nobody_else_would_receive(client, login, make_user):
    from portfolio.reminders.generate import generate
    from reminders_support import follow_up_action, meeting, paris, startup

    admin = make_user("admin")
    held = meeting(paris(2025, 3, 3, 10), reviewed=[startup("signaux-faibles")], status="held")
    follow_up_action(held, None, due_on=date(2025, 5, 5))  # no owner account, no chair
    generate(paris(2025, 5, 5, 9))
    login(admin)
    page = client.get("/admin/reminders").get_data(as_text=True)
    # The follow-up, and the startup without any coach's stale or overdue deadline.
    expected = db.session.scalar(
        select(func.count(func.distinct(DeadlineRecipient.deadline_id))).where(DeadlineRecipient.role == "admin")
    )
    assert expected >= 1
    assert f"{expected} échéance{'s' if expected > 1 else ''} ouverte{'s' if expected > 1 else ''} sans destinataire attitré" in page
    assert "responsable de l’action" in page.split('data-testid="audiences"')[1]
