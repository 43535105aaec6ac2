"""The field types of plan sections: exact decimals, shares, amounts and counts.

Shared by :mod:`functions.rewards.plan` and the program sections
(:mod:`functions.rewards.program_plans`), so each can define sections without
importing the other.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema

from .money import ONE, AmountError, Cents, format_cents, format_rate
from .money import parse_cents as _parse_cents
from .money import parse_rate as _parse_rate


def _rate(value: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    try:
        return _parse_rate(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


def _share(value: object) -> Fraction:
    rate = _rate(value)
    if rate > ONE:
        raise ValueError(f"{format_rate(rate)} is above 1; a share must be between 0 and 1")
    return rate


def _amount(value: object) -> Cents:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return _parse_cents(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


_DECIMAL_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?$"})
Rate = Annotated[Fraction, PlainValidator(_rate), PlainSerializer(format_rate), _DECIMAL_SCHEMA]
"""Any non-negative decimal (multipliers may exceed 1)."""
Share = Annotated[Fraction, PlainValidator(_share), PlainSerializer(format_rate), _DECIMAL_SCHEMA]
"""A decimal between 0 and 1 inclusive."""
Amount = Annotated[Cents, PlainValidator(_amount), PlainSerializer(format_cents), _DECIMAL_SCHEMA]
"""A non-negative amount with at most two decimals, held in hundredths."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _count(value: object) -> int:
    """A whole number written plainly (YAML keeps numbers as text: ``10`` arrives as "10")."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        number = int(value)
    else:
        raise ValueError(f"{str(value)[:40]!r} is not a whole number")
    if number < 0:
        raise ValueError("a count cannot be negative")
    return number


Count = Annotated[int, PlainValidator(_count), WithJsonSchema({"type": "integer", "minimum": 0})]
"""A non-negative whole number (terms, counts of draws, members, months)."""


class PlanError(ValueError):
    """The plan is refused; ``key`` is the dotted path of the first bad key.

    ``code`` says why: ``invalid_plan`` (validation), ``duplicate_key`` or
    ``yaml_tag`` (the YAML text itself); the plan check reports it as a finding.
    """

    def __init__(self, key: str, message: str, code: str = "invalid_plan") -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message
        self.code = code
