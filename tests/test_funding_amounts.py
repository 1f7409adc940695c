"""Amounts, property-based: any non-negative amount with at most two decimals, written the French
way (spaces between thousands, a comma) or with a dot, reads back exactly; anything else is an
AmountError with a French message; amounts as of a day pick the latest row in force."""
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from portfolio.funding.amounts import AmountError, amount_on, format_euros, parse_amount

#: Non-negative amounts with at most two decimals, up to what Numeric(14, 2) holds.
AMOUNTS = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False, allow_infinity=False)
#: What people put between thousands: a space, a non-breaking space, a narrow one.
SEPARATORS = st.sampled_from([" ", "\u00a0", "\u202f"])


def french(amount: Decimal, separator: str, decimal_mark: str, always_cents: bool) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", separator)
    if cents == "00" and not always_cents:
        return grouped
    if cents.endswith("0") and not always_cents:
        cents = cents[0]
    return f"{grouped}{decimal_mark}{cents}"


@given(AMOUNTS, SEPARATORS, st.sampled_from([",", "."]), st.booleans())
@example(Decimal("452900"), " ", ",", False)
@example(Decimal("452900.50"), " ", ",", True)
@example(Decimal("0.5"), " ", ",", False)
def test_a_french_written_amount_reads_back_to_itself(amount, separator, decimal_mark, always_cents):
    text = french(amount, separator, decimal_mark, always_cents)
    assert parse_amount(text) == amount


@given(AMOUNTS)
def test_an_amount_with_a_dot_and_no_separator_reads_back(amount):
    assert parse_amount(f"{amount:.2f}") == amount
    assert parse_amount(format(amount.normalize(), "f")) == amount


@given(AMOUNTS)
def test_what_format_euros_shows_reads_back(amount):
    assert parse_amount(format_euros(amount)) == amount
    assert parse_amount(format_euros(amount, cents=True)) == amount


@given(AMOUNTS)
def test_a_decimal_or_whole_number_is_taken_as_is(amount):
    assert parse_amount(amount) == amount
    assert parse_amount(int(amount)) == int(amount)


#: Text holding a character no amount has (letters other than the EUR suffix, symbols).
GARBAGE = st.builds(
    lambda before, bad, after: f"{before}{bad}{after}",
    st.from_regex(r"[0-9 ,.]{0,6}", fullmatch=True),
    st.sampled_from(list("abcdfghijklmnopqstvwxyzABCDFGHIJKLMNOPQSTVWXYZ#?!%&*()=/+_@$£")),
    st.from_regex(r"[0-9a-z ,.]{0,6}", fullmatch=True),
)


@given(GARBAGE)
@example("douze")
@example("1 2 3,4,5")
@example("12,345")
@example("-5")
@example("1e3")
@example("")
@example("   ")
@example(",50")
@example("12.")
def test_garbage_raises_an_amount_error_in_french(text):
    with pytest.raises(AmountError) as raised:
        parse_amount(text)
    message = str(raised.value)
    assert any(word in message for word in ("montant", "Saisissez"))


@given(AMOUNTS.filter(lambda amount: amount > 0))
def test_a_negative_amount_is_refused(amount):
    with pytest.raises(AmountError, match="négatif"):
        parse_amount(f"-{amount}")


@given(st.decimals(min_value=0, max_value=10**9, places=3).filter(lambda amount: amount != amount.quantize(Decimal("0.01"))))
def test_more_than_two_decimals_are_refused(amount):
    with pytest.raises(AmountError, match="deux décimales"):
        parse_amount(format(amount, "f").replace(".", ","))


def row(ident: int, day: date, ae: str):
    return SimpleNamespace(id=ident, effective_on=day, ae=Decimal(ae), cp=Decimal(ae))


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8), st.integers(min_value=-10, max_value=420))
def test_the_amount_as_of_a_day_is_the_latest_row_in_force(offsets, probe):
    start = date(2020, 4, 6)
    rows = [row(n + 1, start + timedelta(days=offset), str(n)) for n, offset in enumerate(offsets)]
    day = start + timedelta(days=probe)
    found = amount_on(rows, day)
    in_force = [r for r in rows if r.effective_on <= day]
    if not in_force:
        assert found is None
    else:
        # The latest date wins; on the same date, the row recorded last (a correction) wins.
        assert found is max(in_force, key=lambda r: (r.effective_on, r.id))
