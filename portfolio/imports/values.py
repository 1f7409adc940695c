"""Reading one value of a registry file: texts, dates, references and free-form fields, each checked,
normalised when a rule allows it, and reported when it is not what the registry's format promises."""
import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from portfolio.imports.report import NORMALISED, SKIPPED, ImportReport
from portfolio.validation import FIRST_DAY, LAST_DAY, SHORT_TEXT, supported_day, text_length_problem

DATE_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ORGANISATION_REFERENCE = "/organisations/"


class FileNotes:
    """Reports anomalies of one file."""

    def __init__(self, report: ImportReport, path: str):
        self.report = report
        self.path = path

    def __call__(self, kind: str, detail: str, action: str) -> None:
        self.report.anomaly(self.path, kind, detail, action)


def text(data: dict, key: str, notes: FileNotes, max_length: int = SHORT_TEXT, multiline: bool = False) -> str | None:
    """The text of field `key` without surrounding spaces, or None when absent, empty, unusable or
    longer than the forms accept for the same field (`max_length`, portfolio.validation's bounds)."""
    if key not in data:
        return None
    value = data[key]
    if value is None:
        notes("null_value", f"« {key} » vaut null : champ ignoré", SKIPPED)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        notes("invalid_value", f"« {key} » n’est pas un texte ({_kind_of(value)}) : champ ignoré", SKIPPED)
        return None
    if not isinstance(value, str):
        value = str(value)
        notes("invalid_value", f"« {key} » est un nombre, lu comme le texte « {value} »", NORMALISED)
    stripped = value.strip()
    if not stripped:
        if value:
            notes("stray_spaces", f"le champ « {key} » ne contient que des espaces : ignoré", SKIPPED)
        return None
    if stripped != value and not multiline:
        notes("stray_spaces", f"espaces superflus autour du champ « {key} » : retirés", NORMALISED)
    problem = text_length_problem(stripped, max_length)
    if problem is not None:
        notes("value_too_long", f"« {key} » est trop long ({problem}) : champ ignoré", SKIPPED)
        return None
    return stripped


def identifier(value: Any, what: str, notes: FileNotes) -> str | None:
    """An identifier (incubator, organisation) written in a file: trimmed, NFC; None when not a text."""
    if not isinstance(value, str):
        notes("invalid_value", f"{what} n’est pas un identifiant ({_kind_of(value)}) : ignoré", SKIPPED)
        return None
    stripped = value.strip()
    if stripped != value:
        notes("stray_spaces", f"espaces superflus autour de « {stripped} » ({what}) : retirés", NORMALISED)
    return unicodedata.normalize("NFC", stripped) or None


def organisation_id(value: Any, what: str, notes: FileNotes) -> str | None:
    """The organisation id of a reference written `/organisations/<id>`."""
    reference = identifier(value, what, notes)
    if reference is None:
        return None
    return reference.removeprefix(ORGANISATION_REFERENCE).strip() or None


def day(value: Any, what: str, consequence: str, notes: FileNotes) -> date | None:
    """The date written in a file; None (reported, with `consequence`) when it is not a date."""
    if isinstance(value, datetime):
        notes("date_normalised", f"{what} « {value} » a une heure : seule la date {value:%Y-%m-%d} est gardée", NORMALISED)
        value = value.date()
    if isinstance(value, date):
        return day(value.isoformat(), what, consequence, notes)
    if value is None:
        notes("null_value", f"{what} vaut null : {consequence}", SKIPPED)
        return None
    if isinstance(value, str):
        written = value.strip()
        if not written:
            notes("missing_date", f"{what} est vide : {consequence}", SKIPPED)
            return None
        if written != value:
            notes("stray_spaces", f"espaces superflus autour de « {written} » ({what}) : retirés", NORMALISED)
        match = DATE_TEXT.fullmatch(written)
        if match:
            try:
                found = date(*(int(part) for part in match.groups()))
            except ValueError:
                notes("invalid_date", f"{what} « {written} » n’existe pas : {consequence}", SKIPPED)
                return None
            if not supported_day(found):
                notes(
                    "date_out_of_range",
                    f"{what} « {written} » est hors de la période acceptée "
                    f"({FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}) : {consequence}",
                    SKIPPED,
                )
                return None
            if written != found.isoformat():
                notes("date_normalised", f"{what} « {written} » lue comme {found.isoformat()}", NORMALISED)
            return found
    notes("invalid_date", f"{what} « {value} » n’est pas une date AAAA-MM-JJ : {consequence}", SKIPPED)
    return None


def as_json(value: Any) -> Any:
    """A YAML value as JSON can store it (dates as ISO text), in a stable order so re-imports compare equal."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((as_json(item) for item in value), key=repr)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "booléen"
    if isinstance(value, dict):
        return "dictionnaire"
    if isinstance(value, (list, tuple, set)):
        return "liste"
    if isinstance(value, (int, float)):
        return "nombre"
    if isinstance(value, (date, datetime)):
        return "date"
    return type(value).__name__
