"""Command-line: `flask users create`, `flask demo load`, `flask scheduler run`."""
import pytest
from sqlalchemy import func, select

from portfolio.accounts.models import User
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.demo.data import DEMO_PASSWORD, PERSONAS


def _user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_users_create_with_a_password(runner, demo):
    result = runner.invoke(
        args=["users", "create", "deploy@beta.gouv.fr", "--name", "Déploiement", "--role", "coach", "--scope", "dinum",
              "--password", "un-mot-de-passe"]
    )
    assert result.exit_code == 0, result.output
    assert "Compte créé : deploy@beta.gouv.fr (Coach — incubateur" in result.output
    user = _user("deploy@beta.gouv.fr")
    assert user.check_password("un-mot-de-passe")
    assert [(g.role, g.incubator.slug) for g in user.roles] == [("coach", "dinum")]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
    )
    assert event.actor_label == "ligne de commande"


def test_users_create_prompts_for_the_password(runner):
    result = runner.invoke(
        args=["users", "create", "admin@beta.gouv.fr", "--name", "Admin", "--role", "admin"],
        input="un-mot-de-passe\nun-mot-de-passe\n",
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output
    assert _user("admin@beta.gouv.fr").check_password("un-mot-de-passe")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "intrapreneur", "--scope", "inconnue"], "Aucune startup n’a l’identifiant « inconnue »"),
        (["--role", "intrapreneur"], "doit être limité à une startup"),
        (["--role", "admin", "--password", "court"], "au moins 10 caractères"),
    ],
)
def test_users_create_refuses_bad_input_in_french_and_creates_nothing(runner, args, message):
    if "--password" not in args:
        args = [*args, "--password", "un-mot-de-passe"]
    result = runner.invoke(args=["users", "create", "x@beta.gouv.fr", "--name", "X", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert _user("x@beta.gouv.fr") is None


def test_users_create_rejects_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "x@beta.gouv.fr", "--name", "X", "--role", "pirate",
                                 "--password", "un-mot-de-passe"])
    assert result.exit_code == 2
    assert _user("x@beta.gouv.fr") is None


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "Démo chargée" in first.output
    counts = {model: db.session.scalar(select(func.count()).select_from(model)) for model in (User, AuditEvent)}
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "rien à ajouter" in second.output
    assert counts == {model: db.session.scalar(select(func.count()).select_from(model)) for model in (User, AuditEvent)}


def test_demo_has_one_working_login_per_persona(runner):
    runner.invoke(args=["demo", "load"])
    output = runner.invoke(args=["demo", "logins"]).output
    for email, _, role, _ in PERSONAS:
        assert email in output
        user = _user(email)
        assert user.check_password(DEMO_PASSWORD) and user.has_role(role)
    assert {role for _, _, role, _ in PERSONAS} == {"admin", "coach", "intrapreneur", "committee_chair", "finance"}


def test_scheduler_jobs_have_fixed_ids_and_run_once_at_a_time(app, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from portfolio import scheduler

    calls = []
    monkeypatch.setattr(scheduler, "JOBS", [scheduler.Job("sample-sweep", lambda: calls.append(1), "REMINDER_SWEEP_SECONDS")])
    built = scheduler.build_scheduler(app, scheduler_class=BackgroundScheduler)
    built.start(paused=True)
    try:
        job = built.get_job("sample-sweep")
        assert job is not None and job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval.total_seconds() == app.config["REMINDER_SWEEP_SECONDS"]
        assert str(built.timezone) == "Europe/Paris"
        job.func()  # runs inside an app context
        assert calls == [1]
    finally:
        built.shutdown(wait=False)


def test_scheduler_run_starts_and_stops_cleanly(runner, monkeypatch):
    from apscheduler.schedulers.blocking import BlockingScheduler

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(BlockingScheduler, "start", interrupted)
    result = runner.invoke(args=["scheduler", "run"])
    assert result.exit_code == 0
    assert "Planificateur démarré" in result.output and "Planificateur arrêté" in result.output


def test_the_demo_convention_tells_its_real_life_its_2020_reports_then_closed(runner, app):
    """The seed convention (valid until payment): its three 2020 reports, then closed after its
    last payment; its quarterly reports stop there, and finance has none to file today."""
    from sqlalchemy import select

    from portfolio.extensions import db
    from portfolio.funding.models import Convention
    from portfolio.funding.reports import schedule
    from portfolio.reminders.generate import generate
    from portfolio.reminders.models import Deadline
    from portfolio.timeutil import today_in_paris, utcnow

    runner.invoke(args=["demo", "load"])
    convention = db.session.scalar(select(Convention))
    assert convention.status == "closed"
    assert [report.quarter_start.isoformat() for report in convention.reports] == ["2020-04-01", "2020-07-01", "2020-10-01"]
    states = schedule(convention, today_in_paris())
    assert [state.quarter.key for state in states] == ["2020-T2", "2020-T3", "2020-T4", "2021-T1"]
    generate(utcnow())
    assert db.session.scalars(select(Deadline).where(Deadline.rule == "quarterly_report")).all() == []
