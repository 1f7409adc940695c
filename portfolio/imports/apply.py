"""Writing clean registry records into the database, changing only what differs.

Existing rows are loaded once into dicts (no query per file) and written back in batched flushes.
The registry is the source for what it states: a value it gives replaces ours, a value it does not
give (empty, absent, unusable) leaves ours alone, and nothing is ever deleted. Spans and milestones
are matched by natural key — (phase, start) and (kind, date, title) — and the merged history (ours
and the registry's) is closed again by the day-D rule, so it stays valid.
"""
from collections import Counter, defaultdict
from datetime import date, datetime, time, timezone
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.extensions import db
from portfolio.funding.grants import REGISTRY_SOURCE, Grant
from portfolio.imports.records import (
    IncubatorRecord,
    MilestoneRecord,
    OrganisationRecord,
    SpanRecord,
    SponsorName,
    StartupRecord,
)
from portfolio.imports.report import NORMALISED, SKIPPED, ImportReport
from portfolio.startups.models import (
    CoIncubation,
    Incubator,
    Milestone,
    Organisation,
    PhaseSpan,
    Sponsorship,
    Startup,
)
from portfolio.startups.operations import slugify
from portfolio.startups.phases import RANK
from portfolio.timeutil import as_utc, utcnow

BATCH_SIZE = 100
PROGRESS_EVERY = 100


class Applier:
    """Writes one import's records in order (organisations, incubators, startups), counting as it goes."""

    def __init__(self, report: ImportReport, progress: Callable[[str], None] | None, total: int):
        self.report = report
        self.progress = progress
        self.total = total
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.done % BATCH_SIZE == 0:
            db.session.flush()
        if self.progress and self.done % PROGRESS_EVERY == 0:
            self.progress(f"Enregistrement : {self.done}/{self.total} fiches")

    def organisations(self, records: list[OrganisationRecord]) -> dict[str, Organisation]:
        known = {organisation.slug: organisation for organisation in db.session.scalars(select(Organisation))}
        for record in records:
            organisation = known.get(record.slug)
            if organisation is None:
                known[record.slug] = _create(Organisation, slug=record.slug, **record.values)
                self.report.count("organisations", "created")
            else:
                self.report.count("organisations", "updated" if _assign(organisation, record.values) else "unchanged")
            self.tick()
        db.session.flush()
        return known

    def incubators(self, records: list[IncubatorRecord], organisations: dict[str, Organisation]) -> dict[str, Incubator]:
        known = {incubator.slug: incubator for incubator in db.session.scalars(select(Incubator))}
        for record in records:
            owner = organisations.get(record.owner) if record.owner else None
            incubator = known.get(record.slug)
            if record.owner and owner is None:
                kept = "reste sans organisation" if incubator is None or incubator.owner_id is None else "garde la sienne"
                self.report.anomaly(
                    record.path, "unknown_owner", f"l’organisation « {record.owner} » n’existe pas : l’incubateur {kept}", SKIPPED
                )
            if incubator is None:
                known[record.slug] = _create(Incubator, slug=record.slug, owner=owner, **record.values)
                self.report.count("incubators", "created")
            else:
                changed = _assign(incubator, record.values)
                if owner is not None and incubator.owner_id != owner.id:
                    incubator.owner = owner
                    changed = True
                self.report.count("incubators", "updated" if changed else "unchanged")
            self.tick()
        db.session.flush()
        return known

    def startups(
        self,
        records: list[StartupRecord],
        incubators: dict[str, Incubator],
        organisations: dict[str, Organisation],
    ) -> None:
        known = {
            startup.slug: startup
            for startup in db.session.scalars(
                select(Startup).options(
                    selectinload(Startup.phase_spans),
                    selectinload(Startup.milestones),
                    selectinload(Startup.sponsorships),
                    selectinload(Startup.co_incubations),
                    selectinload(Startup.grants),
                )
            )
        }
        for record in records:
            startup = known.get(record.slug)
            if startup is None:
                startup = _create(Startup, slug=record.slug, extra=record.extra, **record.values)
                startup.updated_at = _midnight(record.latest_fact) if record.latest_fact else utcnow()
                known[record.slug] = startup
                self._links(startup, record, incubators, organisations)
                self._spans(startup, record.spans)
                self._milestones(startup, record.milestones)
                self._fast(startup, record)
                self.report.count("startups", "created")
            else:
                changed = _assign(startup, record.values)
                merged_extra = {**(startup.extra or {}), **record.extra}
                if merged_extra != startup.extra:
                    startup.extra = merged_extra
                    changed = True
                changed |= self._links(startup, record, incubators, organisations)
                changed |= self._spans(startup, record.spans)
                changed |= self._milestones(startup, record.milestones)
                changed |= self._fast(startup, record)
                if changed and record.latest_fact and _midnight(record.latest_fact) > as_utc(startup.updated_at):
                    startup.updated_at = _midnight(record.latest_fact)
                self.report.count("startups", "updated" if changed else "unchanged")
            self.tick()
        db.session.flush()

    def _fast(self, startup: Startup, record: StartupRecord) -> bool:
        """The registry's FAST grant, created once and updated when its promotion or amount changes
        (a grant the registry no longer states is kept: the registry forgets, the money was given)."""
        if record.fast is None:
            return False
        promotion, amount = record.fast
        grant = next((grant for grant in startup.grants if grant.kind == "fast"), None)
        if grant is None:
            startup.grants.append(Grant(kind="fast", promotion=promotion, amount_eur=amount, source=REGISTRY_SOURCE))
            self.report.count("grants", "created")
            return True
        changed = _assign(grant, {"promotion": promotion, "amount_eur": amount})
        self.report.count("grants", "updated" if changed else "unchanged")
        return changed

    def _links(self, startup: Startup, record: StartupRecord, incubators, organisations) -> bool:
        changed = False
        if record.incubator:
            incubator = incubators.get(record.incubator)
            if incubator is None:
                kept = "importée sans incubateur" if startup.incubator_id is None else "garde son incubateur actuel"
                record.notes("unknown_incubator", f"l’incubateur « {record.incubator} » n’existe pas : startup {kept}", SKIPPED)
            elif startup.incubator_id != incubator.id:
                startup.incubator = incubator
                changed = True
        present = {link.incubator_id for link in startup.co_incubations}
        for slug in record.co_incubators:
            incubator = incubators.get(slug)
            if incubator is None:
                record.notes("unknown_incubator", f"l’incubateur associé « {slug} » n’existe pas : ignoré", SKIPPED)
            elif incubator.id in present or incubator.id == startup.incubator_id:
                self.report.count("co_incubations", "unchanged")
            else:
                startup.co_incubations.append(CoIncubation(incubator=incubator))
                present.add(incubator.id)
                self.report.count("co_incubations", "created")
                changed = True
        sponsors = {sponsorship.organisation_id for sponsorship in startup.sponsorships}
        for slug in record.sponsors:
            organisation = organisations.get(slug)
            if organisation is None:
                record.notes("unknown_sponsor", f"le sponsor « {slug} » n’existe pas : ignoré", SKIPPED)
            elif organisation.id in sponsors:
                self.report.count("sponsorships", "unchanged")
            else:
                startup.sponsorships.append(Sponsorship(organisation=organisation))
                sponsors.add(organisation.id)
                self.report.count("sponsorships", "created")
                changed = True
        for written in record.sponsor_names:
            organisation = self._organisation_named(written, organisations, record)
            if organisation.id is not None and organisation.id in sponsors:
                self.report.count("sponsorships", "unchanged")
            elif organisation not in {sponsorship.organisation for sponsorship in startup.sponsorships}:
                startup.sponsorships.append(Sponsorship(organisation=organisation))
                if organisation.id is not None:
                    sponsors.add(organisation.id)
                self.report.count("sponsorships", "created")
                changed = True
        return changed

    def _organisation_named(self, written: SponsorName, organisations: dict[str, Organisation], record) -> Organisation:
        """The organisation a sponsor written out names: same acronym, else same name (case and accents
        aside); created from it when none does, as the registry's organisations/ would have."""
        acronym, name = _folded(written.acronym), _folded(written.name)
        match = next((o for o in organisations.values() if acronym and _folded(o.acronym) == acronym), None) or next(
            (o for o in organisations.values() if name and _folded(o.name) == name), None
        )
        if match is not None:
            record.notes("sponsor_by_name", f"le sponsor « {written} » est lu comme l’organisation « {match.slug} »", NORMALISED)
            return match
        slug = slugify(written.acronym or written.name)[:120] or "organisation"
        while slug in organisations:
            slug = f"{slug[:115]}-{len(organisations)}"
        organisation = _create(Organisation, slug=slug, name=written.name or written.acronym, acronym=written.acronym)
        organisations[slug] = organisation
        self.report.count("organisations", "created")
        record.notes("sponsor_by_name", f"le sponsor « {written} » ne correspond à aucune organisation : créée (« {slug} »)", NORMALISED)
        return organisation

    def _spans(self, startup: Startup, records: list[SpanRecord]) -> bool:
        """Merge the registry's spans into ours and close the whole history by the day-D rule."""
        ours = {(span.phase, span.start): span for span in startup.phase_spans}
        plan: list[list[Any]] = []  # [span or None, phase, start, end, comment]
        matched = set()
        for record in records:
            span = ours.get((record.phase, record.start))
            if span is None:
                plan.append([None, record.phase, record.start, record.end, record.comment])
                continue
            matched.add(id(span))
            # An open span in the registry only means it says nothing of an end: a local end stays.
            end = record.end if record.end is not None else span.end
            plan.append([span, span.phase, span.start, end, record.comment if record.comment is not None else span.comment])
        for span in startup.phase_spans:
            if id(span) not in matched:
                plan.append([span, span.phase, span.start, span.end, span.comment])
        plan.sort(key=lambda entry: (entry[2], RANK.get(entry[1], -1)))
        for earlier, later in zip(plan, plan[1:]):
            if earlier[2] == later[2]:
                earlier[3] = earlier[2]
            elif earlier[3] is None or earlier[3] > later[2]:
                earlier[3] = later[2]
        changed = False
        for span, phase, start, end, comment in plan:
            if span is None:
                startup.phase_spans.append(PhaseSpan(phase=phase, start=start, end=end, comment=comment))
                self.report.count("phase_spans", "created")
                changed = True
            elif span.end != end or span.comment != comment:
                span.end, span.comment = end, comment
                self.report.count("phase_spans", "updated")
                changed = True
            else:
                self.report.count("phase_spans", "unchanged")
        return changed

    def _milestones(self, startup: Startup, records: list[MilestoneRecord]) -> bool:
        by_key = {(m.kind, m.date, m.title): m for m in startup.milestones}
        by_day: dict[tuple[str, date], list[Milestone]] = defaultdict(list)
        for milestone in startup.milestones:
            by_day[(milestone.kind, milestone.date)].append(milestone)
        imported_per_day = Counter((record.kind, record.date) for record in records)
        matched: set[int] = set()
        changed = False
        for record in records:
            milestone = by_key.get((record.kind, record.date, record.title))
            same_day = by_day[(record.kind, record.date)]
            if milestone is None and imported_per_day[(record.kind, record.date)] == 1 and len(same_day) == 1:
                # The registry rewrote the comment of the one event of that type that day: the same fact.
                milestone = same_day[0]
            if milestone is None or id(milestone) in matched:
                startup.milestones.append(
                    Milestone(kind=record.kind, date=record.date, title=record.title, text=record.text)
                )
                self.report.count("milestones", "created")
                changed = True
                continue
            matched.add(id(milestone))
            text = record.text if record.text is not None else milestone.text
            if milestone.title != record.title or milestone.text != text:
                milestone.title, milestone.text = record.title, text
                self.report.count("milestones", "updated")
                changed = True
            else:
                self.report.count("milestones", "unchanged")
        return changed


def apply_records(
    organisations: list[OrganisationRecord],
    incubators: list[IncubatorRecord],
    startups: list[StartupRecord],
    report: ImportReport,
    progress: Callable[[str], None] | None = None,
) -> None:
    applier = Applier(report, progress, len(organisations) + len(incubators) + len(startups))
    known_organisations = applier.organisations(organisations)
    known_incubators = applier.incubators(incubators, known_organisations)
    applier.startups(startups, known_incubators, known_organisations)


def _create(model, **values):
    obj = model(**{key: value for key, value in values.items() if value is not None})
    db.session.add(obj)
    return obj


def _assign(obj, values: dict[str, Any]) -> bool:
    """Set the values the registry gives that differ from ours; True when one did."""
    changed = False
    for key, value in values.items():
        if value is not None and getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _folded(text: str | None) -> str:
    """A name compared without case, accents or surrounding spaces."""
    return slugify(text) if text else ""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
