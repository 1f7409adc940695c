"""The bounds and checks every way in shares (forms, query arguments, URLs, the registry importer):
ids and page numbers, supported dates, web links, texts and amounts, each with its French message."""
from datetime import date
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

#: The largest id a row can have: ids are INTEGER columns (32-bit on PostgreSQL).
MAX_ID = 2**31 - 1
#: The largest page number a list accepts: far beyond any list, far below the database's limits.
MAX_PAGE = 1_000_000
#: The days Portfolio reasons about: beta.gouv.fr started in 2013, conventions run a few years ahead.
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)
DAY_RANGE_MESSAGE = "Saisissez une date entre le 01/01/1990 et le 31/12/2100."
#: Web links are stored and shown as links: only these schemes, never javascript: or data:.
WEB_SCHEMES = ("http", "https")
LINK_MESSAGE = "Saisissez une adresse web complète, par exemple https://exemple.beta.gouv.fr."
LINK_LENGTH = 500
#: The bounds of free text, one set for every way in (forms and importer): names, titles and places;
#: reasons, comments and pitches; descriptions, preparations and conditions; minutes.
SHORT_TEXT = 300
REASON_TEXT = 2_000
LONG_TEXT = 10_000
MINUTES_TEXT = 50_000
#: A startup's description: the registry's longest are some 18,000 characters (2026), kept whole.
DESCRIPTION_TEXT = 50_000


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in the URL map: an id the database cannot hold matches no route (404), instead of
    reaching the query (SQLite raises OverflowError beyond 2^63)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def page_number(text: str | None) -> int | None:
    """The `page=` argument: a whole number from 1 to MAX_PAGE; None when absent or anything else."""
    text = (text or "").strip()
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_PAGE)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else None


def supported_day(day: date | None) -> bool:
    """Whether a date is one Portfolio accepts (absent counts as accepted: Optional decides that)."""
    return day is None or FIRST_DAY <= day <= LAST_DAY


def parse_day(text: str | None) -> date:
    """A date written AAAA-MM-JJ within the supported range; ValueError (French message) otherwise."""
    written = (text or "").strip()
    try:
        day = date.fromisoformat(written)
    except ValueError:
        raise ValueError(f"« {written} » n’est pas une date : utilisez le format AAAA-MM-JJ.") from None
    if not supported_day(day):
        raise ValueError(DAY_RANGE_MESSAGE)
    return day


def too_long_message(maximum: int) -> str:
    """The forms' message for a text beyond `maximum` characters."""
    return f"Ce texte est trop long : {_thousands(maximum)} caractères au plus."


def _thousands(number: int) -> str:
    """A number written the French way: 10 000 (a narrow no-break space between thousands)."""
    return f"{number:,}".replace(",", "\u202f")


def text_length_problem(value: str, maximum: int) -> str | None:
    """Why a text cannot be kept (French, for the import report), or None when within `maximum`."""
    if len(value) > maximum:
        return f"{_thousands(len(value))} caractères, {_thousands(maximum)} au plus"
    return None


def web_link_problem(url: str) -> str | None:
    """Why `url` cannot be kept as a web link (French), or None when it is an http(s) address."""
    if len(url) > LINK_LENGTH:
        return f"l’adresse dépasse {LINK_LENGTH} caractères"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "ce n’est pas une adresse web"
    if parts.scheme.lower() not in WEB_SCHEMES:
        scheme = parts.scheme.lower()
        return f"une adresse « {scheme}: » n’est pas un lien web" if scheme else "ce n’est pas une adresse web complète"
    if not parts.hostname or any(character.isspace() for character in url):
        return "ce n’est pas une adresse web complète"
    return None


def is_web_link(url: str | None) -> bool:
    return bool(url) and web_link_problem(url) is None


def safe_href(url: str | None) -> str | None:
    """The link to put in an href: the URL when it is an http(s) address, None otherwise (shown as text)."""
    return url if is_web_link(url) else None


# --- WTForms validators, for the forms --------------------------------------------------------


class WebLink:
    """A form field holding an http(s) address, the same rule the importer applies."""

    def __init__(self, message: str = LINK_MESSAGE):
        self.message = message

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        if field.data and web_link_problem(field.data.strip()) is not None:
            raise ValidationError(self.message)


def supported_date(form, field) -> None:
    """A form's date field within the supported range (every Form adds it to its date fields)."""
    from wtforms.validators import ValidationError

    if not supported_day(field.data):
        raise ValidationError(DAY_RANGE_MESSAGE)
