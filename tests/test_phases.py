"""The phase rules: the day-D rule, what makes a history invalid, and the service that changes
and corrects phases (checks, confirmation, audit), with property-based tests that no sequence
of calls through the service ever leaves an invalid history."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import acting_as
from portfolio.extensions import db
from portfolio.startups import operations
from portfolio.startups.models import Incubator, PhaseSpan, Startup
from portfolio.startups.phases import PHASES, Span, history_errors, periods, phase_on, phase_on_query, phase_span_on
from portfolio.timeutil import today_in_paris

D = date(2020, 1, 1)


def day(offset: int) -> date:
    return D + timedelta(days=offset)


# --- The day-D rule ---------------------------------------------------------------------------


def test_phase_on_a_day_is_the_span_with_the_latest_start_on_or_before_it():
    spans = [Span("investigation", day(0), day(10)), Span("construction", day(10))]
    assert phase_on(spans, day(-1)) is None
    assert phase_on(spans, day(0)) == "investigation"
    assert phase_on(spans, day(9)) == "investigation"
    assert phase_on(spans, day(10)) == "construction"
    assert phase_on(spans, day(1000)) == "construction"


def test_the_end_day_belongs_to_the_next_phase_and_an_explicit_end_leaves_no_phase():
    spans = [Span("investigation", day(0), day(10))]
    assert phase_on(spans, day(9)) == "investigation"
    assert phase_on(spans, day(10)) is None, "a span covers [start, end): its end day is outside it"


def test_same_day_starts_the_later_stage_in_the_lifecycle_wins():
    spans = [Span("construction", day(0)), Span("investigation", day(0))]
    assert phase_on(spans, day(0)) == "construction"
    assert phase_on(list(reversed(spans)), day(0)) == "construction"


def test_same_day_starts_the_winner_s_explicit_end_decides():
    spans = [Span("investigation", day(0)), Span("construction", day(0), day(5))]
    assert phase_on(spans, day(4)) == "construction"
    assert phase_on(spans, day(5)) is None


def test_a_span_starting_in_the_future_is_planned_not_current():
    spans = [Span("construction", day(0), day(30)), Span("acceleration", day(30))]
    assert phase_on(spans, day(29)) == "construction"
    assert phase_span_on(spans, day(29)).start == day(0)
    assert phase_on(spans, day(30)) == "acceleration"


# --- What makes a history invalid -----------------------------------------------------------


def test_a_valid_history_has_no_errors():
    assert history_errors([Span("investigation", day(0), day(10)), Span("construction", day(10))]) == []
    assert history_errors([]) == []


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([Span("investigation", day(0), day(10)), Span("construction", day(5))], "se chevauchent"),
        ([Span("investigation", day(0)), Span("construction", day(5))], "Une seule phase peut rester ouverte"),
        ([Span("investigation", day(10), day(5))], "avant de commencer"),
        ([Span("success", day(0))], "Phase inconnue"),
    ],
    ids=["overlap", "two-open", "end-before-start", "unknown-phase"],
)
def test_an_invalid_history_is_named_in_french(spans, message):
    errors = history_errors(spans)
    assert any(message in error for error in errors), errors


# --- The service ----------------------------------------------------------------------------


@pytest.fixture
def startup(app):
    incubator = Incubator(slug="dinum", name="Incubateur de la DINUM")
    startup = Startup(slug="essai", name="Essai", incubator=incubator, extra={})
    db.session.add(startup)
    db.session.commit()
    return startup


def spans_of(startup) -> list[tuple[str, date, date | None]]:
    return [(span.phase, span.start, span.end) for span in sorted(startup.phase_spans, key=lambda s: s.start)]


def test_a_change_closes_the_open_span_on_its_date(startup):
    operations.change_phase(startup, to="investigation", on=day(0), reason="Lancement")
    operations.change_phase(startup, to="construction", on=day(100), reason="Comité du 10 avril")
    assert spans_of(startup) == [("investigation", day(0), day(100)), ("construction", day(100), None)]
    assert phase_on(startup.phase_spans, day(99)) == "investigation"


def test_a_change_records_its_reason_author_and_action_in_the_audit_trail(startup, make_user):
    coach = make_user("coach", scope="dinum")
    with acting_as(coach):
        operations.change_phase(startup, to="investigation", on=day(0), by=coach, reason="Lancement")
        new = operations.change_phase(startup, to="construction", on=day(100), by=coach, reason="Comité du 10 avril")
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "phase_span")).all()
    created = next(event for event in events if event.object_id == str(new.id) and event.action == "create")
    closed = next(event for event in events if event.action == "phase_change")
    assert (created.actor_label, created.reason) == (coach.name, "Comité du 10 avril")
    assert closed.before == {"end": None} and closed.after == {"end": day(100).isoformat()}
    assert closed.reason == "Comité du 10 avril"
    assert new.created_by_id == coach.id


def test_a_change_dated_in_the_future_is_planned(startup):
    today = today_in_paris()
    operations.change_phase(startup, to="construction", on=today - timedelta(days=10), reason="a")
    operations.change_phase(startup, to="acceleration", on=today + timedelta(days=30), reason="Prévu au comité")
    assert phase_on(startup.phase_spans, today) == "construction"
    assert phase_on(startup.phase_spans, today + timedelta(days=30)) == "acceleration"


def test_a_change_bumps_the_startup_s_updated_at(startup):
    before = startup.updated_at
    operations.change_phase(startup, to="investigation", on=day(0), reason="Lancement")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Startup, startup.id).updated_at > before


@pytest.mark.parametrize(
    ("to", "on", "reason", "message"),
    [
        ("investigation", day(0), "x", "commence le"),  # same day as the open span
        ("acceleration", day(-5), "x", "commence le"),  # before the open span
        ("construction", day(5), "x", "déjà en phase"),
        ("inconnue", day(5), "x", "Phase inconnue"),
        ("acceleration", day(5), "  ", "motif"),
        ("acceleration", None, "x", "date"),
    ],
    ids=["same-day", "before-open-span", "same-phase", "unknown-phase", "no-reason", "no-date"],
)
def test_a_change_that_breaks_a_rule_is_refused_and_changes_nothing(startup, to, on, reason, message):
    operations.change_phase(startup, to="construction", on=day(0), reason="Lancement")
    before = spans_of(startup)
    with pytest.raises(operations.StartupError) as error:
        operations.change_phase(startup, to=to, on=on, reason=reason)
    assert message in str(error.value)
    assert not isinstance(error.value, operations.NeedsConfirmation)
    assert spans_of(startup) == before


def test_a_change_after_a_closed_span_must_not_start_before_its_end(startup):
    operations.change_phase(startup, to="construction", on=day(0), reason="a")
    span = startup.phase_spans[0]
    operations.correct_span(span, "construction", day(0), day(50), reason="Fin constatée")
    with pytest.raises(operations.StartupError, match="se termine le"):
        operations.change_phase(startup, to="acceleration", on=day(40), reason="b")
    operations.change_phase(startup, to="acceleration", on=day(60), reason="b")
    assert spans_of(startup)[-1] == ("acceleration", day(60), None)


@pytest.mark.parametrize(
    ("first", "then"),
    [("acceleration", "construction"), ("abandon", "construction"), ("abandon-investigation", "abandon")],
    ids=["back-in-the-lifecycle", "leaving-abandon", "leaving-abandon-investigation"],
)
def test_going_back_or_leaving_a_stop_needs_confirmation(startup, first, then):
    operations.change_phase(startup, to=first, on=day(0), reason="a")
    with pytest.raises(operations.NeedsConfirmation) as question:
        operations.change_phase(startup, to=then, on=day(10), reason="b")
    assert "Le 11/01/2020" in str(question.value)
    assert spans_of(startup) == [(first, day(0), None)]
    operations.change_phase(startup, to=then, on=day(10), reason="b", confirmed=True)
    assert spans_of(startup) == [(first, day(0), day(10)), (then, day(10), None)]


def test_moving_forward_needs_no_confirmation(startup):
    for offset, phase in enumerate(["investigation", "construction", "acceleration", "abandon"]):
        operations.change_phase(startup, to=phase, on=day(offset * 10), reason="suite")
    assert [phase for phase, _, _ in spans_of(startup)] == ["investigation", "construction", "acceleration", "abandon"]


def test_a_correction_changes_one_span_under_the_same_checks(startup):
    operations.change_phase(startup, to="investigation", on=day(0), reason="a")
    operations.change_phase(startup, to="construction", on=day(100), reason="b")
    first, second = sorted(startup.phase_spans, key=lambda span: span.start)
    with pytest.raises(operations.StartupError, match="se chevauchent"):
        operations.correct_span(first, "investigation", day(0), day(120), reason="erreur de saisie")
    with pytest.raises(operations.StartupError, match="Une seule phase"):
        operations.correct_span(first, "investigation", day(0), None, reason="erreur de saisie")
    with pytest.raises(operations.StartupError, match="motif"):
        operations.correct_span(first, "investigation", day(0), day(90), reason="")
    with pytest.raises(operations.StartupError, match="au moins un jour"):
        operations.correct_span(first, "investigation", day(0), day(0), reason="x")
    assert spans_of(startup) == [("investigation", day(0), day(100)), ("construction", day(100), None)]
    assert operations.correct_span(first, "investigation", day(-30), day(100), reason="Date du registre") is True
    assert operations.correct_span(first, "investigation", day(-30), day(100), reason="rien") is False
    with pytest.raises(operations.NeedsConfirmation, match="reviendrait"):
        operations.correct_span(first, "acceleration", day(-30), day(100), reason="x")
    operations.correct_span(first, "acceleration", day(-30), day(100), reason="x", confirmed=True)
    assert spans_of(startup)[0] == ("acceleration", day(-30), day(100))
    db.session.commit()
    correction = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "phase_correction").order_by(AuditEvent.id.desc())
    )
    assert correction.before == {"phase": "investigation"} and correction.after == {"phase": "acceleration"}
    assert correction.reason == "x"


def test_an_imported_span_without_duration_keeps_its_dates_when_its_comment_is_corrected(startup):
    # The importer keeps the loser of a same-day start as a span ending the day it starts.
    startup.phase_spans.extend(
        [PhaseSpan(phase="investigation", start=day(0), end=day(0)), PhaseSpan(phase="construction", start=day(0))]
    )
    db.session.flush()
    zero = next(span for span in startup.phase_spans if span.phase == "investigation")
    assert operations.correct_span(zero, "investigation", day(0), day(0), comment="Registre", reason="x") is True
    with pytest.raises(operations.StartupError, match="au moins un jour"):
        operations.correct_span(zero, "investigation", day(-5), day(-5), reason="x")
    assert history_errors(startup.phase_spans) == []


def test_lifecycle_warnings_name_each_backward_step():
    spans = [Span("acceleration", day(0), day(10)), Span("construction", day(10), day(20)), Span("abandon", day(20))]
    warnings = operations.lifecycle_warnings(spans)
    assert len(warnings) == 1 and "reviendrait de « Accélération » à « Construction »" in warnings[0]


# --- Property: no sequence of service calls leaves an invalid history -----------------------

phase_names = st.sampled_from(PHASES)
offsets = st.integers(min_value=-20, max_value=400)
change = st.tuples(st.just("change"), phase_names, offsets, st.booleans())
correction = st.tuples(
    st.just("correct"),
    st.integers(min_value=0, max_value=5),
    phase_names,
    offsets,
    st.one_of(st.none(), offsets),
    st.booleans(),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(change, change, correction), min_size=1, max_size=12))
def test_random_changes_and_corrections_never_leave_an_invalid_history(app, steps):
    # Each example works in its own transaction, rolled back at the end: nothing leaks between examples.
    startup = Startup(slug="propriete", name="Propriété", extra={})
    db.session.add(startup)
    db.session.flush()
    try:
        for step in steps:
            before = spans_of(startup)
            try:
                if step[0] == "change":
                    _, phase, offset, confirmed = step
                    on_day = day(offset)
                    previous_day_phase = phase_on(startup.phase_spans, on_day - timedelta(days=1))
                    operations.change_phase(startup, to=phase, on=on_day, reason="propriété", confirmed=confirmed)
                    # The new phase holds from its date; the days before it are untouched.
                    assert phase_on(startup.phase_spans, on_day) == phase
                    assert phase_on(startup.phase_spans, on_day - timedelta(days=1)) == previous_day_phase
                else:
                    _, index, phase, start, end, confirmed = step
                    ordered = sorted(startup.phase_spans, key=lambda span: span.start)
                    if not ordered:
                        continue
                    span = ordered[index % len(ordered)]
                    end_day = None if end is None else day(end)
                    operations.correct_span(span, phase, day(start), end_day, reason="propriété", confirmed=confirmed)
                event(f"{step[0]}: accepted")
            except operations.StartupError as error:
                event(f"{step[0]}: {'confirmation asked' if isinstance(error, operations.NeedsConfirmation) else 'refused'}")
                assert spans_of(startup) == before, "a refused call must change nothing"
            assert history_errors(startup.phase_spans) == []
            assert sum(span.end is None for span in startup.phase_spans) <= 1
        # What the database holds agrees with the ORM, and the SQL day-D rule with the Python one.
        db.session.flush()
        stored = db.session.scalars(select(PhaseSpan).where(PhaseSpan.startup_id == startup.id)).all()
        assert history_errors(stored) == []
        for probe in (day(-21), day(0), day(100), day(401)):
            row = db.session.execute(phase_on_query(probe)).all()
            sql_phase = next((phase for startup_id, phase, _ in row if startup_id == startup.id), None)
            assert sql_phase == phase_on(stored, probe)
    finally:
        db.session.rollback()


SPANS = st.lists(
    st.builds(
        Span,
        phase=st.sampled_from(PHASES),
        start=st.integers(min_value=0, max_value=30).map(day),
        end=st.one_of(st.none(), st.integers(min_value=0, max_value=50).map(day)),
    ).filter(lambda span: span.end is None or span.end >= span.start),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(spans=SPANS)
def test_the_periods_say_the_day_d_rule_on_every_day(spans):
    """`periods` is the rule the kept phase periods hold (portfolio.status): on each day, exactly the
    period of the phase `phase_span_on` picks, even over overlapping or same-day spans."""
    kept = periods(spans)
    for offset in range(-2, 55):
        on = day(offset)
        holding = [period.phase for period in kept if period.start <= on and (period.until is None or period.until > on)]
        expected = phase_span_on(spans, on)
        assert holding == ([expected.phase] if expected else []), (on, kept)
