"""Exact money and points.

Amounts (yuan and points alike) are integers of hundredths ("cents"); rates are
exact fractions parsed from decimal strings. Nothing here ever touches a float:
``amount × rate`` is computed exactly and floored to a hundredth (RULES.md §1).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

Cents = int
"""A quantity of money or points in hundredths (``1234`` is ``"12.34"``)."""

CENTS_PER_UNIT = 100
MAX_INTEGER_DIGITS = 15
"""Amounts above 10^15 units are refused: no real order is that big, and it keeps
every stored number well inside DynamoDB's 38 significant digits."""

_AMOUNT_RE = re.compile(rf"([0-9]{{1,{MAX_INTEGER_DIGITS}}})(?:\.([0-9]{{1,2}}))?")
_DECIMAL_RE = re.compile(rf"([0-9]{{1,{MAX_INTEGER_DIGITS}}})(?:\.([0-9]{{1,18}}))?")

ZERO_RATE = Fraction(0)
ONE = Fraction(1)


class AmountError(ValueError):
    """Text that is not a non-negative amount with at most two decimal places."""


def _not_text(value: object) -> AmountError:
    if value is None:
        return AmountError('missing; amounts are strings like "12.34"')
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return AmountError(f"expected a decimal string, got {type(value).__name__}")
    return AmountError('amounts are strings like "12.34", not JSON numbers')


def parse_cents(text: object) -> Cents:
    """Parse ``"123.45"`` into ``12345``; refuse floats, signs, exponents and 3+ decimals."""
    if not isinstance(text, str):
        raise _not_text(text)
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        raise AmountError(f"{text[:40]!r} is not a non-negative amount with at most 2 decimals")
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * CENTS_PER_UNIT + int(fraction.ljust(2, "0"))


def parse_rate(text: object) -> Fraction:
    """Parse a non-negative decimal string (``"0.012"``) into an exact fraction."""
    if not isinstance(text, str):
        raise _not_text(text)
    match = _DECIMAL_RE.fullmatch(text)
    if match is None:
        raise AmountError(f"{text[:40]!r} is not a non-negative decimal")
    whole, fraction = match.group(1), match.group(2) or ""
    return Fraction(int(whole + fraction), 10 ** len(fraction))


def format_cents(cents: Cents) -> str:
    """Render ``12345`` as ``"123.45"`` (and ``-5`` as ``"-0.05"`` for journal deltas)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), CENTS_PER_UNIT)
    return f"{sign}{whole}.{fraction:02d}"


def format_rate(rate: Fraction) -> str:
    """Render a parsed (decimal) rate exactly: ``Fraction(3, 250)`` → ``"0.012"``."""
    if rate.denominator == 1:
        return str(rate.numerator)
    for scale in range(1, 40):
        if 10**scale % rate.denominator == 0:
            digits = str(rate.numerator * (10**scale // rate.denominator)).rjust(scale + 1, "0")
            return f"{digits[:-scale]}.{digits[-scale:]}"
    raise ValueError(f"{rate} is not a decimal fraction")


def mul_floor(cents: Cents, rate: Fraction) -> Cents:
    """``floor(cents × rate)`` exactly; all our quantities are non-negative."""
    return (cents * rate.numerator) // rate.denominator
