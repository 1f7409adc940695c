"""The audit trail: every write leaves an event with who, when, what, before and after."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from conftest import post_form
from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import acting_as, described
from portfolio.extensions import db
from portfolio.startups.models import Organisation
from portfolio.timeutil import format_datetime


def _events(**where) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        statement = statement.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(statement))


def test_update_records_only_the_changed_fields_before_and_after(app):
    with acting_as(label="essai"):
        organisation = Organisation(slug="dge", name="Direction générale des entreprises", acronym="DGE")
        db.session.add(organisation)
        db.session.commit()
        organisation.name = "DGE (renommée)"
        db.session.commit()
    create, update = _events(object_type="organisation")
    assert create.action == "create" and create.after["slug"] == "dge" and create.before is None
    assert update.action == "update"
    assert update.before == {"name": "Direction générale des entreprises"}
    assert update.after == {"name": "DGE (renommée)"}
    assert update.actor_label == "essai" and update.actor_id is None
    assert update.object_id == str(organisation.id) and update.object_label == "DGE"


def test_deletion_keeps_the_values_before(app):
    organisation = Organisation(slug="x", name="X")
    db.session.add(organisation)
    db.session.commit()
    db.session.delete(organisation)
    db.session.commit()
    deletion = _events(action="delete")[0]
    assert deletion.before["slug"] == "x" and deletion.after is None
    assert deletion.actor_label == "système"


def test_a_rolled_back_write_leaves_no_event(app):
    db.session.add(Organisation(slug="y", name="Y"))
    db.session.flush()
    db.session.rollback()
    assert _events() == []


def test_described_names_the_action_and_keeps_the_reason(app):
    organisation = Organisation(slug="z", name="Z")
    db.session.add(organisation)
    db.session.commit()
    with described(action="rename", reason="Nouvel organigramme"):
        organisation.name = "Zed"
        db.session.commit()
    event = _events(action="rename")[0]
    assert event.reason == "Nouvel organigramme"
    assert event.action_label == "rename"


def test_a_write_through_a_view_is_attributed_to_the_logged_in_user(client, make_user, login):
    admin = make_user("admin", name="Ada Admin")
    target = make_user("finance")
    login(admin)
    post_form(client, f"/admin/users/{target.id}/deactivate")
    event = _events(action="deactivate")[0]
    assert (event.actor_id, event.actor_label) == (admin.id, "Ada Admin")
    assert (event.object_type, event.object_id) == ("user", str(target.id))
    # Deactivating also ends the account's sessions (its session version goes up).
    assert (event.before, event.after) == (
        {"active": True, "session_version": 1},
        {"active": False, "session_version": 2},
    )


@pytest.fixture
def history(make_user):
    first, second = make_user("finance", name="Première"), make_user("coach", name="Seconde")
    db.session.execute(db.update(AuditEvent).values(at=datetime(2026, 1, 10, 12, tzinfo=timezone.utc)))
    db.session.commit()
    third = make_user("admin", name="Troisième")
    return first, second, third


def _table(response) -> str:
    return response.get_data(as_text=True).split('data-testid="history"')[1]


def test_admin_filters_the_log_by_object(client, login, history):
    first, second, third = history
    login(third)
    page = _table(client.get(f"/admin/audit?object_type=user&object_id={first.id}"))
    assert "Première" in page and "Seconde" not in page


def test_admin_filters_the_log_by_person(client, login, history, make_user):
    first, second, third = history
    login(third)
    post_form(client, f"/admin/users/{second.id}/deactivate")
    page = client.get(f"/admin/audit?actor={third.id}").get_data(as_text=True)
    assert "1 événement." in page and "Désactivation" in page


def test_admin_filters_the_log_by_paris_day(client, login, history):
    first, second, third = history
    login(third)
    january = _table(client.get("/admin/audit?since=2026-01-10&until=2026-01-10"))
    assert "Première" in january and "Troisième" not in january
    assert "10/01/2026 à 13:00" in january  # noon UTC is 13:00 in Paris in winter


def test_bad_log_filters_get_a_french_message(client, login, history):
    login(history[2])
    response = client.get("/admin/audit?since=2026-02-10&until=2026-01-10")
    assert response.status_code == 400
    assert "La date de fin doit suivre la date de début." in response.get_data(as_text=True)
    response = client.get("/admin/audit?since=pas-une-date")
    assert response.status_code == 400
    assert "date valide" in response.get_data(as_text=True)


def test_times_are_shown_in_paris_across_daylight_saving():
    assert format_datetime(datetime(2026, 1, 15, 8, 30, tzinfo=timezone.utc)) == "15/01/2026 à 09:30"
    assert format_datetime(datetime(2026, 7, 15, 8, 30, tzinfo=timezone.utc)) == "15/07/2026 à 10:30"
    assert format_datetime(datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc)) == "29/03/2026 à 01:59"
    assert format_datetime(datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)) == "29/03/2026 à 03:00"


def test_timestamps_come_back_from_the_database_in_utc(app, make_user):
    user = make_user("finance")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).created_at.tzinfo is not None


def test_naive_datetimes_are_refused(app, make_user):
    user = make_user("finance")
    user.created_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive"):
        db.session.flush()
    db.session.rollback()
