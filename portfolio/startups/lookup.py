"""Finding an incubator or a sponsoring organisation from what a person typed in a filter: its slug
(what the filters' URLs carry), its name, its acronym, or "ACRONYME — Nom" as suggestions show it,
whatever the case and accents. One query, only when the filter is used: the pages never list every
incubator or organisation, so they cost the same whatever the portfolio's size."""
from dataclasses import dataclass

from sqlalchemy import case, exists, or_, select

from portfolio.extensions import db
from portfolio.startups.folding import fold_text, folded
from portfolio.startups.models import Incubator, Organisation, Sponsorship


@dataclass(frozen=True)
class Found:
    slug: str
    #: As a person reads it ("DINUM — Direction interministérielle du numérique").
    label: str


def organisation_label(acronym: str | None, name: str) -> str:
    return f"{acronym} — {name}" if acronym and acronym != name else name


def _spellings(typed: str) -> set[str]:
    """The folded names `typed` may stand for: itself, and each side of "ACRONYME — Nom"."""
    return {fold_text(part.strip()) for part in (typed, *typed.split("—")) if part.strip()}


def incubator(typed: str) -> Found | None:
    typed = typed.strip()
    if not typed:
        return None
    record = db.session.execute(
        select(Incubator.slug, Incubator.name)
        .where(or_(Incubator.slug == typed, folded(Incubator.name).in_(_spellings(typed))))
        .order_by(case((Incubator.slug == typed, 0), else_=1), Incubator.name, Incubator.id)
        .limit(1)
    ).first()
    return Found(record.slug, record.name) if record else None


def sponsor(typed: str) -> Found | None:
    """An organisation that sponsors at least one startup."""
    typed = typed.strip()
    if not typed:
        return None
    spellings = _spellings(typed)
    record = db.session.execute(
        select(Organisation.slug, Organisation.acronym, Organisation.name)
        .where(exists().where(Sponsorship.organisation_id == Organisation.id))
        .where(or_(Organisation.slug == typed, folded(Organisation.name).in_(spellings),
                   folded(Organisation.acronym).in_(spellings)))
        .order_by(case((Organisation.slug == typed, 0), else_=1), Organisation.name, Organisation.id)
        .limit(1)
    ).first()
    return Found(record.slug, organisation_label(record.acronym, record.name)) if record else None
