"""Keeps the status rows true: every flush notes which startups the written objects bear on, and
the commit rewrites those startups' rows first, in the same transaction. So a phase change, a
milestone, an impact level, a meeting moved or cancelled, a decision, a funding line, an amendment or a report is
on every page the moment it is committed, from any process, with no cache to empty.

Writes that bypass the ORM (the generator's and the importer's bulk inserts) rebuild the rows
themselves (`store.rebuild`) or name the startups they touched (`mark`)."""
from sqlalchemy import event, select
from sqlalchemy.orm import Session, attributes

from portfolio.database import among

_PENDING = "status_pending"
_WRITING = "status_writing"


def _direct(obj) -> list[int]:
    """The startup ids an object names itself (before and after a change of its startup)."""
    ids = []
    for value in (getattr(obj, "startup_id", None), *attributes.get_history(obj, "startup_id").deleted):
        if value is not None:
            ids.append(value)
    return ids


def _bearings(obj) -> list[tuple[str, int]]:
    """(kind, id) pairs saying which startups' status an object's write may change."""
    from portfolio.funding.models import (
        Amendment, ConsumptionEntry, ConsumptionReport, Convention, FundingLine, LineAmount,
    )
    from portfolio.governance.models import Decision, Meeting, Review
    from portfolio.startups.models import (
        CoIncubation, ImpactCertification, Indicator, Measurement, Milestone, PhaseSpan, Sponsorship, Startup,
        TeamMember,
    )

    if isinstance(obj, Startup):
        return [("startup", obj.id)]
    if isinstance(obj, (PhaseSpan, Milestone, TeamMember, Indicator, Sponsorship, CoIncubation, Review, FundingLine,
                        ImpactCertification)):
        return [("startup", ident) for ident in _direct(obj)]
    if isinstance(obj, Measurement):
        return [("indicator", obj.indicator_id)]
    if isinstance(obj, Meeting):
        return [("meeting", obj.id)]
    if isinstance(obj, Decision):
        return [("review", obj.review_id)]
    if isinstance(obj, (LineAmount, ConsumptionEntry)):
        return [("line", obj.line_id)]
    if isinstance(obj, (ConsumptionReport, Amendment)):
        return [("convention", obj.convention_id)]
    if isinstance(obj, Convention):
        return [("convention", obj.id)]
    return []


def mark(session: Session, *startup_ids: int) -> None:
    """Have the commit rewrite these startups' rows (for writes the flush does not see)."""
    session.info.setdefault(_PENDING, set()).update(("startup", ident) for ident in startup_ids)


def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(_WRITING):
        return
    pending = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        for kind, ident in _bearings(obj):
            if ident is not None:
                pending.add((kind, ident))


def _startup_ids(session: Session, pending: set[tuple[str, int]]) -> set[int]:
    from portfolio.funding.models import FundingLine
    from portfolio.governance.models import Review
    from portfolio.startups.models import Indicator

    by_kind: dict[str, list[int]] = {}
    for kind, ident in pending:
        by_kind.setdefault(kind, []).append(ident)
    ids = set(by_kind.pop("startup", []))
    parents = {
        "indicator": (Indicator.startup_id, Indicator.id),
        "meeting": (Review.startup_id, Review.meeting_id),
        "review": (Review.startup_id, Review.id),
        "line": (FundingLine.startup_id, FundingLine.id),
        "convention": (FundingLine.startup_id, FundingLine.convention_id),
    }
    for kind, idents in by_kind.items():
        column, key = parents[kind]
        ids.update(session.scalars(select(column).where(among(key, idents)).distinct()))
    return ids


def _before_commit(session: Session) -> None:
    from portfolio.status import store

    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.info[_WRITING] = True
    try:
        store.rewrite(_startup_ids(session, pending))
    finally:
        session.info.pop(_WRITING, None)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listen to the ORM sessions (called by the app factory; idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
