"""Money in Portfolio: French amounts read exactly, shown the French way, and a line's
amounts as of a day (the latest LineAmount effective on or before it)."""
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable

CENT = Decimal("0.01")
#: The largest amount a Money column (NUMERIC(14, 2)) holds.
MAX_AMOUNT = Decimal("999999999999.99")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SHAPE = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


class AmountError(ValueError):
    """An amount that cannot be read; the message is French."""


def parse_amount(text: str | int | Decimal | None) -> Decimal:
    """"452 900", "452 900,50", "452900.5" -> Decimal; negative, more than two decimals or
    anything else -> AmountError. Spaces (ordinary, non-breaking, narrow) separate thousands."""
    if isinstance(text, Decimal):
        candidate = format(text, "f")
    elif isinstance(text, int):
        candidate = str(text)
    else:
        candidate = _SPACES.sub("", (text or "").strip()).removesuffix("€").removesuffix("EUR")
    if not candidate:
        raise AmountError("Saisissez un montant.")
    if candidate.startswith("-"):
        raise AmountError(f"Le montant « {text} » est négatif : saisissez un montant positif ou nul.")
    if not _SHAPE.match(candidate):
        raise AmountError(
            f"« {text} » n’est pas un montant valide : saisissez par exemple 452 900 ou 452 900,50 "
            "(deux décimales au plus)."
        )
    try:
        amount = Decimal(candidate.replace(",", ".")).quantize(CENT)
    except InvalidOperation:  # pragma: no cover - the shape check above already refuses these
        raise AmountError(f"« {text} » n’est pas un montant valide.") from None
    if amount > MAX_AMOUNT:
        raise AmountError(f"Le montant « {text} » dépasse le plus grand montant accepté (999 999 999 999,99 €).")
    return amount


def format_euros(amount: Decimal | int | None, cents: bool = False) -> str:
    """452900 -> "452 900 €" (narrow no-break spaces), with ",00" when `cents` or not whole."""
    if amount is None:
        return "—"
    amount = Decimal(amount).quantize(CENT)
    whole, fraction = f"{abs(amount):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    sign = "-" if amount < 0 else ""
    if cents or fraction != "00":
        return f"{sign}{grouped},{fraction}\u00a0€"
    return f"{sign}{grouped}\u00a0€"


def amount_on(amounts: Iterable, day: date):
    """The LineAmount in force on `day` (latest effective_on <= day; later id wins on the same day), or None."""
    best = None
    for amount in amounts:
        if amount.effective_on > day:
            continue
        if best is None or (amount.effective_on, amount.id or 0) > (best.effective_on, best.id or 0):
            best = amount
    return best
