"""What the day's record claims about solvency, computed exactly from the leaves.

* **Reserve valuation** (seed 002): a point is worth ``reserve / circulating``, where
  circulating is the members' available points. Withdrawing ``x`` points pays at most
  ``floor(x × reserve / circulating)`` before the fee, so every member withdrawing every
  available point at the published price is paid ``Σ floor(aᵢ × R / C) ≤ R × Σ aᵢ / C
  = R``: the reserve always covers it, by construction. The record publishes that sum
  (``withdrawable``) next to the reserve. Locked points are not withdrawable yet; when
  they are released they join ``circulating`` and lower the price, not raise the claim.
  Points already being withdrawn had their net cash moved out of the reserve into
  ``payable`` when requested, so they are counted as the cash owed, not again here.
* **Fixed valuation**: liabilities are ``floor((available + locked) × price)`` plus the
  cash owed to members (commission and payable), held against the cash the operator
  declares in its reserve account (a setting; without it the ratio is not claimed).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from functions.rewards.money import format_cents, format_rate, mul_floor

RATIO_PLACES = 4
PRICE_PLACES = 8


def floored(value: Fraction, places: int) -> str:
    """``value`` floored to ``places`` decimals, as text (no float anywhere)."""
    scaled = value.numerator * 10**places // value.denominator
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}"


def withdrawable(reserve: int, circulating: int, availables: Iterable[int]) -> int:
    """Cash (before fees) paid if every member withdrew every available point at
    ``reserve / circulating``: each withdrawal floors, so the sum is at most ``reserve``."""
    if circulating <= 0:
        return 0
    return sum(available * reserve // circulating for available in availables)


def reserve_solvency(reserve: int, availables: Iterable[int]) -> dict[str, Any]:
    amounts = list(availables)
    circulating = sum(amounts)
    paid = withdrawable(reserve, circulating, amounts)
    price = Fraction(reserve, circulating) if circulating else None
    return {
        "valuation": "reserve",
        "reserve": reserve,
        "circulating": circulating,
        "price": (
            None
            if price is None
            else {
                "reserve": reserve,
                "circulating": circulating,
                "decimal": floored(price, PRICE_PLACES),
            }
        ),
        "withdrawable": paid,
        "ratio": floored(Fraction(reserve, paid), RATIO_PLACES) if paid else None,
        "holds": paid <= reserve,
        "claim": (
            f"every available point withdrawn at the published price pays "
            f"{format_cents(paid)} at most, and the reserve holds {format_cents(reserve)}"
        ),
    }


def fixed_solvency(
    price: Fraction, points: int, cash_owed: int, declared: int | None
) -> dict[str, Any]:
    points_value = mul_floor(points, price)
    liabilities = points_value + cash_owed
    ratio = (
        floored(Fraction(declared, liabilities), RATIO_PLACES)
        if declared is not None and liabilities
        else None
    )
    return {
        "valuation": "fixed",
        "price": {"decimal": format_rate(price)},
        "points": points,
        "points_value": points_value,
        "cash_owed": cash_owed,
        "liabilities": liabilities,
        "declared_cash": declared,
        "ratio": ratio,
        "holds": None if declared is None else declared >= liabilities,
        "claim": (
            f"liabilities at the price are {format_cents(liabilities)}; the operator declares "
            + ("no reserve cash" if declared is None else f"{format_cents(declared)} in reserve")
        ),
    }
