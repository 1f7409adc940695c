"""The registry's committee history as past investment-committee reviews.

Each registry `committee` event (a Milestone of kind "committee" written by the importer, so
with no author) becomes one closed Meeting of source "registry" (kind investment_committee,
at noon Paris on the event's day), with one Review whose minutes are the event's text and a
Decision of outcome "unknown". A startup reviewed on that day by an investment committee
already recorded here is left alone, so running it again creates nothing.
"""
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.governance.models import Decision, Meeting, Review
from portfolio.startups.models import Milestone, Startup
from portfolio.timeutil import PARIS, as_utc, to_paris, utcnow

#: The hour of the day a registry committee is placed at (its time is not known).
REGISTRY_HOUR = time(12, 0)


@dataclass
class RegistryCommitteesReport:
    """What a conversion did: meetings (each with its review and decision) created, events already present."""

    created: int = 0
    already_present: int = 0
    startups: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "already_present": self.already_present, "startups": self.startups}

    def summary(self) -> str:
        return (
            f"Comités du registre : {self.created} revue{'s' if self.created > 1 else ''} créée"
            f"{'s' if self.created > 1 else ''} pour {self.startups} startup{'s' if self.startups > 1 else ''}, "
            f"{self.already_present} déjà présente{'s' if self.already_present > 1 else ''}."
        )


def registry_meeting_start(day: date) -> datetime:
    """Noon in Paris on `day`, in UTC."""
    return as_utc(datetime.combine(day, REGISTRY_HOUR, tzinfo=PARIS))


def reviews_from_registry_committees() -> RegistryCommitteesReport:
    """Create the missing past reviews from the registry's committee events; flushes, never commits."""
    report = RegistryCommitteesReport()
    events = db.session.execute(
        select(Milestone.startup_id, Milestone.date, Milestone.text, Startup.name)
        .join(Startup, Startup.id == Milestone.startup_id)
        .where(Milestone.kind == "committee", Milestone.created_by_id.is_(None))
        .order_by(Milestone.startup_id, Milestone.date, Milestone.id)
    ).all()
    reviewed = {
        (startup_id, to_paris(starts_at).date())
        for startup_id, starts_at in db.session.execute(
            select(Review.startup_id, Meeting.starts_at)
            .join(Meeting, Meeting.id == Review.meeting_id)
            .where(Meeting.kind == "investment_committee", Meeting.status != "cancelled")
        )
    }
    startups = set()
    for startup_id, day, text, startup_name in events:
        if (startup_id, day) in reviewed:
            report.already_present += 1
            continue
        reviewed.add((startup_id, day))
        db.session.add(_registry_meeting(startup_id, startup_name, day, text))
        report.created += 1
        startups.add(startup_id)
    report.startups = len(startups)
    db.session.flush()
    return report


def _registry_meeting(startup_id: int, startup_name: str, day: date, text: str | None) -> Meeting:
    review = Review(startup_id=startup_id, position=0, minutes=text, decision=Decision(outcome="unknown"))
    return Meeting(
        kind="investment_committee",
        title=f"Comité d’investissement du {day:%d/%m/%Y} — {startup_name} (registre)",
        starts_at=registry_meeting_start(day),
        status="closed",
        source="registry",
        closed_at=utcnow(),
        reviews=[review],
    )
