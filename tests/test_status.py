"""The derived status rows: written in the transaction of every write that changes their inputs,
equal to what `flask status rebuild` recomputes (a property test drives random histories through
the services), refreshed when the day turns, and read alike by every page."""
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import empty_all_tables
from portfolio.accounts import operations as accounts
from portfolio.extensions import db
from portfolio.funding import operations as funding
from portfolio.funding import reports
from portfolio.funding.models import Convention
from portfolio.governance import decisions, schedule
from portfolio.governance.doctrine import STATUSES
from portfolio.governance.health import record_health
from portfolio.governance import operations as governance
from portfolio.governance.models import Meeting, Review
from portfolio.startups import operations as startups
from portfolio.startups import portfolio
from portfolio.startups.impact import record_impact_level
from portfolio.startups.models import CoIncubation, Incubator, Organisation, PhaseSpan, Sponsorship, Startup
from portfolio.startups.phases import PHASES, phase_on_query
from portfolio.status import store
from portfolio.status.compute import compute
from portfolio.status.models import StartupStatus
from portfolio.timeutil import PARIS, today_in_paris

#: The errors by which a service refuses a step: a refused step changes nothing.
REFUSALS = (ValueError,)


def _world():
    """Three startups in one incubator, an admin and a chair, a signed convention funding two of them."""
    today = today_in_paris()
    incubator = Incubator(slug="dinum", name="Incubateur de la DINUM")
    db.session.add(incubator)
    admin = accounts.create_user("admin@test.gouv.fr", "Admin", "correct-horse-battery")
    chair = accounts.create_user("chair@test.gouv.fr", "Présidente", "correct-horse-battery")
    people = []
    for index, name in enumerate(("Signaux Faibles", "Écoles inclusives", "Zéro papier")):
        startup = Startup(slug=f"startup-{index}", name=name, pitch="Une mission", incubator=incubator)
        startup.phase_spans.append(PhaseSpan(phase="investigation", start=today - timedelta(days=400 + 100 * index)))
        db.session.add(startup)
        people.append(startup)
    convention = funding.create_convention(
        reference="CONV-1", title="Convention de test", kind="delegation_gestion",
        signed_on=date(today.year - 1, 3, 1), effective_on=date(today.year - 1, 3, 1),
        ends_on=date(today.year + 1, 12, 31),
    )
    db.session.flush()
    for startup in people[:2]:
        funding.add_line(convention, startup=startup, fiscal_year=today.year, ae="100000", cp="100000")
    db.session.commit()
    return admin, chair


def _startup(index: int) -> Startup:
    return db.session.scalars(select(Startup).order_by(Startup.id)).all()[index % 3]


def _meetings() -> list[Meeting]:
    return db.session.scalars(select(Meeting).order_by(Meeting.id)).all()


def _step(step, admin, chair) -> None:
    today = today_in_paris()
    kind, a, b = step
    if kind == "phase":
        startups.change_phase(_startup(a), PHASES[b % len(PHASES)], today + timedelta(days=b - 8), by=admin,
                              reason="Revue", confirmed=True)
    elif kind == "milestone":
        startups.log_milestone(_startup(a), today - timedelta(days=b), "other", "Fait marquant", by=admin)
    elif kind == "rename":
        startup = _startup(a)
        startups.edit_startup(startup, startup.incubator, name=f"Startup renommée {b}")
    elif kind == "committee":
        # A past committee is written as the registry's history is; a coming one is scheduled.
        moment = datetime.combine(today + timedelta(days=b - 10), time(10), tzinfo=PARIS)
        meeting = Meeting(kind="investment_committee", title="Comité", starts_at=moment, status="scheduled", source="local")
        meeting.reviews.append(Review(startup=_startup(a), position=0))
        db.session.add(meeting)
    elif kind == "move" and _meetings():
        meeting = _meetings()[a % len(_meetings())]
        meeting.starts_at = datetime.combine(today + timedelta(days=b - 10), time(15), tzinfo=PARIS)
    elif kind == "cancel" and _meetings():
        meeting = _meetings()[a % len(_meetings())]
        if meeting.status == "scheduled":
            governance.cancel_meeting(meeting)
    elif kind == "decision" and _meetings():
        review = _meetings()[a % len(_meetings())].reviews[0]
        if review.decision is None:
            decisions.record_decision(review, ("continue_6_months", "provisional", "stop")[b % 3], today=today)
    elif kind == "health" and _meetings():
        review = _meetings()[a % len(_meetings())].reviews[0]
        record_health(review, ("on_track", "watch", "struggling")[b % 3], "Motif", chair, today=today)
    elif kind == "impact":
        # A level of any of the last 20 days: one of an earlier day completes the history only.
        record_impact_level(_startup(a), ("none", "published", "certified", "validated")[b % 4],
                            today - timedelta(days=b), "Coachs produit", None, by=chair, today=today)
    elif kind == "agenda" and _meetings():
        meeting = _meetings()[a % len(_meetings())]
        startup = _startup(b)
        if all(review.startup_id != startup.id for review in meeting.reviews):
            meeting.reviews.append(Review(startup=startup, position=len(meeting.reviews)))
    elif kind == "sponsor":
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == f"org-{b % 3}"))
        if organisation is None:
            organisation = Organisation(slug=f"org-{b % 3}", name=f"Organisation {b % 3}", acronym=f"ORG{b % 2}" if b % 2 else None)
        startup = _startup(a)
        if all(link.organisation is not organisation for link in startup.sponsorships):
            startup.sponsorships.append(Sponsorship(organisation=organisation))
    elif kind == "coincubate":
        fabnum = db.session.scalar(select(Incubator).where(Incubator.slug == "fabnum")) or Incubator(
            slug="fabnum", name="Fabrique numérique")
        startup = _startup(a)
        if all(link.incubator is not fabnum for link in startup.co_incubations):
            startup.co_incubations.append(CoIncubation(incubator=fabnum))
    elif kind == "sponsor_names":
        for organisation in db.session.scalars(select(Organisation)):
            organisation.acronym = None if organisation.acronym else f"É{b}"
    elif kind == "incubator_names":
        for incubator in db.session.scalars(select(Incubator).where(Incubator.slug != "dinum")):
            incubator.name = f"{incubator.slug.upper()} {b}"
    elif kind == "line":
        convention = db.session.scalar(select(Convention))
        funding.add_line(convention, startup=_startup(a), fiscal_year=today.year + b % 3 - 1, ae="50000", cp="50000")
    elif kind == "report":
        convention = db.session.scalar(select(Convention))
        quarter = reports.Quarter(date(today.year - 1, 4 + 3 * (b % 3), 1))
        entries = {line.id: (Decimal("1000"), Decimal(str(1000 * (a + 1)))) for line in convention.lines}
        reports.file_report(convention, quarter, submitted_on=quarter.end + timedelta(days=5), entries=entries,
                            today=today)


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["phase", "milestone", "rename", "committee", "move", "cancel", "decision", "agenda",
                         "health", "impact", "line", "report", "sponsor", "coincubate", "sponsor_names",
                         "incubator_names"]),
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=0, max_value=20),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
# The names a row holds change by writes on other records: always tried, beside the random histories.
@example(steps=[("sponsor", 0, 1), ("coincubate", 1, 0), ("sponsor_names", 0, 2), ("incubator_names", 0, 2),
                ("sponsor", 2, 2), ("sponsor_names", 0, 3)])
# Two phase changes in a row (today's phases counted, then changed again), and one in the past.
@example(steps=[("phase", 0, 0), ("phase", 0, 1), ("phase", 1, 8), ("phase", 1, 3)])
# A committee scheduled, cancelled, scheduled again: today's committee statuses counted, then changed.
@example(steps=[("committee", 0, 15), ("cancel", 0, 0), ("committee", 0, 15), ("committee", 1, 2)])
def test_incremental_rows_equal_the_rebuilt_ones(app, steps):
    empty_all_tables()
    admin, chair = _world()
    store.rebuild()  # as the generator and the import do: the phase history has a revision
    db.session.commit()
    for step in steps:
        try:
            _step(step, admin, chair)
            db.session.commit()
        except REFUSALS:
            db.session.rollback()
        incremental, periods = store.stored(), store.stored_periods()
        rebuilt = compute(today_in_paris())
        assert incremental == rebuilt, step
        # The kept phase periods say what the day-D rule over the spans says, on any day.
        for offset in (-900, -450, -401, -10, 0, 1, 12):
            probe = today_in_paris() + timedelta(days=offset)
            assert sorted(db.session.execute(store.phases_on(probe)).all()) == \
                sorted(db.session.execute(phase_on_query(probe)).all()), (step, probe)
        # What is kept of today's phases is what the rows say, and of a past day's what the periods
        # say, after any write.
        today = portfolio.funnel(portfolio.PortfolioQuery(on=today_in_paris()))
        assert ({step.phase: step.count for step in today.steps if step.count}, today.without_phase) == (
            dict(Counter(status.phase for status in rebuilt if status.phase)),
            sum(1 for status in rebuilt if status.phase is None)), step
        for offset in (-450, -401, -10, -1):
            probe = today_in_paris() + timedelta(days=offset)
            funnel = portfolio.funnel(portfolio.PortfolioQuery(on=probe))
            counted = Counter(row.phase for row in db.session.execute(phase_on_query(probe)))
            assert {step.phase: step.count for step in funnel.steps if step.count} == dict(counted), (step, probe)
        # What is kept of today's committee statuses (next committees) is what the rows say.
        counts, _ = schedule.today_page(None, None, per_page=10, page=1)
        assert {name: count for name, count in counts.items() if count} == dict(
            Counter(list(STATUSES)[status.committee_rank] for status in rebuilt if status.committee_rank is not None)), step
        store.rebuild()
        assert store.stored_periods() == periods, step
        db.session.rollback()
    assert len(incremental) == 3


def test_a_write_rewrites_the_row_in_its_own_transaction(app):
    admin, _ = _world()
    startup = _startup(0)
    startups.change_phase(startup, "construction", today_in_paris() - timedelta(days=10), by=admin,
                          reason="Fin d’investigation")
    db.session.commit()
    status = store.status_of(startup.id)
    assert (status.phase, status.phase_since) == ("construction", today_in_paris() - timedelta(days=10))
    # A write rolled back leaves the row as it was.
    startups.change_phase(startup, "acceleration", today_in_paris(), by=admin, reason="Essai", confirmed=True)
    db.session.flush()
    db.session.rollback()
    assert store.status_of(startup.id).phase == "construction"


def test_rows_of_an_earlier_day_are_recomputed_when_the_day_turns(app, runner):
    _world()
    startup = _startup(0)
    # A planned phase that begins today, on rows computed yesterday (the scheduler has not run yet).
    db.session.add(PhaseSpan(startup=startup, phase="construction", start=today_in_paris()))
    db.session.commit()
    db.session.execute(StartupStatus.__table__.update().values(computed_on=today_in_paris() - timedelta(days=1),
                                                               phase="investigation"))
    db.session.commit()
    assert store.behind(today_in_paris())
    assert store.refresh() == 3
    assert store.status_of(startup.id).phase == "construction" and not store.behind(today_in_paris())
    assert store.refresh() == 0  # nothing more to do the same day


def test_the_rebuild_command_recomputes_every_row(app, runner):
    _world()
    db.session.execute(StartupStatus.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["status", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "3 statuts de startup recalculés" in result.output
    assert store.stored() == compute(today_in_paris())


def test_the_generator_leaves_every_startup_a_row(app, runner):
    result = runner.invoke(args=["demo", "generate", "--scale", "1"])
    assert result.exit_code == 0, result.output
    count = db.session.scalar(select(db.func.count()).select_from(Startup))
    assert count > 600 and len(store.stored()) == count
    assert store.stored() == compute(today_in_paris())


def _revisions() -> list[int]:
    return [store.revision_of(_startup(index).id) for index in range(3)]


def _changed(before: list[int], after: list[int]) -> list[bool]:
    return [then != now for then, now in zip(before, after)]


def test_the_revision_changes_with_each_commit_bearing_on_its_startup_and_no_other(app):
    """What pages keep of a startup's record is kept under its revision: every write that changes what
    they show of it counts it up (its own records, the names it shows), writes elsewhere do not."""
    from portfolio.governance.models import Decision, FollowUpAction
    from portfolio.startups.models import Organisation, Sponsorship

    admin, chair = _world()
    today = today_in_paris()
    before = _revisions()
    startups.log_milestone(_startup(0), today, "other", "Mise en production", by=admin)
    db.session.commit()
    after_milestone = _revisions()
    assert _changed(before, after_milestone) == [True, False, False]

    # The incubator's name shows on every page of its startups.
    db.session.scalar(select(Incubator)).name = "Incubateur interministériel"
    db.session.commit()
    after_rename = _revisions()
    assert _changed(after_milestone, after_rename) == [True, True, True]

    # A sponsor's name, on the startups it sponsors only.
    dge = Organisation(slug="dge", name="Direction générale des entreprises", acronym="DGE")
    db.session.add(Sponsorship(startup=_startup(2), organisation=dge))
    db.session.commit()
    sponsored = _revisions()
    dge.acronym = "D.G.E."
    db.session.commit()
    assert _changed(sponsored, _revisions()) == [False, False, True]

    # A follow-up of a decision, and its owner's name, on the reviewed startup.
    meeting = Meeting(kind="investment_committee", title="Comité", starts_at=datetime.combine(
        today - timedelta(days=1), time(10), tzinfo=PARIS), status="held", source="local")
    meeting.reviews.append(Review(startup=_startup(1), position=0))
    db.session.add(meeting)
    db.session.flush()
    decision = Decision(review=meeting.reviews[0], outcome="continue_6_months")
    db.session.add(decision)
    db.session.commit()
    decided = _revisions()
    action = FollowUpAction(decision=decision, text="Publier la matrice d’impact", owner=chair,
                            due_on=today + timedelta(days=30))
    db.session.add(action)
    db.session.commit()
    followed = _revisions()
    assert _changed(decided, followed) == [False, True, False]
    chair.name = "Présidente Durand"
    db.session.commit()
    assert _changed(followed, _revisions()) == [False, True, False]
