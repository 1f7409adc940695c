"""What the startup page shows, read in a fixed number of queries: the startup with everything
recorded about it, its current phase, a timeline of phase changes and milestones (each phase
change with who, when, why and what came before, from the audit trail); and its detailed history,
a page at a time, on a page of its own."""
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portfolio.audit.models import AuditEvent
from portfolio.audit.queries import history_of
from portfolio.audit.tracking import object_key
from portfolio.extensions import db
from portfolio.startups import phases
from portfolio.startups.charts import indicator_chart
from portfolio.startups.models import (
    MILESTONE_KINDS,
    CoIncubation,
    Indicator,
    Milestone,
    PhaseSpan,
    Sponsorship,
    Startup,
)
from portfolio.timeutil import duration_fr

#: Audit actions on a span, in words.
SPAN_ACTIONS = {"phase_change": "Changement de phase", "phase_correction": "Correction", "update": "Modification"}
HISTORY_LIMIT = 200
#: Milestones on the startup page itself, the newest; all of them are on /startups/<slug>/milestones.
SHOWN_ON_STARTUP_PAGE = 20


def load_startup(slug: str, full: bool = False) -> Startup:
    """The startup named by `slug` (404 otherwise); `full` loads all it shows: the many-to-one
    relations joined, one query per collection."""
    statement = select(Startup).where(func.lower(Startup.slug) == slug.lower())
    if full:
        statement = statement.options(
            joinedload(Startup.incubator),
            joinedload(Startup.porteur),
            selectinload(Startup.co_incubations).joinedload(CoIncubation.incubator),
            selectinload(Startup.sponsorships).joinedload(Sponsorship.organisation),
            selectinload(Startup.phase_spans),
            selectinload(Startup.milestones),
            selectinload(Startup.indicators).selectinload(Indicator.measurements),
            selectinload(Startup.team),
        )
    else:
        statement = statement.options(selectinload(Startup.co_incubations))
    startup = db.session.scalar(statement)
    if startup is None:
        abort(404)
    return startup


@dataclass
class SpanChange:
    """One audited write on a span: who, when, why, and the fields before and after."""

    event: AuditEvent
    label: str
    before: dict
    after: dict


@dataclass
class TimelineEntry:
    day: date
    kind: str  # "phase" or "milestone"
    span: PhaseSpan | None = None
    previous_phase: str | None = None
    planned: bool = False
    created: AuditEvent | None = None
    changes: list[SpanChange] = field(default_factory=list)
    milestone: Milestone | None = None
    kind_label: str = ""
    measurements: list = field(default_factory=list)

    @property
    def sort_key(self):
        # Newest first; on the same day, a phase change before the milestones it explains.
        return (self.day, self.kind == "phase", self.span.id if self.span else self.milestone.id)


def _readable(values: dict | None) -> dict:
    """A span's audited fields in words (phase labels, French dates)."""
    names = {"phase": "Phase", "start": "Début", "end": "Fin", "comment": "Commentaire"}
    readable = {}
    for key, value in (values or {}).items():
        if key not in names:
            continue
        if key == "phase":
            value = phases.label(value)
        elif key in ("start", "end") and value:
            value = date.fromisoformat(value).strftime("%d/%m/%Y")
        readable[names[key]] = value if value not in (None, "") else "—"
    return readable


def _phase_entries(startup: Startup, events: list[AuditEvent], today: date) -> list[TimelineEntry]:
    by_span: dict[str, list[AuditEvent]] = {}
    for event in events:
        by_span.setdefault(event.object_id, []).append(event)
    ordered = sorted(startup.phase_spans, key=lambda span: (span.start, phases.RANK.get(span.phase, -1)))
    entries = []
    for position, span in enumerate(ordered):
        own = sorted(by_span.get(object_key(span)[1], []), key=lambda event: (event.at, event.id))
        created = next((event for event in own if event.action == "create"), None)
        # A "phase_change" update that only sets the end is the next change closing this span:
        # it shows on the next span's entry, not as a correction of this one.
        changes = [
            SpanChange(event, SPAN_ACTIONS.get(event.action, event.action_label), _readable(event.before), _readable(event.after))
            for event in own
            if event.action != "create" and not (event.action == "phase_change" and set(event.after or {}) <= {"end"})
        ]
        entries.append(
            TimelineEntry(
                day=span.start,
                kind="phase",
                span=span,
                previous_phase=ordered[position - 1].phase if position else None,
                planned=span.start > today,
                created=created,
                changes=changes,
            )
        )
    return entries


def timeline(
    startup: Startup, span_events: list[AuditEvent], today: date, milestones_shown: int | None = None
) -> list[TimelineEntry]:
    """Phase changes and milestones, newest first: every phase change, and the `milestones_shown`
    newest milestones (all of them when None; the others are on the milestones' own pages)."""
    measured = {}
    for indicator in startup.indicators:
        for measurement in indicator.measurements:
            if measurement.milestone_id is not None:
                measured.setdefault(measurement.milestone_id, []).append((indicator, measurement))
    entries = _phase_entries(startup, span_events, today)
    newest = sorted(startup.milestones, key=lambda milestone: (milestone.date, milestone.id), reverse=True)
    for milestone in newest[:milestones_shown]:
        entries.append(
            TimelineEntry(
                day=milestone.date,
                kind="milestone",
                milestone=milestone,
                kind_label=MILESTONE_KINDS.get(milestone.kind, milestone.kind),
                measurements=measured.get(milestone.id, []),
                planned=milestone.date > today,
            )
        )
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)


@dataclass
class Chart:
    indicator: Indicator
    svg: Markup
    dom_id: str


def charts(startup: Startup) -> list[Chart]:
    result = []
    for indicator in sorted(startup.indicators, key=lambda indicator: indicator.name.lower()):
        dom_id = f"indicateur-{indicator.id}"
        points = [(measurement.date, measurement.value) for measurement in indicator.measurements]
        result.append(Chart(indicator, indicator_chart(indicator.name, indicator.unit, points, dom_id), dom_id))
    return result


def events_about(objects, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    """Events about these objects, newest first (at most `limit`)."""
    statement = _events_statement(objects)
    return [] if statement is None else list(db.session.scalars(statement.limit(limit)))


def _events_statement(objects):
    """Events about these objects, newest first: one IN list per kind of object, so that the
    query stays one statement of bounded depth however many measurements a startup has (None for
    no object)."""
    ids_by_type: dict[str, list[str]] = {}
    for obj in objects:
        kind, ident = object_key(obj)
        ids_by_type.setdefault(kind, []).append(ident)
    if not ids_by_type:
        return None
    return (
        select(AuditEvent)
        .where(or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids)) for kind, ids in ids_by_type.items())))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def history_page(startup: Startup, page: int, per_page: int):
    """One page of the startup's detailed history (every event about it and what it records), newest
    first: a Flask-SQLAlchemy Pagination."""
    return db.paginate(_events_statement(records_of(startup)), page=page, per_page=per_page, error_out=False)


def records_of(startup: Startup) -> list:
    """The startup and every record of its own whose changes its history tells."""
    from portfolio.startups.impact import impact_history

    return [
        startup,
        *impact_history(startup),
        *startup.co_incubations,
        *startup.sponsorships,
        *startup.phase_spans,
        *startup.milestones,
        *startup.team,
        *startup.indicators,
        *(measurement for indicator in startup.indicators for measurement in indicator.measurements),
    ]


def _health_review(startup: Startup, status):
    """The review whose health is the startup's latest (its status row names the meeting)."""
    from portfolio.governance.models import Review

    if status is None or status.health_meeting_id is None:
        return None
    return db.session.scalar(
        select(Review).where(Review.startup_id == startup.id, Review.meeting_id == status.health_meeting_id)
    )


@dataclass(frozen=True)
class Permissions:
    """What the person reading the page may do there: the page's body is kept per combination."""

    #: Change its phase, identity and team.
    edit: bool
    #: Log milestones and indicators.
    log: bool
    #: Read its funding section.
    funding: bool
    #: Open the conventions its funding comes from.
    conventions: bool
    #: Record its certified impact level.
    certify: bool

    @classmethod
    def of(cls, user, startup: Startup) -> "Permissions":
        from portfolio.accounts.permissions import can

        return cls(can(user, "startup.edit", startup), can(user, "startup.log", startup),
                   can(user, "startup.funding", startup), can(user, "funding.view"),
                   can(user, "startup.certify_impact", startup))


def body(startup: Startup, today: date, permissions: Permissions) -> Markup:
    """The page below its title bar, kept under the startup's revision (every commit bearing on its
    record draws a new one), the day and what the reader may do: rendered again only once one of those
    changed, in any process (portfolio.core.fragments)."""
    from portfolio.core import fragments
    from portfolio.status import store

    store.refresh(today)

    def render() -> str:
        full = load_startup(startup.slug, full=True)
        context = page_context(full, today, with_funding=permissions.funding)
        return fragments.rendered("startups/_detail_body.html", **context, may=permissions)

    return fragments.kept().get(("startup-page", startup.id, store.revision_of(startup.id), today, permissions), render)


def page_context(startup: Startup, today: date, with_funding: bool = False) -> dict:
    """What the page shows; its committee situation is the status row's (the same on every page), its
    funding only for those who may read it (`with_funding`)."""
    from portfolio.funding.queries import startup_funding
    from portfolio.governance.schedule import schedule_from
    from portfolio.startups.impact import impact_history
    from portfolio.status import store

    span_events = history_of(*startup.phase_spans, limit=10_000)
    store.refresh(today)
    status = store.status_of(startup.id)
    current = phases.Span(status.phase, status.phase_since) if status is not None and status.phase else None
    committee = None
    if current is not None and current.phase in phases.ACTIVE_PHASES:
        incubator = startup.incubator.name if startup.incubator else None
        committee = schedule_from(status, startup.slug, startup.name, incubator, today)
    impacts = impact_history(startup)
    return {
        "startup": startup,
        "today": today,
        "current": current,
        "time_in_phase": duration_fr(current.start, today) if current is not None else None,
        "planned": [span for span in startup.phase_spans if span.start > today],
        "timeline": timeline(startup, span_events, today, SHOWN_ON_STARTUP_PAGE),
        "milestone_total": len(startup.milestones),
        "milestones_shown": SHOWN_ON_STARTUP_PAGE,
        "charts": charts(startup),
        "team": sorted(startup.team, key=lambda member: (member.end is not None, member.start or date.min, member.name)),
        "phase_label": phases.label,
        "status": status,
        "committee": committee,
        "health_review": _health_review(startup, status),
        "impact_history": impacts,
        "funding": startup_funding(startup, today) if with_funding else None,
    }
