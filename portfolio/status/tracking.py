"""Keeps the status rows true: every flush notes which startups the written objects bear on, and
the commit rewrites those startups' rows first, in the same transaction. So a phase change, a
milestone, an impact level, a meeting moved or cancelled, a decision, a funding line, an amendment
or a report is on every page the moment it is committed, from any process, with no cache to empty.
Each rewrite draws the row a new revision, and the commit draws one for each convention whose
record it changed (`record_revisions`): pages keep what they render under those numbers.

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
    """(kind, id) pairs saying which startups' status an object's write may change, or what pages
    show of their record (names of their incubators and sponsors, preparations, follow-ups…)."""
    from portfolio.accounts.models import User
    from portfolio.funding.grants import Grant
    from portfolio.funding.models import (
        Amendment, ConsumptionEntry, ConsumptionReport, Convention, ConventionParty, FundingLine, LineAmount,
        Obligation, StatusChange,
    )
    from portfolio.governance.models import Decision, FollowUpAction, Meeting, Preparation, Review
    from portfolio.startups.models import (
        CoIncubation, ImpactCertification, Incubator, Indicator, Measurement, Milestone, Organisation, PhaseSpan,
        Sponsorship, Startup, TeamMember,
    )

    if isinstance(obj, Startup):
        return [("startup", obj.id)] + ([("startup_name", obj.id)] if _changed(obj, "name") else [])
    if isinstance(obj, FundingLine):
        return [*(("startup", ident) for ident in _direct(obj)), ("convention_record", obj.convention_id)]
    if isinstance(obj, (PhaseSpan, Milestone, TeamMember, Indicator, Sponsorship, CoIncubation, Review, Grant,
                        ImpactCertification)):
        return [("startup", ident) for ident in _direct(obj)]
    if isinstance(obj, (ConventionParty, Obligation)):
        return [("convention_record", obj.convention_id)]
    if isinstance(obj, Measurement):
        return [("indicator", obj.indicator_id)]
    if isinstance(obj, Meeting):
        return [("meeting", obj.id)]
    if isinstance(obj, (Decision, Preparation)):
        return [("review", obj.review_id)]
    if isinstance(obj, FollowUpAction):
        return [("decision", obj.decision_id)]
    if isinstance(obj, (LineAmount, ConsumptionEntry)):
        return [("line", obj.line_id)]
    if isinstance(obj, (ConsumptionReport, Amendment, StatusChange)):
        return [("convention", obj.convention_id)]
    if isinstance(obj, Convention):
        return [("convention", obj.id)]
    if isinstance(obj, Incubator) and _changed(obj, "name"):
        return [("incubator", obj.id)]
    if isinstance(obj, Organisation) and (_changed(obj, "name") or _changed(obj, "acronym")):
        return [("organisation", obj.id)]
    if isinstance(obj, User) and _changed(obj, "name"):
        return [("owner", obj.id)]
    return []


def _changed(obj, name: str) -> list:
    """The values an attribute changed from or to in this flush (none for an object not loaded)."""
    history = attributes.get_history(obj, name)
    return [value for value in (*history.added, *history.deleted) if value is not None]


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
    from portfolio.governance.models import Decision, FollowUpAction, Review
    from portfolio.startups.models import CoIncubation, Indicator, Sponsorship, Startup

    by_kind: dict[str, list[int]] = {}
    for kind, ident in pending:
        by_kind.setdefault(kind, []).append(ident)
    ids = set(by_kind.pop("startup", []))
    parents = {
        "indicator": [(Indicator.startup_id, Indicator.id)],
        "meeting": [(Review.startup_id, Review.meeting_id)],
        "review": [(Review.startup_id, Review.id)],
        "line": [(FundingLine.startup_id, FundingLine.id)],
        "convention": [(FundingLine.startup_id, FundingLine.convention_id)],
        "incubator": [(Startup.id, Startup.incubator_id), (CoIncubation.startup_id, CoIncubation.incubator_id)],
        "organisation": [(Startup.id, Startup.porteur_id), (Sponsorship.startup_id, Sponsorship.organisation_id)],
    }
    # Two steps away: a follow-up's decision, a follow-up owner's decisions, to their review's startup.
    reviewed = select(Review.startup_id).join(Decision, Decision.review_id == Review.id)
    for kind, idents in by_kind.items():
        if kind in CONVENTION_ONLY:
            continue
        if kind == "decision":
            ids.update(session.scalars(reviewed.where(among(Decision.id, idents)).distinct()))
        elif kind == "owner":
            owned = select(FollowUpAction.decision_id).where(among(FollowUpAction.owner_id, idents))
            ids.update(session.scalars(reviewed.where(Decision.id.in_(owned)).distinct()))
        else:
            for column, key in parents[kind]:
                ids.update(session.scalars(select(column).where(among(key, idents)).distinct()))
    return ids


#: Kinds that change what pages show of a convention, not any startup's status.
CONVENTION_ONLY = ("convention_record", "startup_name")


def _convention_ids(session: Session, pending: set[tuple[str, int]]) -> set[int]:
    """The conventions whose record the pending writes changed: their own rows, parties, lines and
    what hangs on these, and the names they show (of the lines' startups, of the parties)."""
    from portfolio.funding.models import ConventionParty, FundingLine

    ids: set[int] = set()
    by_kind: dict[str, list[int]] = {}
    for kind, ident in pending:
        by_kind.setdefault(kind, []).append(ident)
    ids.update(by_kind.get("convention", []), by_kind.get("convention_record", []))
    for kind, (column, key) in {
        "line": (FundingLine.convention_id, FundingLine.id),
        "startup_name": (FundingLine.convention_id, FundingLine.startup_id),
        "organisation": (ConventionParty.convention_id, ConventionParty.organisation_id),
    }.items():
        if by_kind.get(kind):
            ids.update(session.scalars(select(column).where(among(key, by_kind[kind])).distinct()))
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
        store.count_up("convention", _convention_ids(session, pending))
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
