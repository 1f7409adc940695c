"""The rules of a startup's record: identity, incubators, sponsors, team, phase history,
milestones and indicators. Views, the CLI and the importer call these; they flush, the
caller commits once. A broken rule raises `StartupError` with a French message; an allowed
but unusual phase change raises `NeedsConfirmation` until the caller passes confirmed=True.
"""
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable, Sequence

from sqlalchemy import func, select, update

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.startups import phases
from portfolio.startups.models import (
    MILESTONE_KINDS,
    CoIncubation,
    Incubator,
    Indicator,
    Measurement,
    Milestone,
    Organisation,
    PhaseSpan,
    Sponsorship,
    Startup,
    TeamMember,
)
from portfolio.timeutil import utcnow

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Text fields of a startup that a coach edits (the slug is the registry's key: fixed once created).
TEXT_FIELDS = (
    "name",
    "pitch",
    "description",
    "contact",
    "website",
    "repository",
    "stats_url",
    "impact_url",
    "budget_url",
    "dashlord_url",
)
#: Measurements are Numeric(18, 4): 14 digits before the decimal point.
MAX_VALUE = Decimal(10) ** 14


class StartupError(ValueError):
    """A rule of the startup's record was broken; the message is French and shown as is."""


class NeedsConfirmation(StartupError):
    """The change is allowed but goes against the lifecycle: the person must confirm it."""


def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def touch(startup: Startup) -> None:
    """Record that something about the startup changed now (the portfolio's "stale" flag reads it).

    A bulk UPDATE, not an attribute change: the write that calls it has its own audit event,
    and a second event per write saying only "updated_at changed" would drown the history.
    """
    db.session.flush()
    db.session.execute(
        update(Startup).where(Startup.id == startup.id).values(updated_at=utcnow()),
        execution_options={"synchronize_session": "evaluate"},
    )


# --- Identity, incubators, sponsors ---------------------------------------------------------


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def find_startup(slug: str) -> Startup | None:
    return db.session.scalar(select(Startup).where(func.lower(Startup.slug) == slug.strip().lower()))


def create_startup(
    name: str,
    incubator: Incubator | None,
    slug: str | None = None,
    porteur: Organisation | None = None,
    co_incubators: Iterable[Incubator] = (),
    sponsors: Iterable[Organisation] = (),
    **fields: str | None,
) -> Startup:
    name = _clean(name)
    if name is None:
        raise StartupError("Le nom de la startup est obligatoire.")
    if incubator is None:
        raise StartupError("Choisissez l’incubateur principal de la startup.")
    slug = _clean(slug) or slugify(name)
    if not SLUG.match(slug):
        raise StartupError(
            f"L’identifiant « {slug} » ne convient pas : lettres minuscules sans accent, chiffres et tirets, "
            "par exemple signaux-faibles."
        )
    if find_startup(slug) is not None:
        raise StartupError(f"Une startup a déjà l’identifiant « {slug} ».")
    startup = Startup(slug=slug, name=name, incubator=incubator, porteur=porteur, extra={})
    _set_text_fields(startup, fields)
    db.session.add(startup)
    db.session.flush()
    set_co_incubators(startup, co_incubators)
    set_sponsors(startup, sponsors)
    return startup


def edit_startup(
    startup: Startup,
    incubator: Incubator | None,
    porteur: Organisation | None = None,
    co_incubators: Iterable[Incubator] = (),
    sponsors: Iterable[Organisation] = (),
    **fields: str | None,
) -> None:
    if "name" in fields and _clean(fields["name"]) is None:
        raise StartupError("Le nom de la startup est obligatoire.")
    if incubator is None:
        raise StartupError("Choisissez l’incubateur principal de la startup.")
    startup.incubator = incubator
    startup.porteur = porteur
    _set_text_fields(startup, fields)
    db.session.flush()
    set_co_incubators(startup, co_incubators)
    set_sponsors(startup, sponsors)
    touch(startup)


def _set_text_fields(startup: Startup, fields: dict[str, str | None]) -> None:
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown startup fields: {sorted(unknown)}")
    for key, value in fields.items():
        value = _clean(value)
        if getattr(startup, key) != value:
            setattr(startup, key, value)


def set_co_incubators(startup: Startup, incubators: Iterable[Incubator]) -> None:
    """The further incubators of a co-incubated startup (the main one is never repeated here)."""
    wanted = {incubator.id: incubator for incubator in incubators if incubator.id != startup.incubator_id}
    for link in list(startup.co_incubations):
        if link.incubator_id not in wanted:
            startup.co_incubations.remove(link)
    present = {link.incubator_id for link in startup.co_incubations}
    for incubator_id, incubator in wanted.items():
        if incubator_id not in present:
            startup.co_incubations.append(CoIncubation(incubator=incubator))
    db.session.flush()


def set_sponsors(startup: Startup, organisations: Iterable[Organisation]) -> None:
    wanted = {organisation.id: organisation for organisation in organisations}
    for link in list(startup.sponsorships):
        if link.organisation_id not in wanted:
            startup.sponsorships.remove(link)
    present = {link.organisation_id for link in startup.sponsorships}
    for organisation_id, organisation in wanted.items():
        if organisation_id not in present:
            startup.sponsorships.append(Sponsorship(organisation=organisation))
    db.session.flush()


# --- Team ------------------------------------------------------------------------------------


def add_team_member(
    startup: Startup, name: str, role: str, start: date | None = None, end: date | None = None
) -> TeamMember:
    name, role = _clean(name), _clean(role)
    if name is None:
        raise StartupError("Le nom de la personne est obligatoire.")
    if role is None:
        raise StartupError("Le rôle de la personne est obligatoire.")
    if start is not None and end is not None and end < start:
        raise StartupError(f"La date de départ ({_day(end)}) précède la date d’arrivée ({_day(start)}).")
    member = TeamMember(name=name, role=role, start=start, end=end)
    startup.team.append(member)
    touch(startup)
    return member


def end_team_member(member: TeamMember, on: date | None) -> None:
    if on is None:
        raise StartupError("Indiquez la date de départ.")
    if member.end is not None:
        raise StartupError(f"{member.name} a déjà quitté l’équipe le {_day(member.end)}.")
    if member.start is not None and on < member.start:
        raise StartupError(f"La date de départ ({_day(on)}) précède la date d’arrivée ({_day(member.start)}).")
    member.end = on
    touch(member.startup)


# --- Phase history ---------------------------------------------------------------------------


def lifecycle_warnings(spans: Sequence[phases.SpanLike]) -> list[str]:
    """Steps of a history that go against the lifecycle: back to an earlier phase, or out of a stop."""
    ordered = sorted(spans, key=lambda span: (span.start, phases.RANK.get(span.phase, -1)))
    warnings = []
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.phase == later.phase:
            continue
        before, after = phases.label(earlier.phase), phases.label(later.phase)
        if earlier.phase in phases.STOPPED_PHASES:
            warnings.append(f"Le {_day(later.start)}, la startup quitterait la phase « {before} » pour « {after} ».")
        elif phases.RANK.get(later.phase, -1) < phases.RANK.get(earlier.phase, -1):
            warnings.append(
                f"Le {_day(later.start)}, la startup reviendrait de « {before} » à « {after} », "
                "une phase antérieure du cycle de vie."
            )
    return warnings


def _check_history(current: Sequence[phases.SpanLike], proposal: Sequence[phases.Span], confirmed: bool) -> None:
    errors = phases.history_errors(proposal)
    if errors:
        raise StartupError(" ".join(errors))
    known = set(lifecycle_warnings(current))
    new = [warning for warning in lifecycle_warnings(proposal) if warning not in known]
    if new and not confirmed:
        raise NeedsConfirmation(" ".join(new))


def _copy(span: phases.SpanLike, end: date | None = None) -> phases.Span:
    return phases.Span(span.phase, span.start, span.end if end is None else end)


def _latest(spans: Sequence[PhaseSpan]) -> PhaseSpan | None:
    """The span that reaches furthest: the open one, else the one that ends last."""
    if not spans:
        return None
    return max(spans, key=lambda span: (span.end is None, span.end or span.start, span.start))


def change_phase(
    startup: Startup,
    to: str,
    on: date | None,
    by=None,
    reason: str | None = None,
    confirmed: bool = False,
) -> PhaseSpan:
    """Open a span of phase `to` on `on`, closing the open span that day. A date in the future plans it."""
    phase = phases.normalise_phase(to)
    if phase is None:
        raise StartupError(f"Phase inconnue : {to}.")
    if on is None:
        raise StartupError("Indiquez la date du changement de phase.")
    reason = _clean(reason)
    if reason is None:
        raise StartupError("Indiquez le motif du changement de phase.")
    spans = list(startup.phase_spans)
    latest = _latest(spans)
    if latest is not None and latest.end is None:
        if on <= latest.start:
            raise StartupError(
                f"La phase « {phases.label(latest.phase)} » commence le {_day(latest.start)} : "
                "un changement de phase doit être daté après ce jour. Pour modifier le passé, corrigez une période."
            )
        if latest.phase == phase:
            raise StartupError(f"La startup est déjà en phase « {phases.label(phase)} » depuis le {_day(latest.start)}.")
    elif latest is not None and on < latest.end:
        raise StartupError(
            f"La dernière période (« {phases.label(latest.phase)} ») se termine le {_day(latest.end)} : "
            "un changement de phase doit être daté de ce jour ou après. Pour modifier le passé, corrigez une période."
        )
    closing = latest if latest is not None and latest.end is None else None
    proposal = [_copy(span, on if span is closing else None) for span in spans] + [phases.Span(phase, on)]
    _check_history(spans, proposal, confirmed)
    with described(action="phase_change", reason=reason):
        if closing is not None:
            closing.end = on
        span = PhaseSpan(phase=phase, start=on, comment=reason, created_by_id=getattr(by, "id", None))
        startup.phase_spans.append(span)
        touch(startup)
    return span


def correct_span(
    span: PhaseSpan,
    phase: str,
    start: date | None,
    end: date | None,
    comment: str | None = None,
    by=None,
    reason: str | None = None,
    confirmed: bool = False,
) -> bool:
    """Correct a span's phase, dates or comment, under the same checks as a change. True if it changed."""
    normalised = phases.normalise_phase(phase)
    if normalised is None:
        raise StartupError(f"Phase inconnue : {phase}.")
    if start is None:
        raise StartupError("Indiquez la date de début de la période.")
    reason = _clean(reason)
    if reason is None:
        raise StartupError("Indiquez le motif de la correction.")
    if end is not None and end == start and (start, end) != (span.start, span.end):
        # A span ending the day it starts never holds a day: it could only hide the phase of that day.
        # (The importer keeps such spans from same-day starts; their comment may still be corrected.)
        raise StartupError("Une période dure au moins un jour : sa fin est le jour où la phase suivante commence.")
    comment = _clean(comment)
    if (span.phase, span.start, span.end, span.comment) == (normalised, start, end, comment):
        return False
    spans = list(span.startup.phase_spans)
    proposal = [phases.Span(normalised, start, end) if other is span else _copy(other) for other in spans]
    _check_history(spans, proposal, confirmed)
    with described(action="phase_correction", reason=reason):
        span.phase, span.start, span.end, span.comment = normalised, start, end, comment
        touch(span.startup)
    return True


# --- Milestones and indicators ---------------------------------------------------------------


def parse_value(value) -> Decimal:
    """A measurement's value from a number or French-written text ("20 000", "12,5")."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise StartupError(f"« {value} » n’est pas un nombre : écrivez par exemple 20 000 ou 12,5.") from None
    if not number.is_finite():
        raise StartupError(f"« {value} » n’est pas un nombre : écrivez par exemple 20 000 ou 12,5.")
    if abs(number) >= MAX_VALUE:
        raise StartupError(f"La valeur {value} est trop grande.")
    return number


def add_indicator(startup: Startup, name: str, unit: str | None = None, allows_negative: bool = False) -> Indicator:
    """A new indicator; `allows_negative` says whether its values may go below zero (a balance may,
    a count may not)."""
    name = _clean(name)
    if name is None:
        raise StartupError("Le nom de l’indicateur est obligatoire.")
    if any(indicator.name.lower() == name.lower() for indicator in startup.indicators):
        raise StartupError(f"La startup suit déjà l’indicateur « {name} ».")
    indicator = Indicator(name=name, unit=_clean(unit), allows_negative=bool(allows_negative))
    startup.indicators.append(indicator)
    touch(startup)
    return indicator


def record_measurement(indicator: Indicator, on: date | None, value, milestone: Milestone | None = None) -> Measurement:
    if on is None:
        raise StartupError("Indiquez la date de la mesure.")
    number = parse_value(value)
    if number < 0 and not indicator.allows_negative:
        raise StartupError(
            f"« {indicator.name} » ne prend pas de valeur négative ({value}) : saisissez une valeur positive ou nulle."
        )
    if any(measurement.date == on for measurement in indicator.measurements):
        raise StartupError(f"Une mesure de « {indicator.name} » existe déjà pour le {_day(on)}.")
    measurement = Measurement(date=on, value=number, milestone_id=milestone.id if milestone is not None else None)
    indicator.measurements.append(measurement)
    touch(indicator.startup)
    return measurement


def log_milestone(
    startup: Startup,
    on: date | None,
    kind: str,
    title: str,
    text: str | None = None,
    by=None,
    measurements: Iterable[tuple[Indicator, object]] = (),
) -> Milestone:
    """A fait marquant, with the indicator values it reports (measured on the milestone's date)."""
    if on is None:
        raise StartupError("Indiquez la date du fait marquant.")
    if kind not in MILESTONE_KINDS:
        raise StartupError(f"Type de fait marquant inconnu : {kind}.")
    title = _clean(title)
    if title is None:
        raise StartupError("Le titre du fait marquant est obligatoire.")
    measurements = [(indicator, parse_value(value)) for indicator, value in measurements]
    for indicator, _ in measurements:
        if indicator.startup_id != startup.id:
            raise StartupError(f"L’indicateur « {indicator.name} » n’est pas suivi par {startup.name}.")
    milestone = Milestone(date=on, kind=kind, title=title, text=_clean(text), created_by_id=getattr(by, "id", None))
    startup.milestones.append(milestone)
    db.session.flush()
    for indicator, value in measurements:
        record_measurement(indicator, on, value, milestone=milestone)
    touch(startup)
    return milestone
