"""The rules of conventions: create and edit them, their parties and obligations, their dated
status changes, their funding lines and the amendments that change them (the signed PDF is in
`documents`).

Each operation checks its rule, writes through the ORM (every write is audited on flush),
flushes, and raises `FundingError` with a French message when a rule is broken; the caller
commits once. Amounts are never overwritten: a correction or an amendment adds a LineAmount.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func, select

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.funding.amounts import AmountError, amount_on, parse_amount
from portfolio.funding.models import (
    CONVENTION_KINDS,
    DEFAULT_REPORT_DUE_DAYS,
    CONVENTION_STATUSES,
    OBLIGATION_KINDS,
    PARTY_ROLES,
    Amendment,
    Convention,
    ConventionParty,
    FundingLine,
    LineAmount,
    Obligation,
    StatusChange,
)
from portfolio.startups.models import Organisation, Startup
from portfolio.timeutil import today_in_paris

#: The lifecycle, in order: a convention only moves forward along it.
STATUS_ORDER = tuple(CONVENTION_STATUSES)
#: What a person edits on a convention (the status moves through `change_status` only).
CONVENTION_FIELDS = (
    "reference", "title", "kind", "fund", "budget_programme", "bop", "uo", "legal_basis", "purpose",
    "signed_on", "effective_on", "ends_on", "until_paid", "report_due_days", "declared_total_ae",
    "declared_total_cp",
)
PARTY_FIELDS = (
    "address", "representative_name", "representative_title", "signatory_name", "signatory_title",
)
LINE_TEXT_FIELDS = ("label", "direction", "uo", "activite", "paaf")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class FundingError(ValueError):
    """A rule of conventions and their money was broken; the message is French and shown as is."""


def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _clean(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    return value or None


def _amount(value, what: str) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as error:
        raise FundingError(f"{what} : {error}") from None


def _optional_amount(value, what: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _amount(value, what)


def _status_label(status: str) -> str:
    return CONVENTION_STATUSES.get(status, status)


# --- Conventions ----------------------------------------------------------------------------


def _checked_convention_values(values: dict, convention: Convention | None = None) -> dict:
    unknown = set(values) - set(CONVENTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown convention fields: {sorted(unknown)}")
    clean = {key: _clean(value) for key, value in values.items()}
    if not clean.get("reference"):
        raise FundingError("Indiquez la référence de la convention.")
    if not clean.get("title"):
        raise FundingError("Indiquez l’intitulé de la convention.")
    if clean.get("kind") not in CONVENTION_KINDS:
        raise FundingError("Choisissez la nature de la convention.")
    clean["until_paid"] = bool(values.get("until_paid"))
    if clean["until_paid"] and clean.get("ends_on"):
        raise FundingError(
            "Indiquez une date de fin ou « jusqu’au paiement de l’ensemble des dépenses », pas les deux."
        )
    due_days = values.get("report_due_days")
    clean["report_due_days"] = DEFAULT_REPORT_DUE_DAYS if due_days is None else int(due_days)
    if not 0 <= clean["report_due_days"] <= 365:
        raise FundingError("Le délai de dépôt des comptes rendus doit être compris entre 0 et 365 jours.")
    clean["declared_total_ae"] = _optional_amount(values.get("declared_total_ae"), "TOTAL AE déclaré")
    clean["declared_total_cp"] = _optional_amount(values.get("declared_total_cp"), "TOTAL CP déclaré")
    taken = db.session.scalar(
        select(Convention.id).where(func.lower(Convention.reference) == clean["reference"].lower())
    )
    if taken is not None and (convention is None or taken != convention.id):
        raise FundingError(f"La référence « {clean['reference']} » est déjà celle d’une autre convention.")
    return clean


def create_convention(**values) -> Convention:
    """A new convention, in draft; its status then moves forward through `change_status`."""
    convention = Convention(status="draft", **_checked_convention_values(values))
    db.session.add(convention)
    db.session.flush()
    return convention


def edit_convention(convention: Convention, **values) -> None:
    """Change what the convention says (fields left out keep their value); its lines' own
    amounts follow its signature date."""
    current = {name: getattr(convention, name) for name in CONVENTION_FIELDS}
    clean = _checked_convention_values({**current, **values}, convention)
    for key, value in clean.items():
        setattr(convention, key, value)
    _redate_initial_amounts(convention)
    db.session.flush()


def initial_amounts_date(convention: Convention) -> date:
    """When a convention's own amounts take effect: its signature, else its effective date, else today
    (a draft's lines then follow the signature date once it is known)."""
    return convention.signed_on or convention.effective_on or today_in_paris()


def _redate_initial_amounts(convention: Convention) -> None:
    day = initial_amounts_date(convention)
    for line in convention.lines:
        for row in line.amounts:
            if row.amendment_id is None and row.amendment is None and row.effective_on != day:
                row.effective_on = day


# --- Parties and obligations ----------------------------------------------------------------


def _checked_party(convention: Convention, role: str, organisation, party: ConventionParty | None = None) -> None:
    if role not in PARTY_ROLES:
        raise FundingError("Choisissez le rôle de la partie.")
    if not isinstance(organisation, Organisation):
        raise FundingError("Choisissez l’organisation de la partie.")
    for other in convention.parties:
        if other is not party and other.role == role and other.organisation_id == organisation.id:
            raise FundingError(f"{organisation} est déjà {PARTY_ROLES[role].lower()} de cette convention.")


def add_party(convention: Convention, *, role: str, organisation: Organisation, **details) -> ConventionParty:
    """A party with its role, its address, its representative and its signatory (they may differ)."""
    _checked_party(convention, role, organisation)
    party = ConventionParty(role=role, organisation=organisation, **{key: _clean(details.get(key)) for key in PARTY_FIELDS})
    convention.parties.append(party)
    db.session.flush()
    return party


def edit_party(party: ConventionParty, *, role: str, organisation: Organisation, **details) -> None:
    _checked_party(party.convention, role, organisation, party)
    party.role, party.organisation = role, organisation
    for key in PARTY_FIELDS:
        setattr(party, key, _clean(details.get(key)))
    db.session.flush()


def remove_party(party: ConventionParty) -> None:
    party.convention.parties.remove(party)
    db.session.flush()


def add_obligation(convention: Convention, kind: str, description: str | None = None) -> Obligation:
    if kind not in OBLIGATION_KINDS:
        raise FundingError("Choisissez la nature de l’obligation.")
    obligation = Obligation(kind=kind, description=_clean(description))
    convention.obligations.append(obligation)
    db.session.flush()
    return obligation


def edit_obligation(obligation: Obligation, kind: str, description: str | None = None) -> None:
    if kind not in OBLIGATION_KINDS:
        raise FundingError("Choisissez la nature de l’obligation.")
    obligation.kind, obligation.description = kind, _clean(description)
    db.session.flush()


def remove_obligation(obligation: Obligation) -> None:
    obligation.convention.obligations.remove(obligation)
    db.session.flush()


# --- Status ---------------------------------------------------------------------------------


def change_status(
    convention: Convention, to: str, on: date, reason: str | None = None, note: str | None = None
) -> StatusChange:
    """Move the convention forward (draft → signed → published → closed; any status may be closed).

    Each change is dated, never in the future nor before the previous one; going back is refused.
    Signing fills an empty signature date and publishing an empty effective date (Article 6:
    the convention takes effect on its publication).
    """
    if to not in CONVENTION_STATUSES:
        raise FundingError("Choisissez le nouveau statut.")
    if on is None:
        raise FundingError("Indiquez la date du changement de statut.")
    current, target = STATUS_ORDER.index(convention.status), STATUS_ORDER.index(to)
    if target == current:
        raise FundingError(f"La convention est déjà « {_status_label(to)} ».")
    if target < current:
        raise FundingError(
            f"Une convention « {_status_label(convention.status)} » ne peut pas revenir à « {_status_label(to)} » : "
            "le statut ne fait qu’avancer (brouillon, signée, publiée, clôturée)."
        )
    if to != "closed" and target > current + 1:
        missing = _status_label(STATUS_ORDER[current + 1])
        raise FundingError(f"La convention doit d’abord passer au statut « {missing} ».")
    if on > today_in_paris():
        raise FundingError("La date d’un changement de statut ne peut pas être dans le futur.")
    last = max((change.changed_on for change in convention.status_changes), default=None)
    if last is not None and on < last:
        raise FundingError(f"La date du changement ({_day(on)}) précède le changement de statut précédent ({_day(last)}).")
    with described(action="status_change", reason=_clean(reason)):
        change = StatusChange(status=to, changed_on=on, note=_clean(note))
        convention.status_changes.append(change)
        convention.status = to
        if to == "signed" and convention.signed_on is None:
            convention.signed_on = on
        if to == "published" and convention.effective_on is None:
            convention.effective_on = on
        _redate_initial_amounts(convention)
        db.session.flush()
    return change


# --- Funding lines --------------------------------------------------------------------------


def _checked_line(convention: Convention, startup, fiscal_year, line: FundingLine | None = None) -> int:
    if not isinstance(startup, Startup):
        raise FundingError("Choisissez la startup financée.")
    try:
        year = int(fiscal_year)
    except (TypeError, ValueError):
        raise FundingError("Indiquez l’exercice (une année, par exemple 2020).") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FundingError(f"L’exercice doit être une année entre {FIRST_YEAR} et {LAST_YEAR}.")
    for other in convention.lines:
        if other is not line and other.startup_id == startup.id and other.fiscal_year == year:
            raise FundingError(f"La convention a déjà une ligne pour {startup.name} en {year} : modifiez-la.")
    return year


def add_line(
    convention: Convention, *, startup: Startup, fiscal_year: int, ae, cp, amendment: Amendment | None = None,
    position: int | None = None, **texts,
) -> FundingLine:
    """An annex line. Its amounts take effect on the convention's signature date (its effective
    date while unsigned), or on the amendment's date when an amendment adds it."""
    year = _checked_line(convention, startup, fiscal_year)
    ae, cp = _amount(ae, "AE"), _amount(cp, "CP")
    if position is None:
        position = max((line.position for line in convention.lines), default=0) + 1
    line = FundingLine(
        startup=startup, fiscal_year=year, position=position,
        **{key: _clean(texts.get(key)) for key in LINE_TEXT_FIELDS},
    )
    convention.lines.append(line)
    effective_on = amendment.signed_on if amendment is not None else initial_amounts_date(convention)
    line.amounts.append(LineAmount(effective_on=effective_on, ae=ae, cp=cp, amendment=amendment))
    db.session.flush()
    return line


def base_amount(line: FundingLine) -> LineAmount | None:
    """The amounts the line was created with (by the convention or the amendment that added it),
    corrections included: the latest row of the first row's source."""
    rows = sorted(line.amounts, key=lambda row: (row.effective_on, row.id or 0))
    if not rows:
        return None
    source = rows[0].amendment_id
    return max((row for row in rows if row.amendment_id == source), key=lambda row: (row.effective_on, row.id or 0))


def edit_line(line: FundingLine, *, startup: Startup, fiscal_year: int, ae=None, cp=None, **texts) -> bool:
    """Edit a line; new amounts correct its base amounts with a new row (same date and source),
    the previous row stays in its history. True when the amounts were corrected."""
    line.fiscal_year = _checked_line(line.convention, startup, fiscal_year, line)
    line.startup = startup
    for key in LINE_TEXT_FIELDS:
        setattr(line, key, _clean(texts.get(key)))
    corrected = False
    base = base_amount(line)
    if base is not None and (ae is not None or cp is not None):
        new_ae = base.ae if ae is None else _amount(ae, "AE")
        new_cp = base.cp if cp is None else _amount(cp, "CP")
        if (new_ae, new_cp) != (base.ae, base.cp):
            line.amounts.append(
                LineAmount(effective_on=base.effective_on, ae=new_ae, cp=new_cp, amendment=base.amendment)
            )
            corrected = True
    db.session.flush()
    return corrected


# --- Amendments -----------------------------------------------------------------------------


@dataclass
class LineChange:
    """New amounts for an existing line (None keeps the amount in force)."""

    line: FundingLine
    ae: object = None
    cp: object = None


@dataclass
class RecordedAmendment:
    amendment: Amendment
    changed: list[FundingLine]
    added: list[FundingLine]


def next_amendment_number(convention: Convention) -> int:
    return max((amendment.number for amendment in convention.amendments), default=0) + 1


def record_amendment(
    convention: Convention, *, signed_on: date, description: str, number: int | None = None,
    changes: Iterable[LineChange] = (), new_lines: Iterable[dict] = (),
) -> RecordedAmendment:
    """An avenant: its line changes become LineAmount rows effective on its date, its new lines
    start on that date; the amounts before it stay as they were."""
    if convention.status == "draft":
        raise FundingError("Une convention en brouillon se corrige directement : un avenant suit sa signature.")
    if signed_on is None:
        raise FundingError("Indiquez la date de signature de l’avenant.")
    if convention.signed_on is not None and signed_on < convention.signed_on:
        raise FundingError(
            f"Un avenant ne peut pas précéder la signature de la convention ({_day(convention.signed_on)})."
        )
    if not _clean(description):
        raise FundingError("Décrivez ce que change l’avenant.")
    number = next_amendment_number(convention) if number is None else int(number)
    if number < 1:
        raise FundingError("Le numéro d’un avenant est un entier positif.")
    if any(existing.number == number for existing in convention.amendments):
        raise FundingError(f"L’avenant n° {number} existe déjà pour cette convention.")
    amendment = Amendment(number=number, signed_on=signed_on, description=description.strip())
    convention.amendments.append(amendment)
    changed = []
    for change in changes:
        if change.line.convention is not convention:
            raise FundingError("Cette ligne n’appartient pas à la convention.")
        in_force = amount_on(change.line.amounts, signed_on)
        ae = _optional_amount(change.ae, f"AE ({change.line})")
        cp = _optional_amount(change.cp, f"CP ({change.line})")
        if in_force is not None:
            ae = in_force.ae if ae is None else ae
            cp = in_force.cp if cp is None else cp
            if (ae, cp) == (in_force.ae, in_force.cp):
                continue
        elif ae is None or cp is None:
            raise FundingError(f"Indiquez l’AE et le CP de la ligne {change.line} : elle n’a pas encore de montants.")
        change.line.amounts.append(LineAmount(effective_on=signed_on, ae=ae, cp=cp, amendment=amendment))
        changed.append(change.line)
    added = [add_line(convention, amendment=amendment, **values) for values in new_lines]
    db.session.flush()
    return RecordedAmendment(amendment, changed, added)
