"""The sweep: rows generated once, each reminder delivered once — two sweeps in a row, two at the same
time (threads, and processes), a sweep that dies after claiming, a failing mail server retried with
backoff — catch-up after downtime, the sending hour across a daylight-saving change, digests, and
the command and scheduler job that run it."""
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import portfolio.reminders.jobs  # noqa: F401  (registers the job before any test patches JOBS)
from portfolio.extensions import db
from portfolio.reminders import operations
from portfolio.reminders.generate import generate
from portfolio.reminders.models import Deadline, Notification, OutboxMessage
from portfolio.reminders.sweep import claim, run_sweep

from reminders_support import follow_up_action, meeting, paris, startup

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def notifications() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


@pytest.fixture
def chair(make_user):
    return make_user("committee_chair", name="Claire Lefèvre")


@pytest.fixture
def action(app, chair, make_user):
    """An open follow-up action due on Tuesday 4 March 2025, owned by an intrapreneur, chaired by Claire."""
    funded = startup("signaux-faibles")
    owner = make_user("intrapreneur", scope="signaux-faibles", name="Inès Moreau")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    # The chair owns a follow-up of the same meeting, due the same day: two people are reminded.
    follow_up_action(held, chair, due_on=date(2025, 3, 4))
    return follow_up_action(held, owner, due_on=date(2025, 3, 4))


def test_a_sweep_sends_what_fell_due_and_a_second_sweep_sends_nothing_more(app, action):
    first = run_sweep(paris(2025, 3, 4, 8, 5))
    assert (first.created, first.claimed, first.sent, first.failed, first.emails) == (2, 2, 2, 0, 2)
    second = run_sweep(paris(2025, 3, 4, 8, 10))
    assert (second.created, second.claimed, second.sent) == (0, 0, 0)
    messages = outbox()
    assert sorted(message.to for message in messages) == [
        "Claire Lefèvre <committee_chair1@test.gouv.fr>", "Inès Moreau <intrapreneur2@test.gouv.fr>"
    ]
    assert all("Action de suivi (Signaux Faibles) : Mesurer l’usage réel" in message.subject for message in messages)
    assert "échéance aujourd’hui" in messages[0].text_body
    link = db.session.scalar(select(Deadline.url).where(Deadline.rule == "follow_up"))
    assert link and f"Pour agir : http://127.0.0.1:5000{link}" in messages[0].text_body
    assert all(row.sent_at is not None and row.attempts == 1 for row in notifications())


def test_nothing_goes_out_before_the_sending_hour_of_the_day(app, action):
    early = run_sweep(paris(2025, 3, 4, 7, 59))
    assert early.created == 2 and early.claimed == 0 and outbox() == []
    assert run_sweep(paris(2025, 3, 4, 8, 0)).sent == 2


def test_the_sending_hour_holds_on_the_day_clocks_go_forward(app, chair, make_user):
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    follow_up_action(held, None, due_on=date(2025, 3, 30))  # 30 March 2025: 8 h in Paris is 06:00 UTC
    assert run_sweep(paris(2025, 3, 30, 7, 59)).sent == 0
    result = run_sweep(paris(2025, 3, 30, 8, 0))
    assert result.sent == 1 and result.now.hour == 6
    (row,) = notifications()
    assert row.due_at == paris(2025, 3, 30, 8) and row.occurrence == date(2025, 3, 30)


def test_two_concurrent_sweeps_in_threads_send_each_reminder_once(app, make_user):
    _many_due_actions(make_user, owners=12)
    now = paris(2025, 3, 4, 9)
    results, errors = [], []
    start = threading.Barrier(2)

    def sweep():
        with app.app_context():
            try:
                start.wait()
                results.append(run_sweep(now))
            except Exception as error:  # pragma: no cover - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    _assert_each_sent_once(results, owners=12)


def test_two_concurrent_sweeps_in_processes_send_each_reminder_once(app, make_user, database_url, instance_path):
    _many_due_actions(make_user, owners=12)
    start_at = time.time() + 4  # both processes import and build their app, then start together
    script = (
        "import json, sys, time\n"
        "from conftest import make_app\n"
        "from portfolio.reminders.sweep import run_sweep\n"
        "from reminders_support import paris\n"
        "app = make_app(sys.argv[1], sys.argv[2])\n"
        "with app.app_context():\n"
        "    time.sleep(max(0, float(sys.argv[3]) - time.time()))\n"
        "    print(json.dumps(run_sweep(paris(2025, 3, 4, 9)).as_dict()))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "tests")])}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, str(instance_path), str(start_at)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [error for _, error in outputs]
    results = [json.loads(output.strip().splitlines()[-1]) for output, _ in outputs]
    assert sum(result["sent"] for result in results) == 12
    assert sum(result["claimed"] for result in results) == 12
    _assert_each_sent_once([], owners=12)


def _many_due_actions(make_user, owners: int) -> None:
    chair = make_user("committee_chair")
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    for number in range(owners):
        follow_up_action(held, make_user(None), due_on=date(2025, 3, 4), text=f"Action {number}")
    db.session.commit()


def _assert_each_sent_once(results, owners: int) -> None:
    """Each action reminds its owner: one notification per owner, each sent once."""
    if results:
        assert sum(result.sent for result in results) == owners
        assert sum(result.claimed for result in results) == owners
    rows = notifications()
    assert len(rows) == owners and all(row.sent_at is not None and row.attempts == 1 for row in rows)
    messages = outbox()
    # One e-mail per person, once.
    assert sorted(message.notification_count for message in messages) == [1] * owners
    assert len({message.to for message in messages}) == len(messages) == owners


class FlakyBackend:
    """Fails the first `failures` sends, then writes to the outbox like the real one."""

    def __init__(self, app, failures: int):
        from portfolio.reminders.mail import OutboxBackend

        self.real = OutboxBackend(app.config)
        self.failures = failures
        self.calls = 0

    def send(self, message):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionRefusedError(111, "Connection refused")
        self.real.send(message)

    def close(self):
        pass


def test_a_failing_backend_is_retried_with_backoff_then_succeeds_without_doubling(app, chair):
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    follow_up_action(held, None, due_on=date(2025, 3, 4))
    backend = FlakyBackend(app, failures=2)
    start = paris(2025, 3, 4, 8, 0)

    first = run_sweep(start, backend=backend)
    assert (first.claimed, first.sent, first.failed) == (1, 0, 1)
    (row,) = notifications()
    assert row.attempts == 1 and "Connection refused" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=60) and row.claimed_at is None and row.sent_at is None
    assert first.failures[0].recipient == chair.email

    assert run_sweep(start + timedelta(seconds=59), backend=backend).claimed == 0  # still backing off
    second = run_sweep(start + timedelta(seconds=60), backend=backend)
    assert second.failed == 1
    (row,) = notifications()
    assert row.attempts == 2 and row.next_attempt_at == start + timedelta(seconds=60 + 120)

    third = run_sweep(start + timedelta(seconds=180), backend=backend)
    assert (third.sent, third.failed) == (1, 0)
    assert run_sweep(start + timedelta(hours=1), backend=backend).sent == 0
    (row,) = notifications()
    assert row.sent_at == start + timedelta(seconds=180) and row.attempts == 3 and row.status == "sent"
    assert len(outbox()) == 1 and backend.calls == 3


def test_a_sweep_killed_after_claiming_is_taken_over_once_its_claim_expires(app, action):
    now = paris(2025, 3, 4, 8, 5)
    generate(now)
    assert claim(now, "dead-sweep", [row.recipient_id for row in notifications()]) == 2
    # The sweep dies here, before sending. Its claim holds for REMINDER_CLAIM_TIMEOUT_SECONDS…
    assert run_sweep(now + timedelta(minutes=1)).claimed == 0
    # …then the next sweep takes the rows over and sends them, once.
    later = run_sweep(now + timedelta(seconds=app.config["REMINDER_CLAIM_TIMEOUT_SECONDS"] + 60))
    assert (later.claimed, later.sent) == (2, 2)
    assert len(outbox()) == 2 and all(row.claim_token != "dead-sweep" for row in notifications())


def test_after_downtime_the_next_sweep_catches_up_and_sends_only_the_latest_of_each_deadline(app, action, chair):
    follow_up_action(action.decision.review.meeting, None, due_on=date(2025, 3, 20), text="Publier les statistiques")
    assert run_sweep(paris(2025, 3, 4, 8, 30)).sent == 2
    # Down from 4 to 26 March: the first action's weekly reminders of 11, 18 and 25 March and the
    # second action's of 20 March all fell due meanwhile.
    result = run_sweep(paris(2025, 3, 26, 9))
    # Only the latest missed reminder of each deadline is made (25 March to two people, 20 March to
    # one): the 11 and 18 March ones would only have been superseded.
    assert result.created == 2 + 1 and result.superseded == 0
    assert result.sent == 3 and result.emails == 2
    latest = [message for message in outbox() if "Claire" in message.to][-1]
    assert latest.subject == "[Portfolio] Vos rappels : 2 rappels"
    assert "Mesurer l’usage réel — en retard de 22 jours (échéance le 04/03/2025)" in latest.text_body
    assert "Publier les statistiques — en retard de 6 jours (échéance le 20/03/2025)" in latest.text_body
    assert {row.occurrence for row in notifications()} == {date(2025, 3, 4), date(2025, 3, 20), date(2025, 3, 25)}


def test_a_reminder_waiting_for_a_weekly_digest_is_superseded_by_a_newer_one_of_the_same_deadline(app, action):
    operations.set_preference(action.owner, "weekly", paris(2025, 3, 1))
    db.session.commit()
    run_sweep(paris(2025, 3, 4, 8, 30))  # Tuesday: the owner's reminder waits for Monday 10 March
    # Down until Wednesday 12 March: the digest slot of the 10th passed, the weekly reminder of the 11th fell due.
    result = run_sweep(paris(2025, 3, 12, 9))
    assert result.superseded == 1
    owner_rows = [row for row in notifications() if row.recipient_id == action.owner_id]
    assert [(row.occurrence, row.cancel_reason, row.sent_at is not None) for row in owner_rows] == [
        (date(2025, 3, 4), "superseded", False), (date(2025, 3, 11), None, False)
    ]
    assert run_sweep(paris(2025, 3, 17, 8, 30)).sent == 1  # Monday's digest: the newer one only
    (digest,) = [message for message in outbox() if "Inès" in message.to]
    assert digest.notification_count == 1
    assert "en retard de 13 jours (échéance le 04/03/2025)" in digest.text_body


def test_a_settled_deadline_closes_and_its_pending_reminders_are_cancelled(app, action):
    operations.set_preference(action.owner, "weekly", paris(2025, 3, 1))
    db.session.commit()
    run_sweep(paris(2025, 3, 4, 8, 30))  # the owner's weekly digest waits for Monday 10 March
    (waiting,) = [row for row in notifications() if row.sent_at is None]
    assert waiting.recipient_id == action.owner_id and waiting.scheduled_for == paris(2025, 3, 10, 8)
    action.status = "done"
    db.session.commit()
    result = run_sweep(paris(2025, 3, 5, 9))
    assert result.deadlines_closed == 1
    (waiting,) = [row for row in notifications() if row.recipient_id == action.owner_id]
    assert waiting.cancel_reason == "resolved" and waiting.sent_at is None
    deadline = db.session.scalar(select(Deadline).where(Deadline.subject == f"action:{action.id}"))
    assert deadline.close_reason == "resolved" and deadline.closed_at == paris(2025, 3, 5, 9)
    assert run_sweep(paris(2025, 3, 10, 9)).sent == 0


def test_digests_group_a_persons_reminders_by_day_or_week_and_in_app_sends_no_email(app, make_user, chair):
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    daily, weekly = make_user(None, name="Quotidien"), make_user(None, name="Hebdo")
    silent = make_user(None, name="Discret")
    for person, mode in ((daily, "daily"), (weekly, "weekly"), (silent, "in_app")):
        operations.set_preference(person, mode, paris(2025, 3, 1))
        for day in (date(2025, 3, 5), date(2025, 3, 5), date(2025, 3, 6)):
            follow_up_action(held, person, due_on=day, text=f"{mode} {day:%d}")
    db.session.commit()
    run_sweep(paris(2025, 3, 5, 8, 30))  # a Wednesday
    run_sweep(paris(2025, 3, 6, 8, 30))
    daily_messages = [message for message in outbox() if "Quotidien" in message.to]
    assert [(message.subject, message.notification_count) for message in daily_messages] == [
        ("[Portfolio] Vos rappels du jour : 2 rappels", 2), ("[Portfolio] Vos rappels du jour : 1 rappel", 1)
    ]
    assert not [message for message in outbox() if "Hebdo" in message.to or "Discret" in message.to]
    run_sweep(paris(2025, 3, 10, 8, 30))  # Monday: the weekly digest
    (weekly_digest,) = [message for message in outbox() if "Hebdo" in message.to]
    assert weekly_digest.subject == "[Portfolio] Vos rappels de la semaine : 3 rappels"
    assert weekly_digest.text_body.count("weekly 05") == 2 and "weekly 06" in weekly_digest.text_body
    assert not [message for message in outbox() if "Discret" in message.to]
    silent_rows = [row for row in notifications() if row.recipient_id == silent.id]
    assert len(silent_rows) == 3 and all(row.sent_at is not None for row in silent_rows)


def test_a_daily_digest_made_after_the_days_digest_waits_for_the_next_morning(app, make_user, chair):
    funded = startup("signaux-faibles")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    person = make_user(None, name="Quotidien")
    operations.set_preference(person, "daily", paris(2025, 3, 1))
    follow_up_action(held, person, due_on=date(2025, 3, 5), text="Première")
    assert run_sweep(paris(2025, 3, 5, 9)).emails == 1  # started late: today's digest goes at once
    follow_up_action(held, person, due_on=date(2025, 3, 5), text="Ajoutée dans la journée")
    assert run_sweep(paris(2025, 3, 5, 15)).created == 1  # its owner's (a follow-up reaches its owner)
    (late,) = [row for row in notifications() if row.recipient_id == person.id and "Ajoutée" in row.text]
    assert late.scheduled_for == paris(2025, 3, 6, 8) and late.sent_at is None


def test_changing_ones_preference_replans_the_reminders_not_yet_sent(app, action):
    operations.set_preference(action.owner, "weekly", paris(2025, 3, 1))
    db.session.commit()
    run_sweep(paris(2025, 3, 4, 8, 30))
    assert not [message for message in outbox() if "Inès" in message.to]
    operations.set_preference(action.owner, "immediate", paris(2025, 3, 4, 12))
    db.session.commit()
    result = run_sweep(paris(2025, 3, 4, 12, 5))
    assert result.sent == 1 and [message for message in outbox() if "Inès" in message.to]


def test_the_sweep_command_prints_what_it_claimed_sent_and_failed(app, runner, action):
    result = runner.invoke(args=["reminders", "sweep", "--now", "2025-03-04T09:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "2 réclamés, 2 envoyés, 0 en échec" in result.output
    again = runner.invoke(args=["reminders", "sweep", "--json", "--now", "2025-03-04T09:05+01:00"])
    data = json.loads(again.output)
    assert (data["claimed"], data["sent"], data["failed"], data["failures"]) == (0, 0, 0, [])
    assert data["now"] == "2025-03-04T08:05:00+00:00"


def test_the_scheduler_runs_the_sweep_under_a_fixed_id(app, runner, monkeypatch, action):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from portfolio import scheduler

    built = scheduler.build_scheduler(app, scheduler_class=BackgroundScheduler)
    built.start(paused=True)
    try:
        job = built.get_job("reminders-sweep")
        assert job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval.total_seconds() == app.config["REMINDER_SWEEP_SECONDS"]
        job.func()  # a real sweep, now: the March 2025 action is late, its reminder goes out
        assert db.session.scalar(select(func.count(OutboxMessage.id))) >= 1
    finally:
        built.shutdown(wait=False)
    monkeypatch.setattr(BlockingScheduler, "start", lambda self, *args, **kwargs: None)
    assert "reminders-sweep" in runner.invoke(args=["scheduler", "run"]).output


def test_a_real_smtp_exchange_delivers_french_text_and_html_with_the_link(app, action):
    from email import policy
    from email.parser import BytesParser

    from aiosmtpd.controller import Controller

    envelopes = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            envelopes.append(envelope)
            return "250 Message accepted for delivery"

    controller = Controller(Collect(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app.config.update(
            MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
            MAIL_DEFAULT_SENDER="Portfolio <portfolio@beta.gouv.fr>", PUBLIC_URL="https://portfolio.beta.gouv.fr",
        )
        result = run_sweep(paris(2025, 3, 4, 9))
    finally:
        controller.stop()
    assert (result.sent, result.failed, result.emails) == (2, 0, 2)
    assert outbox() == []  # nothing kept: it went out
    assert sorted(rcpt for envelope in envelopes for rcpt in envelope.rcpt_tos) == [
        "committee_chair1@test.gouv.fr", "intrapreneur2@test.gouv.fr"
    ]
    assert all(envelope.mail_from == "portfolio@beta.gouv.fr" for envelope in envelopes)
    raw = {envelope.rcpt_tos[0]: envelope.content for envelope in envelopes}["intrapreneur2@test.gouv.fr"]
    assert raw.isascii()  # headers encoded for the wire (RFC 2047), bodies transfer-encoded
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["To"] == "Inès Moreau <intrapreneur2@test.gouv.fr>"
    assert message["From"] == "Portfolio <portfolio@beta.gouv.fr>" and message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == (
        "[Portfolio] Rappel : Action de suivi (Signaux Faibles) : Mesurer l’usage réel — échéance aujourd’hui"
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    path = db.session.scalar(select(Deadline.url).where(Deadline.rule == "follow_up"))
    link = f"https://portfolio.beta.gouv.fr{path}"
    assert "Bonjour Inès Moreau" in text and f"Pour agir : {link}" in text
    assert f'<a href="{link}">' in html and 'lang="fr"' in html


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_smtp_server_is_a_recorded_failure_not_a_crash(app, action):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT_SECONDS=2)
    result = run_sweep(paris(2025, 3, 4, 9))
    assert (result.claimed, result.sent, result.failed) == (2, 0, 2)
    assert all(row.attempts == 1 and row.last_error and row.next_attempt_at for row in notifications())


def test_the_rules_are_not_evaluated_again_while_nothing_changed_the_same_day(app, action, chair):
    first = run_sweep(paris(2025, 3, 4, 8, 5))
    assert not first.generation_skipped and first.created == 2
    # The same day and no write since: nothing to evaluate.
    second = run_sweep(paris(2025, 3, 4, 8, 10))
    assert second.generation_skipped and (second.created, second.sent) == (0, 0)
    # Any write of the application changes the audit log: the next sweep sees the new action.
    follow_up_action(action.decision.review.meeting, None, due_on=date(2025, 3, 4), text="Publier les statistiques")
    after_write = run_sweep(paris(2025, 3, 4, 8, 20))
    assert not after_write.generation_skipped and after_write.created == 1 and after_write.sent == 1
    assert run_sweep(paris(2025, 3, 4, 8, 25)).generation_skipped
    # A new day in Paris: its reminders fall due without any write (the weekly ones of 11 March).
    next_week = run_sweep(paris(2025, 3, 11, 8, 30))
    assert not next_week.generation_skipped and next_week.created == 3


def test_the_command_says_when_nothing_had_to_be_evaluated_again(app, action, runner):
    runner.invoke(args=["reminders", "sweep", "--now", "2025-03-04T08:05+01:00"])
    result = runner.invoke(args=["reminders", "sweep", "--now", "2025-03-04T08:15+01:00"])
    assert result.exit_code == 0, result.output
    assert "Rien n’a changé depuis le dernier calcul des échéances" in result.output
    as_json = runner.invoke(args=["reminders", "sweep", "--json", "--now", "2025-03-04T08:20+01:00"])
    assert json.loads(as_json.output)["generation_skipped"] is True


def test_a_recipient_added_the_same_day_gets_that_days_reminder_and_only_they_do(app, action, make_user):
    first = run_sweep(paris(2025, 3, 4, 8, 5))
    assert first.created == 2
    deadline = db.session.scalar(select(Deadline).where(Deadline.subject == f"action:{action.id}"))
    assert deadline.reminded_on == date(2025, 3, 4)
    # The action changes hands: the new owner is reminded of that day, the chair (owning the other) not twice.
    paul = make_user("intrapreneur", scope="signaux-faibles", name="Paul Girard")
    action.owner_id = paul.id
    db.session.commit()
    again = run_sweep(paris(2025, 3, 4, 9))
    assert (again.created, again.sent) == (1, 1)
    assert outbox()[-1].to == f"Paul Girard <{paul.email}>"
    db.session.expire_all()
    assert {recipient.user_id for recipient in deadline.recipients} == {paul.id}
    # The next reminder day: every recipient once more (the chair for their own action), the former owner no longer.
    next_week = run_sweep(paris(2025, 3, 11, 8, 30))
    assert next_week.created == 2
    assert {row.recipient_id for row in notifications() if row.occurrence == date(2025, 3, 11)} == {
        paul.id, action.decision.review.meeting.chair_id
    }
