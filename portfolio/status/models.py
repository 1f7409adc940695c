"""The derived status row of a startup: what many pages show about it, computed from its phase
history, its committees and its funding, rewritten in the transaction of every write that changes
one of those (see `portfolio.status.tracking`) and refreshed when the day turns in Paris.

It is derived data, never edited: `flask status rebuild` recomputes every row from the records,
and a property test holds the incremental rows equal to the rebuilt ones. Its writes are not
audited: the writes it follows are."""
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.extensions import db


class StartupStatus(db.Model):
    __tablename__ = "startup_status"
    __table_args__ = (
        Index("ix_startup_status_phase_sort", "phase", "sort_name"),
        Index("ix_startup_status_sort_name", "sort_name"),
        Index("ix_startup_status_computed_on", "computed_on"),
        Index("ix_startup_status_committee_due_on", "committee_due_on"),
        Index("ix_startup_status_committee_order", "committee_rank", "committee_due_on", "sort_name"),
        Index("ix_startup_status_health", "health"),
        Index("ix_startup_status_impact_level", "impact_level"),
    )

    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    #: The day (Paris) these values hold for; a row of an earlier day is refreshed when the day turns.
    computed_on: Mapped[date] = mapped_column(Date)
    #: The startup's name without case nor accents (the list's order), and its name and pitch so
    #: folded (the list's text search).
    sort_name: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text)
    #: The current phase (the phase on `computed_on` by the day-D rule) and the day it began.
    phase: Mapped[str | None] = mapped_column(String(40))
    phase_since: Mapped[date | None] = mapped_column(Date)
    #: The next planned span (starting after `computed_on`), if any.
    next_phase: Mapped[str | None] = mapped_column(String(40))
    next_phase_on: Mapped[date | None] = mapped_column(Date)
    #: The first day the startup counts as stale (no update for STALE_AFTER_DAYS), while active.
    stale_on: Mapped[date | None] = mapped_column(Date)
    #: The first day its time in the current phase is above the phase's norm (PHASE_NORMS_DAYS).
    beyond_norm_on: Mapped[date | None] = mapped_column(Date)
    #: Its latest investment committee on or before `computed_on` (cancelled ones do not count).
    last_committee_on: Mapped[date | None] = mapped_column(Date)
    last_committee_id: Mapped[int | None] = mapped_column(Integer)
    #: That committee's decision (a DECISION_OUTCOMES key), when one was recorded.
    last_committee_outcome: Mapped[str | None] = mapped_column(String(40))
    #: Its next investment committee already scheduled after `computed_on`.
    next_committee_on: Mapped[date | None] = mapped_column(Date)
    next_committee_id: Mapped[int | None] = mapped_column(Integer)
    #: The day its next committee is due by the doctrine (active startups only).
    committee_due_on: Mapped[date | None] = mapped_column(Date)
    #: The estimated day its funding runs out, and whether any funding is followed ("tracked") or not ("none").
    run_out_on: Mapped[date | None] = mapped_column(Date)
    funding_state: Mapped[str] = mapped_column(String(20), default="none")
    #: Its committee situation on `computed_on` (a `doctrine.STATUSES` key, active startups only)
    #: and that status's rank in the order of urgency (next committees lists by it).
    committee_status: Mapped[str | None] = mapped_column(String(20))
    committee_rank: Mapped[int | None] = mapped_column(Integer)
    #: The health recorded at its latest committee that has one (a HEALTH_LEVELS key), that
    #: committee's day and id.
    health: Mapped[str | None] = mapped_column(String(20))
    health_on: Mapped[date | None] = mapped_column(Date)
    health_meeting_id: Mapped[int | None] = mapped_column(Integer)
    #: Its certified impact level on `computed_on` (an IMPACT_CERTIFICATION_LEVELS key: the level
    #: of the latest day up to then), that day and who certified it; null when none was ever recorded.
    impact_level: Mapped[str | None] = mapped_column(String(20))
    impact_on: Mapped[date | None] = mapped_column(Date)
    impact_by: Mapped[str | None] = mapped_column(String(300))
