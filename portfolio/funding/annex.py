"""Reading a convention's annex as published (pasted tab-separated text) and matching its
rows to startups.

The annex of the seed reads:

    Direction  Projet                                            UO              Activité      PAAF
                                         AE 2020   CP 2020
    DGE/DIUM   Startup Etat (place des entreprises)  200 000   452 900   0218-CE5G-CAOD  021813010101  07-FIN-…
    DGE/DIUM   Signaux faibles                       168 000   168 000                                 07-FIN-…
    TOTAL                                            368 000   620 900

Its header spans two lines, the fiscal year is in the AE/CP headers, a blank direction,
UO or activité means "same as above", and the TOTAL row declares the sums. Parsing is
pure (no database): `parse_annex(text)`; `match_rows(rows, startups)` proposes the
startup of each row. Nothing here writes; `portfolio.funding.annex_import` does, on confirm.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Sequence

from portfolio.funding.amounts import AmountError, parse_amount

#: Numeric(14, 2): twelve digits before the decimal point.
MAX_AMOUNT = Decimal(10) ** 12
#: Longest text each column may hold (the model's column sizes).
MAX_LENGTHS = {"label": 300, "direction": 120, "uo": 60, "activite": 60, "paaf": 60}
COLUMN_LABELS = {"direction": "Direction", "label": "Projet", "uo": "UO", "activite": "Activité", "paaf": "PAAF"}
#: Blank cells of these columns take the value of the row above (the annex leaves them blank).
CARRIED = ("direction", "uo", "activite")
#: Words too common in annex labels to suggest a startup on their own.
STOP_WORDS = frozenset({"startup", "startups", "etat", "projet", "service", "pour", "avec", "dans", "plateforme"})

_AMOUNT_HEADER = re.compile(
    r"^(?P<kind>ae|cp|autorisations? d engagements?|credits? de paiements?)(?: (?P<year>(?:19|20)\d\d))?$"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_PARENTHESES = re.compile(r"\(([^()]*)\)")


class AnnexError(ValueError):
    """The text cannot be read as an annex at all; the message is French."""


def normalise(text: str | None) -> str:
    """Case, accents and punctuation ignored: "Startup État (Place-des-Entreprises)" -> "startup etat place des entreprises"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


@dataclass(frozen=True)
class Column:
    #: direction, label, uo, activite, paaf, ae or cp.
    kind: str
    #: The fiscal year of an AE or CP column.
    year: int | None = None
    title: str = ""


@dataclass
class AnnexRow:
    """A row of the annex that gives money: one funding line per fiscal year it fills."""

    #: Line number in the pasted text, counted from 1 (what the person sees in their editor).
    line_no: int
    label: str
    direction: str | None = None
    uo: str | None = None
    activite: str | None = None
    paaf: str | None = None
    #: year -> (AE, CP).
    amounts: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    #: The columns whose blank cell took the value of the row above.
    carried: tuple[str, ...] = ()


@dataclass
class RejectedRow:
    line_no: int
    text: str
    reason: str


@dataclass
class ParsedAnnex:
    years: list[int]
    rows: list[AnnexRow]
    rejected: list[RejectedRow]
    #: year -> (declared AE, declared CP) read from the TOTAL row; absent when there is none.
    declared: dict[int, tuple[Decimal | None, Decimal | None]]
    #: Things worth knowing that refuse nothing (ignored columns, a year taken by default).
    notes: list[str] = field(default_factory=list)

    @property
    def has_total(self) -> bool:
        return bool(self.declared)


def _cells(line: str) -> list[str]:
    return [cell.strip().replace("\u00a0", " ").strip() for cell in line.split("\t")]


def _header_kind(cell: str) -> Column | None:
    key = normalise(cell)
    if not key:
        return None
    if key.startswith("direction"):
        return Column("direction", title=cell)
    if key.startswith("projet") or key in ("startup", "startups", "startup d etat", "produit", "intitule"):
        return Column("label", title=cell)
    if key in ("uo", "unite operationnelle"):
        return Column("uo", title=cell)
    if key.startswith("activite"):
        return Column("activite", title=cell)
    if key.startswith("paaf"):
        return Column("paaf", title=cell)
    match = _AMOUNT_HEADER.match(key)
    if match:
        kind = "ae" if match["kind"].startswith(("ae", "autorisation")) else "cp"
        return Column(kind, int(match["year"]) if match["year"] else None, cell)
    return None


def _is_header_line(cells: list[str]) -> bool:
    kinds = {column.kind for column in map(_header_kind, cells) if column is not None}
    return "label" in kinds or "direction" in kinds


def _continues_header(cells: list[str]) -> bool:
    """A second header line ("AE 2020  CP 2020" under "Direction  Projet …"): only header words."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and all(_header_kind(cell) is not None or _YEAR.match(cell) for cell in filled)


def _merge_header(lines: list[list[str]]) -> list[str]:
    width = max(len(cells) for cells in lines)
    merged = []
    for index in range(width):
        parts = [cells[index] for cells in lines if index < len(cells) and cells[index]]
        merged.append(" ".join(parts))
    return merged


def _columns(header: list[str], default_year: int | None, notes: list[str]) -> dict[int, Column]:
    columns: dict[int, Column] = {}
    seen: set[tuple[str, int | None]] = set()
    for index, title in enumerate(header):
        column = _header_kind(title)
        if column is None:
            if title:
                notes.append(f"Colonne « {title} » non reconnue : ignorée.")
            continue
        if column.kind in ("ae", "cp") and column.year is None:
            if default_year is None:
                raise AnnexError(
                    f"L’année de la colonne « {title} » n’est pas indiquée : écrivez par exemple « AE 2020 »."
                )
            notes.append(f"Colonne « {title} » sans année : exercice {default_year} retenu (celui de la convention).")
            column = Column(column.kind, default_year, title)
        if (column.kind, column.year) in seen:
            notes.append(f"Colonne « {title} » en double : seule la première est lue.")
            continue
        seen.add((column.kind, column.year))
        columns[index] = column
    kinds = {column.kind for column in columns.values()}
    if "label" not in kinds:
        raise AnnexError("La colonne « Projet » est introuvable dans l’en-tête.")
    years = {column.year for column in columns.values() if column.kind in ("ae", "cp")}
    if not years:
        raise AnnexError("Les colonnes de montants (« AE 2020 », « CP 2020 »…) sont introuvables dans l’en-tête.")
    for year in sorted(years):
        for kind in ("ae", "cp"):
            if (kind, year) not in seen:
                raise AnnexError(f"La colonne « {kind.upper()} {year} » manque dans l’en-tête.")
    return columns


def _read_amount(text: str, title: str) -> Decimal:
    try:
        amount = parse_amount(text)
    except AmountError as error:
        raise AnnexError(f"{title} : {error}") from None
    if amount >= MAX_AMOUNT:
        raise AnnexError(f"{title} : « {text} » dépasse le plus grand montant accepté.")
    return amount


def _amounts(values: dict[Column, str], years: list[int]) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """year -> (AE, CP), None for a blank cell; AnnexError for an unreadable one."""
    found = {}
    for year in years:
        pair = []
        for kind in ("ae", "cp"):
            column = next(c for c in values if c.kind == kind and c.year == year)
            text = values[column]
            pair.append(_read_amount(text, column.title or f"{kind.upper()} {year}") if text else None)
        found[year] = tuple(pair)
    return found


def parse_annex(text: str, default_year: int | None = None) -> ParsedAnnex:
    """Read the pasted annex. Lines before the header (titles) are skipped; AnnexError when no
    header can be found; each bad or partial row is kept in `rejected` with its reason."""
    if "\t" not in (text or ""):
        raise AnnexError(
            "Aucune tabulation dans le texte : copiez le tableau de l’annexe depuis le document "
            "(les colonnes doivent rester séparées par des tabulations)."
        )
    lines = [_cells(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    start = next((number for number, cells in enumerate(lines) if _is_header_line(cells)), None)
    if start is None:
        raise AnnexError("L’en-tête de l’annexe (« Direction », « Projet », « AE 2020 », « CP 2020 »…) est introuvable.")
    header_lines = [lines[start]]
    end = start + 1
    while end < len(lines) and _continues_header(lines[end]):
        header_lines.append(lines[end])
        end += 1
    notes: list[str] = []
    columns = _columns(_merge_header(header_lines), default_year, notes)
    years = sorted({column.year for column in columns.values() if column.year is not None})
    parsed = ParsedAnnex(years=years, rows=[], rejected=[], declared={}, notes=notes)
    above = {kind: None for kind in CARRIED}
    for number in range(end, len(lines)):
        cells = lines[number]
        if not any(cells):
            continue
        values = {column: (cells[index] if index < len(cells) else "") for index, column in columns.items()}
        text_values = {column.kind: value for column, value in values.items() if column.kind not in ("ae", "cp")}
        raw = " | ".join(cell for cell in cells if cell)
        first = normalise(next(cell for cell in cells if cell))
        if parsed.has_total:
            parsed.rejected.append(RejectedRow(number + 1, raw, "Ligne placée après la ligne TOTAL : ignorée."))
            continue
        if first.startswith("total"):
            _read_total(parsed, number + 1, raw, values, years)
            continue
        if first.startswith("sous total"):
            parsed.rejected.append(RejectedRow(number + 1, raw, "Ligne de sous-total : ignorée (seul le TOTAL est vérifié)."))
            continue
        row = _read_row(number + 1, raw, values, text_values, years, above, parsed)
        for kind in CARRIED:
            if text_values.get(kind):
                above[kind] = text_values[kind]
        if row is not None:
            parsed.rows.append(row)
    if not parsed.rows and not parsed.rejected:
        raise AnnexError("L’annexe ne contient aucune ligne sous son en-tête.")
    return parsed


def _read_total(parsed: ParsedAnnex, line_no: int, raw: str, values: dict, years: list[int]) -> None:
    try:
        parsed.declared = dict(_amounts(values, years))
    except AnnexError as error:
        parsed.declared = {year: (None, None) for year in years}
        parsed.rejected.append(RejectedRow(line_no, raw, f"TOTAL illisible, il ne sera pas vérifié : {error}"))


def _read_row(
    line_no: int, raw: str, values: dict, text_values: dict, years: list[int], above: dict, parsed: ParsedAnnex
) -> AnnexRow | None:
    def reject(reason: str) -> None:
        parsed.rejected.append(RejectedRow(line_no, raw, reason))

    try:
        amounts = _amounts(values, years)
    except AnnexError as error:
        reject(str(error))
        return None
    given = {year: pair for year, pair in amounts.items() if pair != (None, None)}
    label = text_values.get("label") or ""
    if not label:
        if given:
            reject("Le projet n’est pas nommé : la ligne ne peut être rattachée à aucune startup.")
        # A row naming only a direction, a UO or an activité heads the rows below it: not an error.
        return None
    if not given:
        reject("Aucun montant AE ni CP sur cette ligne.")
        return None
    for year, (ae, cp) in given.items():
        if ae is None or cp is None:
            missing = "AE" if ae is None else "CP"
            reject(f"Ligne incomplète : le montant {missing} {year} manque (une cellule vide ne vaut pas zéro).")
            return None
    fields = {"label": label, "paaf": text_values.get("paaf") or None}
    carried = []
    for kind in CARRIED:
        own = text_values.get(kind)
        fields[kind] = own or above[kind]
        if not own and above[kind]:
            carried.append(kind)
    for kind, limit in MAX_LENGTHS.items():
        if fields.get(kind) and len(fields[kind]) > limit:
            reject(f"{COLUMN_LABELS[kind]} trop long ({limit} caractères au plus).")
            return None
    return AnnexRow(line_no=line_no, amounts=given, carried=tuple(carried), **fields)


# --- Matching rows to startups ----------------------------------------------------------------


@dataclass(frozen=True)
class StartupRef:
    """What matching needs of a startup (so that it runs on plain values, without the ORM)."""

    id: int
    name: str
    slug: str


@dataclass
class RowMatch:
    row: AnnexRow
    #: The startups the row may name: one (matched), several (ambiguous) or none.
    candidates: list[StartupRef]
    #: For an unmatched row, startups sharing a significant word with its label.
    suggestions: list[StartupRef] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "matched" if len(self.candidates) == 1 else ("ambiguous" if self.candidates else "unmatched")


def label_keys(label: str) -> list[str]:
    """The names a label may give: itself, its words outside parentheses, and each parenthesised
    part ("Startup Etat (place des entreprises)" names "place des entreprises")."""
    keys = [normalise(label), normalise(_PARENTHESES.sub(" ", label))]
    keys += [normalise(inner) for inner in _PARENTHESES.findall(label)]
    return list(dict.fromkeys(key for key in keys if key))


def _startup_keys(startup: StartupRef) -> set[str]:
    return {key for key in (normalise(startup.name), normalise(startup.slug)) if key}


def _words(text: str) -> set[str]:
    return {word for word in normalise(text).split() if len(word) >= 4 and word not in STOP_WORDS}


def match_rows(rows: Sequence[AnnexRow], startups: Iterable[StartupRef], suggestions: int = 8) -> list[RowMatch]:
    """Each row's candidate startups by name or slug, case and accents ignored. The whole label
    naming a startup wins; otherwise every part of it that names one is a candidate."""
    startups = list(startups)
    index: dict[str, set[int]] = {}
    for startup in startups:
        for key in _startup_keys(startup):
            index.setdefault(key, set()).add(startup.id)
    by_id = {startup.id: startup for startup in startups}
    matches = []
    for row in rows:
        keys = label_keys(row.label)
        ids = index.get(keys[0], set()) if keys else set()
        if not ids:
            ids = set().union(*(index.get(key, set()) for key in keys)) if keys else set()
        candidates = sorted((by_id[i] for i in ids), key=lambda s: (normalise(s.name), s.slug))
        match = RowMatch(row, candidates)
        if not candidates:
            words = _words(row.label)
            near = [s for s in startups if words & (_words(s.name) | _words(s.slug.replace("-", " ")))]
            match.suggestions = sorted(near, key=lambda s: (normalise(s.name), s.slug))[:suggestions]
        matches.append(match)
    return matches
