"""`flask demo generate`: a synthetic portfolio shaped like the registry, deterministic for a seed."""
from sqlalchemy import func, select

from conftest import empty_all_tables
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.funding.models import FundingLine
from portfolio.governance.models import Meeting
from portfolio.startups.models import PhaseSpan, Startup
from portfolio.startups.phases import history_errors


def _snapshot():
    startups = db.session.execute(select(Startup.slug, Startup.name, Startup.incubator_id).order_by(Startup.slug)).all()
    spans = db.session.execute(
        select(PhaseSpan.startup_id, PhaseSpan.phase, PhaseSpan.start, PhaseSpan.end).order_by(PhaseSpan.id)
    ).all()
    return startups, spans


def test_generate_builds_the_registry_shape_at_scale_one(runner):
    result = runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Portefeuille synthétique ×1 (graine 3)" in result.output
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Startup) == 662
    assert 1500 <= count(PhaseSpan) <= 1900  # the registry has 1,695 spans
    assert count(FundingLine) == 500 and count(Meeting) == 300
    generated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "generate"))
    assert generated.after["startups"] == 662 and generated.actor_label == "générateur synthétique"


def test_generated_histories_are_valid(runner):
    runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "5"])
    spans_by_startup = {}
    for span in db.session.scalars(select(PhaseSpan)):
        spans_by_startup.setdefault(span.startup_id, []).append(span)
    assert all(history_errors(spans) == [] for spans in spans_by_startup.values())


def test_the_same_seed_gives_the_same_portfolio(runner):
    runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "9"])
    first = _snapshot()
    db.session.remove()
    empty_all_tables()
    runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "9"])
    startups, spans = _snapshot()
    assert startups == first[0]
    assert [(phase, start, end) for _, phase, start, end in spans] == [(p, s, e) for _, p, s, e in first[1]]


def test_a_second_run_with_the_same_seed_is_refused_in_french(runner):
    runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "2"])
    result = runner.invoke(args=["demo", "generate", "--scale", "1", "--seed", "2"])
    assert result.exit_code == 1
    assert "existe déjà" in result.output
    assert db.session.scalar(select(func.count()).select_from(Startup)) == 662
