"""The phase vocabulary and the rule for "the phase of a startup on a day D".

A span covers [start, end): its end is the day the next phase begins. The phase on D is
that of the span with the latest start <= D (spans starting the same day: the later stage
in lifecycle order wins); if that span's end <= D, the startup has no phase on D. The
current phase is the phase on today: derived from the spans, never stored.
This module holds the rule once, in Python (`phase_on`) and in SQL (`phase_on_query`), and
says it as periods (`periods`): the days each phase holds, which the derived `phase_periods`
rows keep so that the phase of every startup on any day is one range query.
"""
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol, Sequence

from sqlalchemy import Select, and_, case, func, or_, select

#: The vocabulary, in lifecycle order, with its French labels.
PHASE_LABELS = {
    "investigation": "Investigation",
    "construction": "Construction",
    "acceleration": "Accélération",
    "consolidation": "En consolidation",
    "opere": "Opéré au sein du réseau",
    "transfere": "Transféré",
    "abandon-investigation": "Investigation non concluante",
    "abandon": "Arrêté",
}
PHASES = tuple(PHASE_LABELS)
RANK = {phase: rank for rank, phase in enumerate(PHASES)}
#: Phases in which a startup is followed by the programme (and reviewed by committees).
ACTIVE_PHASES = ("investigation", "construction", "acceleration", "consolidation")
#: Phases that stop a startup.
STOPPED_PHASES = ("abandon-investigation", "abandon")

#: Older names found in past records, mapped here and only here.
#: alumni was shown as "Partenariat terminé" (the partnership ended: stopped); success as
#: "Pérennisé" (taken over by the administration: today's transféré); transfer is the old
#: spelling of transféré; perennisation was renamed consolidation.
LEGACY_PHASES = {
    "alumni": "abandon",
    "success": "transfere",
    "transfer": "transfere",
    "transfert": "transfere",
    "perennisation": "consolidation",
}


def normalise_phase(name: str | None) -> str | None:
    """The vocabulary's name for `name` (legacy names mapped, case and spaces ignored), or None."""
    if name is None:
        return None
    key = str(name).strip().lower()
    key = LEGACY_PHASES.get(key, key)
    return key if key in RANK else None


def label(phase: str | None) -> str:
    return PHASE_LABELS.get(phase or "", phase or "—")


class SpanLike(Protocol):
    phase: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Span:
    phase: str
    start: date
    end: date | None = None


def phase_span_on(spans: Iterable[SpanLike], day: date) -> SpanLike | None:
    """The span that gives the phase on `day`, or None when there is no phase that day."""
    best = None
    for span in spans:
        if span.start > day:
            continue
        if best is None or (span.start, RANK.get(span.phase, -1)) > (best.start, RANK.get(best.phase, -1)):
            best = span
    if best is None or (best.end is not None and best.end <= day):
        return None
    return best


@dataclass(frozen=True)
class Period:
    """The days [start, until) on which `phase` is the phase by the day-D rule (until None: ever since)."""

    phase: str
    start: date
    until: date | None


def periods(spans: Iterable[SpanLike]) -> list[Period]:
    """The day-D rule as periods, in order: each day a span begins, the span the rule picks that day
    holds until it ends or the next span begins, whichever comes first."""
    winners: dict[date, SpanLike] = {}
    for span in spans:
        # On the same day, the later stage in lifecycle order wins (as in phase_span_on).
        if span.start not in winners or RANK.get(span.phase, -1) > RANK.get(winners[span.start].phase, -1):
            winners[span.start] = span
    starts = sorted(winners)
    result = []
    for position, start in enumerate(starts):
        span = winners[start]
        ends = [day for day in (span.end, starts[position + 1] if position + 1 < len(starts) else None) if day]
        result.append(Period(span.phase, start, min(ends) if ends else None))
    return result


def phase_on(spans: Iterable[SpanLike], day: date) -> str | None:
    span = phase_span_on(spans, day)
    return span.phase if span is not None else None


def history_errors(spans: Sequence[SpanLike]) -> list[str]:
    """What makes a history invalid (French messages); empty when it is valid.

    Valid: known phases, end >= start, at most one open span, no two spans overlapping.
    """
    errors = []
    for span in spans:
        if span.phase not in RANK:
            errors.append(f"Phase inconnue : {span.phase}.")
        if span.end is not None and span.end < span.start:
            errors.append(f"La phase {label(span.phase)} finit le {span.end:%d/%m/%Y}, avant de commencer.")
    if sum(1 for span in spans if span.end is None) > 1:
        errors.append("Une seule phase peut rester ouverte.")
    ordered = sorted(spans, key=lambda span: (span.start, RANK.get(span.phase, -1)))
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.end is None or earlier.end > later.start:
            errors.append(
                f"Les phases {label(earlier.phase)} (du {earlier.start:%d/%m/%Y}) et "
                f"{label(later.phase)} (du {later.start:%d/%m/%Y}) se chevauchent."
            )
    return errors


def rank_expression(phase_column):
    """SQL: the lifecycle rank of a phase column."""
    return case({phase: rank for phase, rank in RANK.items()}, value=phase_column, else_=-1)


def phase_on_query(day: date, startup_ids: Sequence[int] | None = None) -> Select:
    """SQL form of `phase_span_on`: one row (startup_id, phase, start) per startup with a phase on
    `day` (only for `startup_ids` when given: the window then reads only their spans)."""
    from portfolio.startups.models import PhaseSpan

    spans = PhaseSpan.start <= day
    if startup_ids is not None:
        spans = and_(spans, PhaseSpan.startup_id.in_(startup_ids))
    ranked = (
        select(
            PhaseSpan.startup_id,
            PhaseSpan.phase,
            PhaseSpan.start,
            PhaseSpan.end,
            func.row_number()
            .over(
                partition_by=PhaseSpan.startup_id,
                order_by=(PhaseSpan.start.desc(), rank_expression(PhaseSpan.phase).desc(), PhaseSpan.id.desc()),
            )
            .label("position"),
        )
        .where(spans)
        .subquery()
    )
    return select(ranked.c.startup_id, ranked.c.phase, ranked.c.start).where(
        and_(ranked.c.position == 1, or_(ranked.c.end.is_(None), ranked.c.end > day))
    )
