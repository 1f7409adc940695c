"""From a parsed registry file to a clean record: what the import will write, with every anomaly of
the file reported on the way. Phase histories are normalised here by the day-D rule of
portfolio.startups.phases (the phase on D is that of the latest start <= D; same day: later stage)."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.imports.report import KEPT, NORMALISED, SKIPPED, ImportReport
from portfolio.imports.source import RegistryFile
from portfolio.imports.values import FileNotes, _kind_of, as_json, day, identifier, organisation_id, text
from portfolio.startups.models import MILESTONE_KINDS
from portfolio.startups.phases import RANK, STOPPED_PHASES, label, normalise_phase
from portfolio.validation import DESCRIPTION_TEXT, LINK_LENGTH, LONG_TEXT, REASON_TEXT, text_length_problem, web_link_problem

#: Startup fields with a column of their own: registry key -> (column, maximum length).
STARTUP_COLUMNS = {
    "contact": ("contact", 300),
    "link": ("website", 500),
    "repository": ("repository", 500),
    "stats_url": ("stats_url", 500),
    "impact_url": ("impact_url", 500),
    "budget_url": ("budget_url", 500),
    "dashlord_url": ("dashlord_url", 500),
}
#: Startup columns holding a web link: kept only when the form would accept it (http or https).
LINK_COLUMNS = {"website", "repository", "stats_url", "impact_url", "budget_url", "dashlord_url"}
#: Keys read into columns or related rows; every other key goes to Startup.extra as it came.
STARTUP_MAPPED_KEYS = {"title", "mission", "incubator", "incubators", "sponsors", "phases", "events", *STARTUP_COLUMNS}
MILESTONE_TITLE_LENGTH = 300


@dataclass
class OrganisationRecord:
    slug: str
    path: str
    values: dict[str, Any]


@dataclass
class IncubatorRecord:
    slug: str
    path: str
    values: dict[str, Any]
    owner: str | None


@dataclass
class SpanRecord:
    phase: str
    start: date
    end: date | None
    comment: str | None
    #: Whether the registry wrote this end (otherwise it is the next span's start, or open).
    explicit_end: bool = False


@dataclass(frozen=True)
class MilestoneRecord:
    kind: str
    date: date
    title: str
    text: str | None


@dataclass(frozen=True)
class SponsorName:
    """A sponsor written out ({name, acronym}) as older registry snapshots do, instead of an id."""

    name: str | None
    acronym: str | None

    def __str__(self) -> str:
        return " — ".join(part for part in (self.acronym, self.name) if part)


@dataclass
class StartupRecord:
    slug: str
    path: str
    #: Column values (name, pitch, description, links, contact); None means "the registry says nothing".
    values: dict[str, Any]
    extra: dict[str, Any]
    incubator: str | None
    co_incubators: list[str]
    sponsors: list[str]
    spans: list[SpanRecord]
    milestones: list[MilestoneRecord]
    #: The latest date the record states that is not in the future (drives the "stale" flag).
    latest_fact: date | None = None
    notes: FileNotes | None = field(default=None, repr=False)
    #: Sponsors written out by name and acronym, matched to organisations when applied.
    sponsor_names: list[SponsorName] = field(default_factory=list)
    #: The FAST grant (`fast: {promotion, montant}`): (promotion or None, amount), or None.
    fast: tuple[int | None, Decimal] | None = None


def organisation_record(registry_file: RegistryFile, report: ImportReport) -> OrganisationRecord:
    notes = FileNotes(report, registry_file.path)
    data = registry_file.data
    return OrganisationRecord(
        registry_file.slug,
        registry_file.path,
        {
            "name": _title(data, "name", registry_file.slug, notes),
            "acronym": text(data, "acronym", notes, 80),
            "kind": text(data, "type", notes, 80),
            "ministry_domain": text(data, "domaine_ministeriel", notes, 120),
        },
    )


def incubator_record(registry_file: RegistryFile, report: ImportReport) -> IncubatorRecord:
    notes = FileNotes(report, registry_file.path)
    data = registry_file.data
    owner = None
    if "owner" in data:
        if data["owner"] is None:
            notes("null_value", "« owner » vaut null : incubateur sans organisation", SKIPPED)
        else:
            owner = organisation_id(data["owner"], "l’organisation propriétaire", notes)
    return IncubatorRecord(
        registry_file.slug,
        registry_file.path,
        {
            "name": _title(data, "title", registry_file.slug, notes),
            "short_description": text(data, "short_description", notes, REASON_TEXT, multiline=True),
            "website": link(data, "website", notes),
            "contact": text(data, "contact", notes, 300),
            "address": text(data, "address", notes, 500),
        },
        owner,
    )


def startup_record(registry_file: RegistryFile, report: ImportReport, today: date) -> StartupRecord:
    notes = FileNotes(report, registry_file.path)
    data = registry_file.data
    values = {
        "name": _title(data, "title", registry_file.slug, notes),
        "pitch": text(data, "mission", notes, REASON_TEXT),
        "description": _description(registry_file.body, notes),
    }
    for key, (column, length) in STARTUP_COLUMNS.items():
        values[column] = link(data, key, notes) if column in LINK_COLUMNS else text(data, key, notes, length)
    incubator = None
    if "incubator" in data:
        if data["incubator"] is None:
            notes("null_value", "« incubator » vaut null : startup sans incubateur", SKIPPED)
        else:
            incubator = identifier(data["incubator"], "l’incubateur", notes)
    co_incubators = [
        slug for slug in _identifiers(data, "incubators", "un incubateur", notes, identifier) if slug != incubator
    ]
    spans = _spans(data, notes, today)
    milestones = _milestones(data, notes)
    sponsors = _identifiers(data, "sponsors", "un sponsor", notes, _sponsor)
    facts = [span.start for span in spans] + [span.end for span in spans if span.end] + [m.date for m in milestones]
    past_facts = [fact for fact in facts if fact <= today]
    return StartupRecord(
        slug=registry_file.slug,
        path=registry_file.path,
        values=values,
        extra={str(key): as_json(value) for key, value in data.items() if key not in STARTUP_MAPPED_KEYS},
        incubator=incubator,
        co_incubators=co_incubators,
        sponsors=[sponsor for sponsor in sponsors if isinstance(sponsor, str)],
        spans=spans,
        milestones=milestones,
        latest_fact=max(past_facts, default=None),
        notes=notes,
        sponsor_names=[sponsor for sponsor in sponsors if isinstance(sponsor, SponsorName)],
        fast=_fast(data, notes),
    )


def _fast(data: dict, notes: FileNotes) -> "tuple[int | None, Decimal] | None":
    """`fast: {promotion: 15, montant: 120000}` -> (15, Decimal("120000.00")); an odd shape is reported."""
    if "fast" not in data:
        return None
    value = data["fast"]
    if not isinstance(value, dict):
        notes("invalid_value", f"« fast » n’est pas une liste promotion/montant ({_kind_of(value)}) : subvention FAST ignorée", SKIPPED)
        return None
    amount = value.get("montant")
    if isinstance(amount, bool) or not isinstance(amount, (int, float, str)):
        notes("invalid_value", "« fast.montant » est absent ou n’est pas un montant : subvention FAST ignorée", SKIPPED)
        return None
    try:
        amount = parse_amount(str(amount) if not isinstance(amount, float) else f"{amount:.2f}")
    except AmountError as error:
        notes("invalid_value", f"« fast.montant » : {error} Subvention FAST ignorée", SKIPPED)
        return None
    promotion = value.get("promotion")
    if promotion is not None and (isinstance(promotion, bool) or not isinstance(promotion, int) or promotion < 0):
        notes("invalid_value", f"« fast.promotion » « {promotion} » n’est pas un numéro : promotion ignorée", SKIPPED)
        promotion = None
    return promotion, amount


def _description(body: str, notes: FileNotes) -> str | None:
    """The file's text after its front matter, within the form's bound for a description."""
    description = body.strip() or None
    problem = text_length_problem(description, DESCRIPTION_TEXT) if description else None
    if problem is not None:
        notes("value_too_long", f"le texte de la fiche est trop long ({problem}) : description ignorée", SKIPPED)
        return None
    return description


def link(data: dict, key: str, notes: FileNotes) -> str | None:
    """A web link of the file, by the forms' rule (portfolio.validation): anything but an http(s)
    address (javascript:, data:, a bare word) is reported and never stored."""
    value = text(data, key, notes, LINK_LENGTH)
    if value is None:
        return None
    problem = web_link_problem(value)
    if problem is not None:
        shown = value if len(value) <= 80 else value[:79] + "…"
        notes("unsafe_link", f"« {key} » vaut « {shown} » : {problem}, lien ignoré", SKIPPED)
        return None
    return value


def _sponsor(value: Any, what: str, notes: FileNotes) -> "str | SponsorName | None":
    """A sponsor reference `/organisations/<id>`, or a sponsor written out as {name, acronym}."""
    if not isinstance(value, dict):
        return organisation_id(value, what, notes)
    name = text(value, "name", notes, 300)
    acronym = text(value, "acronym", notes, 80)
    if name is None and acronym is None:
        notes("invalid_value", f"{what} sans nom ni sigle : ignoré", SKIPPED)
        return None
    return SponsorName(name, acronym)


def _title(data: dict, key: str, slug: str, notes: FileNotes) -> str:
    value = text(data, key, notes, 300)
    if value is None:
        notes("missing_title", f"pas de « {key} » utilisable : le nom sera l’identifiant « {slug} »", NORMALISED)
        return slug
    return value


def _identifiers(data: dict, key: str, what: str, notes: FileNotes, read) -> list[str]:
    if key not in data:
        return []
    values = data[key]
    if values is None:
        notes("null_value", f"« {key} » vaut null : aucun importé", SKIPPED)
        return []
    if not isinstance(values, list):
        notes("invalid_value", f"« {key} » n’est pas une liste : ignoré", SKIPPED)
        return []
    found: list[str] = []
    for value in values:
        slug = read(value, what, notes)
        if slug is None:
            continue
        if slug in found:
            notes("invalid_value", f"{what} « {slug} » est cité deux fois : gardé une fois", NORMALISED)
            continue
        found.append(slug)
    return found


def _list_of_maps(data: dict, key: str, notes: FileNotes) -> list[tuple[int, dict]]:
    if key not in data:
        return []
    entries = data[key]
    if entries is None:
        notes("null_value", f"« {key} » vaut null : aucun importé", SKIPPED)
        return []
    if not isinstance(entries, list):
        notes("invalid_value", f"« {key} » n’est pas une liste : ignoré", SKIPPED)
        return []
    usable = []
    for position, entry in enumerate(entries, start=1):
        if isinstance(entry, dict):
            usable.append((position, entry))
        else:
            notes("invalid_value", f"{key} n° {position} n’est pas une liste de champs : ignoré", SKIPPED)
    return usable


def _spans(data: dict, notes: FileNotes, today: date) -> list[SpanRecord]:
    spans: dict[tuple[str, date], SpanRecord] = {}
    for position, entry in _list_of_maps(data, "phases", notes):
        written = entry.get("name")
        if not isinstance(written, str) or not written.strip():
            notes("unknown_phase", f"phase n° {position} sans nom utilisable ({written!r}) : ignorée", SKIPPED)
            continue
        if written != written.strip():
            notes("stray_spaces", f"espaces superflus autour de « {written.strip()} » (le nom d’une phase) : retirés", NORMALISED)
        written = written.strip()
        phase = normalise_phase(written)
        if phase is None:
            notes("unknown_phase", f"phase n° {position} « {written} » hors du vocabulaire : ignorée", SKIPPED)
            continue
        if phase != written:
            notes("legacy_phase", f"phase « {written} » lue comme « {phase} » ({label(phase)})", NORMALISED)
        if "start" not in entry:
            notes("missing_date", f"la phase {phase} n’a pas de date de début : ignorée", SKIPPED)
            continue
        start = day(entry["start"], f"le début de la phase {phase}", "phase ignorée", notes)
        if start is None:
            continue
        end = None
        if "end" in entry:
            end = day(entry["end"], f"la fin de la phase {phase}", "phase gardée sans fin", notes)
            if end is not None and end < start:
                notes(
                    "end_before_start",
                    f"la phase {phase} finit le {end:%d/%m/%Y}, avant son début le {start:%d/%m/%Y} : fin ignorée",
                    NORMALISED,
                )
                end = None
        comment = text(entry, "comment", notes, REASON_TEXT, multiline=True)
        if (phase, start) in spans:
            notes("duplicate_span", f"la phase {phase} du {start:%d/%m/%Y} figure deux fois : gardée une fois", SKIPPED)
            continue
        spans[(phase, start)] = SpanRecord(phase, start, end, comment, explicit_end=end is not None)
    return _by_the_day_rule(sorted(spans.values(), key=lambda span: (span.start, RANK[span.phase])), notes, today)


def _by_the_day_rule(ordered: list[SpanRecord], notes: FileNotes, today: date) -> list[SpanRecord]:
    """Close each span where the next begins, so that the stored history says what the rule says."""
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.start == later.start:
            notes(
                "same_day_start",
                f"{earlier.phase} et {later.phase} commencent le {later.start:%d/%m/%Y} : {later.phase} l’emporte "
                f"ce jour-là (étape la plus avancée), {earlier.phase} est gardée sans durée",
                NORMALISED,
            )
            earlier.end = earlier.start
        elif earlier.end is None:
            earlier.end = later.start
        elif earlier.end > later.start:
            notes(
                "overlap",
                f"{earlier.phase} (jusqu’au {earlier.end:%d/%m/%Y}) chevauche {later.phase} (dès le "
                f"{later.start:%d/%m/%Y}) : fin de {earlier.phase} ramenée au {later.start:%d/%m/%Y}",
                NORMALISED,
            )
            earlier.end = later.start
    stop = None
    for span in ordered:
        if stop is not None and span.start > stop.start:
            notes(
                "phase_after_abandon",
                f"{span.phase} commence le {span.start:%d/%m/%Y}, après l’arrêt ({stop.phase}) du "
                f"{stop.start:%d/%m/%Y} : gardée, c’est la phase à partir de cette date",
                KEPT,
            )
        if stop is None and span.phase in STOPPED_PHASES:
            stop = span
        if span.start > today:
            notes("future_span", f"{span.phase} commence le {span.start:%d/%m/%Y} : gardée comme phase prévue", KEPT)
    return ordered


def _milestones(data: dict, notes: FileNotes) -> list[MilestoneRecord]:
    milestones: dict[tuple[str, date, str], MilestoneRecord] = {}
    for position, entry in _list_of_maps(data, "events", notes):
        written = entry.get("name")
        kind = written.strip() if isinstance(written, str) else ""
        if isinstance(written, str) and kind and written != kind:
            notes("stray_spaces", f"espaces superflus autour de « {kind} » (le nom d’un événement) : retirés", NORMALISED)
        if kind not in MILESTONE_KINDS:
            named = f"« {kind} »" if kind else "sans nom"
            notes("unknown_event", f"événement n° {position} {named} hors du vocabulaire : gardé comme « autre »", NORMALISED)
        if "date" not in entry:
            notes("missing_date", f"l’événement {kind or position} n’a pas de date : ignoré", SKIPPED)
            continue
        when = day(entry["date"], f"la date de l’événement {kind or position}", "événement ignoré", notes)
        if when is None:
            continue
        comment = text(entry, "comment", notes, LONG_TEXT, multiline=True)  # the milestone form's text
        known = kind in MILESTONE_KINDS
        milestone = MilestoneRecord(
            kind=kind if known else "other",
            date=when,
            title=_milestone_title(comment, MILESTONE_KINDS[kind] if known else f"Événement « {kind or '?'} »"),
            text=comment,
        )
        key = (milestone.kind, milestone.date, milestone.title)
        if key in milestones:
            notes("duplicate_event", f"l’événement {milestone.kind} du {when:%d/%m/%Y} figure deux fois : gardé une fois", SKIPPED)
            continue
        milestones[key] = milestone
    return list(milestones.values())


def _milestone_title(comment: str | None, fallback: str) -> str:
    """The comment's first line (shortened), or the event type's label when there is no comment."""
    first_line = (comment.splitlines()[0].strip() if comment else "") or fallback
    if len(first_line) > MILESTONE_TITLE_LENGTH:
        return first_line[: MILESTONE_TITLE_LENGTH - 1].rstrip() + "…"
    return first_line
