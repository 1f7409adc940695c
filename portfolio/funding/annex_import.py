"""The paste-import of an annex: a preview that saves nothing, the signed state that carries
the pasted text from the preview to the confirmation (never kept in server memory), and the
import itself, which creates the funding lines and their initial amounts on confirm.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.audit.tracking import described
from portfolio.extensions import db
from portfolio.funding.amounts import format_euros
from portfolio.funding.annex import ParsedAnnex, RowMatch, StartupRef, match_rows, parse_annex
from portfolio.funding.models import Convention, FundingLine, LineAmount
from portfolio.funding.operations import FundingError, add_line, initial_amounts_date
from portfolio.funding.warnings import line_warnings, total_mismatch
from portfolio.startups.models import Startup

#: How long a preview may be confirmed, in seconds.
PREVIEW_MAX_AGE = 2 * 3600
_SALT = "funding-annex-preview"
REFUSE = "refuse"


class AnnexImportError(ValueError):
    """The import cannot proceed; `by_line` holds the French reasons attached to annex lines."""

    def __init__(self, message: str, by_line: dict[int, str] | None = None):
        super().__init__(message)
        self.by_line = by_line or {}


@dataclass
class TotalCheck:
    """The TOTAL row of one fiscal year against the sum of the lines read."""

    year: int
    kind: str
    declared: Decimal | None
    computed: Decimal

    @property
    def ok(self) -> bool:
        return self.declared == self.computed


@dataclass
class Preview:
    convention: Convention
    text: str
    parsed: ParsedAnnex
    matches: list[RowMatch]
    #: Every startup, for the rows the person must attach by hand.
    startups: list[StartupRef]
    #: The matched startups themselves (with their phases, for the warnings), by id.
    matched_startups: dict[int, Startup] = field(default_factory=dict)
    warnings: list["PreviewWarning"] = field(default_factory=list)
    checks: list[TotalCheck] = field(default_factory=list)
    token: str = ""
    #: The startups' matches differ from those the person previewed: they must look again.
    stale: bool = False

    @property
    def line_count(self) -> int:
        return sum(len(match.row.amounts) for match in self.matches)

    @property
    def to_choose(self) -> list[RowMatch]:
        return [match for match in self.matches if match.status != "matched"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(matches: list[RowMatch]) -> dict[str, list[int]]:
    return {str(match.row.line_no): [startup.id for startup in match.candidates] for match in matches}


def _startup_refs() -> list[StartupRef]:
    rows = db.session.execute(select(Startup.id, Startup.name, Startup.slug).order_by(Startup.name, Startup.slug))
    return [StartupRef(id=row.id, name=row.name, slug=row.slug) for row in rows]


def _matched_startups(matches: list[RowMatch]) -> dict[int, Startup]:
    ids = {match.candidates[0].id for match in matches if match.status == "matched"}
    if not ids:
        return {}
    found = db.session.scalars(select(Startup).where(Startup.id.in_(ids)).options(selectinload(Startup.phase_spans)))
    return {startup.id: startup for startup in found}


def build_preview(convention: Convention, text: str, today: date) -> Preview:
    """Parse and match the pasted annex; AnnexError when it cannot be read. Saves nothing."""
    parsed = parse_annex(text, default_year=initial_amounts_date(convention).year)
    startups = _startup_refs()
    matches = match_rows(parsed.rows, startups)
    preview = Preview(convention, text, parsed, matches, startups, _matched_startups(matches))
    preview.checks = total_checks(parsed)
    preview.warnings = preview_warnings(preview, today)
    payload = {"c": convention.id, "t": text, "m": _fingerprint(preview.matches)}
    preview.token = _serializer().dumps(payload)
    return preview


def load_preview(convention: Convention, token: str, today: date) -> Preview:
    """The preview a confirmation refers to, rebuilt from its signed token (AnnexImportError when
    the token is forged, expired or for another convention); `stale` when the matches changed."""
    try:
        payload = _serializer().loads(token or "", max_age=PREVIEW_MAX_AGE)
    except SignatureExpired:
        raise AnnexImportError("L’aperçu a expiré : collez l’annexe à nouveau.") from None
    except BadSignature:
        raise AnnexImportError("L’aperçu n’est pas valide : collez l’annexe à nouveau.") from None
    if payload.get("c") != convention.id:
        raise AnnexImportError("Cet aperçu concerne une autre convention : collez l’annexe à nouveau.")
    preview = build_preview(convention, payload["t"], today)
    preview.stale = _fingerprint(preview.matches) != payload["m"]
    return preview


def total_checks(parsed: ParsedAnnex) -> list[TotalCheck]:
    checks = []
    for year, (declared_ae, declared_cp) in sorted(parsed.declared.items()):
        rows = [row.amounts[year] for row in parsed.rows if year in row.amounts]
        checks.append(TotalCheck(year, "AE", declared_ae, sum((ae for ae, _ in rows), Decimal("0.00"))))
        checks.append(TotalCheck(year, "CP", declared_cp, sum((cp for _, cp in rows), Decimal("0.00"))))
    return checks


@dataclass(frozen=True)
class PreviewWarning:
    #: One of `warnings.WARNING_KINDS`, or "duplicate_line", "no_total", "declared_total_differs".
    code: str
    message: str


def _transient_line(preview: Preview, match: RowMatch, year: int, ae: Decimal, cp: Decimal, day: date) -> FundingLine:
    """The line the row would become, never added to the session, for the convention's own checks.
    An uncertain row is named by its label (its startup is not chosen yet)."""
    startup = preview.matched_startups.get(match.candidates[0].id) if match.status == "matched" else None
    line = FundingLine(
        startup=startup or Startup(name=match.row.label, slug=""),
        fiscal_year=year,
        uo=match.row.uo,
        activite=match.row.activite,
    )
    line.amounts.append(LineAmount(effective_on=day, ae=ae, cp=cp))
    return line


def preview_warnings(preview: Preview, today: date) -> list[PreviewWarning]:
    """The convention page's warnings, on the lines the annex would create (CP ≠ AE, a UO other
    than the convention's, a stopped startup, a TOTAL that is not the lines' sum), and the
    import's own (a line the convention already has, no TOTAL, a TOTAL unlike the convention's)."""
    convention = preview.convention
    day = max(today, initial_amounts_date(convention))
    found = []
    existing = {(line.startup_id, line.fiscal_year) for line in convention.lines}
    for match in preview.matches:
        for year, (ae, cp) in match.row.amounts.items():
            line = _transient_line(preview, match, year, ae, cp, day)
            found += [PreviewWarning(w.code, w.message) for w in line_warnings(convention, line, day)]
            if match.status == "matched" and (match.candidates[0].id, year) in existing:
                found.append(
                    PreviewWarning(
                        "duplicate_line",
                        f"Ligne {match.row.line_no} : la convention a déjà une ligne pour "
                        f"{match.candidates[0].name} en {year} ; elle ne pourra pas être importée.",
                    )
                )
    several_years = len(preview.parsed.declared) > 1
    for year, (declared_ae, declared_cp) in sorted(preview.parsed.declared.items()):
        rows = [{"ae": row.amounts[year][0], "cp": row.amounts[year][1]} for row in preview.parsed.rows if year in row.amounts]
        for warning in total_mismatch(rows, declared_ae, declared_cp):
            found.append(PreviewWarning(warning.code, f"{year} : {warning.message}" if several_years else warning.message))
    if not preview.parsed.has_total:
        found.append(PreviewWarning("no_total", "L’annexe n’a pas de ligne TOTAL : la somme des lignes n’est pas vérifiée."))
    declared = _declared_sums(preview.parsed)
    held = (convention.declared_total_ae, convention.declared_total_cp)
    if declared and held != (None, None) and held != declared:
        found.append(
            PreviewWarning(
                "declared_total_differs",
                f"Le TOTAL de l’annexe (AE {format_euros(declared[0])}, CP {format_euros(declared[1])}) diffère "
                f"de celui déjà déclaré pour la convention (AE {format_euros(held[0])}, CP {format_euros(held[1])}) : "
                "celui de la convention est conservé.",
            )
        )
    return found


def _declared_sums(parsed: ParsedAnnex) -> tuple[Decimal, Decimal] | None:
    pairs = list(parsed.declared.values())
    if not pairs or any(ae is None or cp is None for ae, cp in pairs):
        return None
    return sum((ae for ae, _ in pairs), Decimal("0.00")), sum((cp for _, cp in pairs), Decimal("0.00"))


def _chosen_startup(match: RowMatch, choice: str | None, known: set[int]) -> int | None:
    """The startup a row goes to (None: refused by the person); AnnexImportError message otherwise."""
    if match.status == "matched":
        return match.candidates[0].id
    if not choice:
        raise ValueError("Choisissez la startup de cette ligne, ou refusez la ligne.")
    if choice == REFUSE:
        return None
    allowed = {startup.id for startup in match.candidates} if match.status == "ambiguous" else known
    if not choice.isdigit() or int(choice) not in allowed:
        raise ValueError("Ce choix ne fait pas partie des startups proposées.")
    return int(choice)


def import_annex(preview: Preview, choices: dict[int, str | None]) -> list[FundingLine]:
    """Create one funding line per accepted row and fiscal year, its amounts effective on the
    convention's signature date (see `operations.add_line`). `choices` maps the line number of an
    ambiguous or unmatched row to a startup id or REFUSE; rejected rows are skipped. Every problem
    is reported at once, per annex line (AnnexImportError). Flushes; the caller commits."""
    convention = preview.convention
    known = {startup.id for startup in preview.startups}
    planned: dict[tuple[int, int], int] = {}
    problems: dict[int, str] = {}
    plan = []
    for match in preview.matches:
        row = match.row
        try:
            startup_id = _chosen_startup(match, choices.get(row.line_no), known)
        except ValueError as error:
            problems[row.line_no] = str(error)
            continue
        if startup_id is None:
            continue
        for year in sorted(row.amounts):
            if (startup_id, year) in planned:
                problems[row.line_no] = (
                    f"Cette startup figure déjà ligne {planned[startup_id, year]} de l’annexe pour {year} : "
                    "gardez une seule ligne."
                )
            planned.setdefault((startup_id, year), row.line_no)
            plan.append((row, startup_id, year))
    if problems:
        raise AnnexImportError("Certaines lignes ne peuvent pas être importées : voyez les lignes signalées.", problems)
    if not plan:
        raise AnnexImportError("Aucune ligne à importer : toutes les lignes sont refusées ou illisibles.")
    startups = {s.id: s for s in db.session.scalars(select(Startup).where(Startup.id.in_({p[1] for p in plan})))}
    lines = []
    with described(reason="Import de l’annexe collée"):
        for row, startup_id, year in plan:
            ae, cp = row.amounts[year]
            texts = {name: getattr(row, name) for name in ("label", "direction", "uo", "activite", "paaf")}
            try:
                lines.append(add_line(convention, startup=startups[startup_id], fiscal_year=year, ae=ae, cp=cp, **texts))
            except FundingError as error:
                problems[row.line_no] = str(error)
        if problems:
            raise AnnexImportError("Certaines lignes ne peuvent pas être importées : voyez les lignes signalées.", problems)
        declared = _declared_sums(preview.parsed)
        if declared and convention.declared_total_ae is None and convention.declared_total_cp is None:
            convention.declared_total_ae, convention.declared_total_cp = declared
            db.session.flush()
    return lines
