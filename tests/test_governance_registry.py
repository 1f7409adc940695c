"""The real registry's committee events become past investment-committee reviews (215 events of
101 startups), once; then every active startup has a next committee date or the never-reviewed flag."""
from datetime import date, datetime, time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.governance import schedule
from portfolio.governance.models import Decision, Meeting, Review
from portfolio.governance.registry import reviews_from_registry_committees
from portfolio.startups.models import Milestone, Startup
from portfolio.timeutil import PARIS, today_in_paris

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv"


def count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def registry_committee_events() -> set[tuple[str, date]]:
    """(startup slug, day) of every `committee` event, read straight from the files."""
    events = set()
    for path in (REGISTRY / "startups").glob("*.md"):
        front_matter = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        for event in front_matter.get("events") or []:
            if event.get("name") == "committee":
                events.add((path.stem, event["date"]))
    return events


@pytest.fixture
def imported(app, runner):
    result = runner.invoke(args=["import", "betagouv", str(REGISTRY)])
    assert result.exit_code == 0, result.output
    return registry_committee_events()


def _forget_registry_committees() -> None:
    """As before an import that knew of committees: the registry's past committees removed."""
    for meeting in db.session.scalars(select(Meeting).where(Meeting.source == "registry")):
        db.session.delete(meeting)
    db.session.commit()


def test_the_import_turns_registry_committees_into_past_reviews_once(app, runner, imported):
    """`flask import betagouv` does the conversion itself; the command finds nothing more to do."""
    assert len(imported) == 215 and len({slug for slug, _ in imported}) == 101
    assert count(select(Meeting).where(Meeting.source == "registry")) == 215

    result = runner.invoke(args=["governance", "import-committees"])
    assert result.exit_code == 0, result.output
    assert "0 revue créée pour 0 startup, 215 déjà présentes" in result.output


def test_registry_committees_become_past_reviews_once(app, runner, imported):
    _forget_registry_committees()
    result = runner.invoke(args=["governance", "import-committees"])
    assert result.exit_code == 0, result.output
    assert "215 revues créées pour 101 startups, 0 déjà présente" in result.output

    registry_meetings = select(Meeting).where(Meeting.source == "registry")
    assert count(registry_meetings) == 215
    assert count(select(Review).join(Meeting).where(Meeting.source == "registry")) == 215
    assert count(select(Decision).where(Decision.outcome == "unknown")) == 215
    pairs = db.session.execute(
        select(Startup.slug, Meeting.starts_at, Meeting.kind, Meeting.status)
        .join(Review, Review.startup_id == Startup.id)
        .join(Meeting, Meeting.id == Review.meeting_id)
    ).all()
    assert {(slug, starts_at.astimezone(PARIS).date()) for slug, starts_at, _, _ in pairs} == imported
    assert {(kind, status) for _, _, kind, status in pairs} == {("investment_committee", "closed")}
    assert {starts_at.astimezone(PARIS).time() for _, starts_at, _, _ in pairs} == {time(12, 0)}
    # Every write is audited.
    creations = select(AuditEvent).where(AuditEvent.object_type == "meeting", AuditEvent.action == "create")
    assert count(creations) >= 215

    again = runner.invoke(args=["governance", "import-committees", "--json"])
    assert again.exit_code == 0, again.output
    assert '"created": 0' in again.output and '"already_present": 215' in again.output
    assert count(registry_meetings) == 215


def test_the_minutes_are_the_event_comment(app, imported):
    _forget_registry_committees()
    report = reviews_from_registry_committees()
    db.session.commit()
    assert (report.created, report.startups) == (215, 101)
    review = db.session.scalar(
        select(Review)
        .join(Meeting)
        .join(Startup, Startup.id == Review.startup_id)
        .where(Startup.slug == "acces-cible", Meeting.starts_at == datetime(2024, 10, 7, 12, tzinfo=PARIS))
    )
    assert review.minutes == "Poursuite"
    assert review.decision.outcome == "unknown"
    assert review.meeting.title == "Comité d’investissement du 07/10/2024 — " + review.startup.name + " (registre)"


def test_a_committee_recorded_here_is_not_duplicated(app, imported):
    _forget_registry_committees()
    startup_id, day = db.session.execute(
        select(Milestone.startup_id, Milestone.date).where(Milestone.kind == "committee").limit(1)
    ).one()
    db.session.add(
        Meeting(
            kind="investment_committee", title="Comité tenu dans l’application", status="closed",
            starts_at=datetime.combine(day, time(9, 30), tzinfo=PARIS), reviews=[Review(startup_id=startup_id)],
        )
    )
    db.session.commit()
    report = reviews_from_registry_committees()
    assert (report.created, report.already_present) == (214, 1)


def test_every_active_startup_of_the_registry_has_a_date_or_the_flag(app, runner, imported):
    runner.invoke(args=["governance", "import-committees"])
    today = today_in_paris()
    rows = schedule.portfolio_schedule(today)
    counts = schedule.status_counts(rows)
    assert rows and all(row.next_committee is not None or row.status == "never_reviewed" for row in rows)
    assert all(row.last_committee is not None for row in rows if row.status != "never_reviewed")
    reviewed_active = {row.slug for row in rows if row.last_committee is not None}
    assert reviewed_active <= {slug for slug, _ in imported}
    print(
        f"\nNext committees of the real registry on {today.isoformat()}: {len(rows)} active startups — "
        + ", ".join(f"{status} {number}" for status, number in counts.items())
    )
