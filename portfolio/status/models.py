"""The derived status row of a startup: what many pages show about it, computed from its phase
history, its committees and its funding, rewritten in the transaction of every write that changes
one of those (see `portfolio.status.tracking`) and refreshed when the day turns in Paris.

It is derived data, never edited: `flask status rebuild` recomputes every row from the records,
and a property test holds the incremental rows equal to the rebuilt ones. Its writes are not
audited: the writes it follows are."""
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.extensions import db


class StartupStatus(db.Model):
    __tablename__ = "startup_status"
    __table_args__ = (
        Index("ix_startup_status_phase_sort", "phase", "sort_name"),
        Index("ix_startup_status_sort_name", "sort_name"),
        Index("ix_startup_status_computed_on", "computed_on"),
        Index("ix_startup_status_committee_due_on", "committee_due_on"),
        Index("ix_startup_status_committee_order", "committee_rank", "committee_sort_on", "sort_name", "startup_id"),
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
    #: Its due day, or `compute.UNDATED` when it has none (active startups only): with the rank and
    #: the name, next committees' order, read from one index.
    committee_sort_on: Mapped[date | None] = mapped_column(Date)
    #: The health recorded at its latest committee that has one (a HEALTH_LEVELS key), that
    #: committee's day and id.
    health: Mapped[str | None] = mapped_column(String(20))
    health_on: Mapped[date | None] = mapped_column(Date)
    health_meeting_id: Mapped[int | None] = mapped_column(Integer)
    #: The names of its sponsors (acronym, else name) and of its co-incubators, as the portfolio
    #: lists them: sorted without case nor accents, one per line.
    sponsor_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    co_incubator_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Drawn anew at every write of the row: every commit that bore on the startup's record (its
    #: phases, milestones, team, committees, funding, the names it shows…) and every day's refresh,
    #: so that what a page renders from that record can be kept under it (`store.new_revision`).
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: Its certified impact level on `computed_on` (an IMPACT_CERTIFICATION_LEVELS key: the level
    #: of the latest day up to then), that day and who certified it; null when none was ever recorded.
    impact_level: Mapped[str | None] = mapped_column(String(20))
    impact_on: Mapped[date | None] = mapped_column(Date)
    impact_by: Mapped[str | None] = mapped_column(String(300))


class PhasePeriod(db.Model):
    """The day-D rule as periods (`portfolio.startups.phases.periods`): on the days [start, until)
    the startup's phase is `phase`. Derived from its spans and rewritten with its status row, so
    that the phase of every startup on any past day is one range query over an index (the
    portfolio "as of" a date), rather than a window over every span."""

    __tablename__ = "phase_periods"
    __table_args__ = (Index("ix_phase_periods_day", "start", "until", "phase", "startup_id"),)

    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    phase: Mapped[str] = mapped_column(String(40))
    until: Mapped[date | None] = mapped_column(Date)


class RecordRevision(db.Model):
    """The revision of a record that is not a startup's (a convention with its parties, lines,
    amounts, amendments and reports, and the names it shows), drawn anew by every commit that
    changes it, in its transaction (`portfolio.status.tracking`): pages keep what they render of it
    under that number."""

    __tablename__ = "record_revisions"

    #: The kind of record ("convention").
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
