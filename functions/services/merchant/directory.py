"""Which merchants may send orders: their shared keys and rebates, checked against the plan."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.rewards.money import AmountError, format_rate, parse_rate
from functions.rewards.plan import Plan

from .replies import validation_message

MIN_KEY_CHARS = 16
"""Shared secrets shorter than this are refused at load: HMAC is only as good as its key."""

MERCHANT_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""No ``:`` in a merchant id, so ``<merchant>:<order_id>`` can never be ambiguous."""


@dataclass(frozen=True, slots=True)
class Merchant:
    merchant_id: str
    key: bytes = field(repr=False)
    rebate: Fraction


@dataclass(frozen=True, slots=True)
class RefusedMerchant:
    """A configured merchant the plan does not accept; its requests get 403 once signed."""

    merchant_id: str
    key: bytes = field(repr=False)
    reason: str


@dataclass(frozen=True, slots=True)
class MerchantDirectory:
    merchants: Mapping[str, Merchant]
    refused: Mapping[str, RefusedMerchant] = field(default_factory=dict)

    def key_of(self, merchant_id: str) -> bytes | None:
        found = self.merchants.get(merchant_id) or self.refused.get(merchant_id)
        return found.key if found is not None else None


class MerchantConfigError(ValueError):
    """The merchant configuration as a whole cannot be read (not a JSON object)."""


class _MerchantEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    key: str = Field(min_length=MIN_KEY_CHARS)
    rebate: str


def load_merchants(text: str, plan: Plan) -> tuple[MerchantDirectory, list[str]]:
    """Parse ``{"<merchant>": {"key", "rebate"}}``; return the directory and refusal notes.

    A merchant whose entry is malformed or whose rebate lies outside the plan's
    ``merchant`` bounds (or whose plan takes no merchant orders) is refused,
    alone: the others keep working. The notes say why, for the log.
    """
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise MerchantConfigError(f"merchant configuration is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise MerchantConfigError("merchant configuration must be a JSON object of merchants")
    merchants: dict[str, Merchant] = {}
    refused: dict[str, RefusedMerchant] = {}
    notes: list[str] = []
    for merchant_id, entry in raw.items():
        if not MERCHANT_ID_RE.fullmatch(merchant_id):
            notes.append(f"merchant id {merchant_id[:40]!r} refused: use [A-Za-z0-9_-]{{1,32}}")
            continue
        try:
            parsed = _MerchantEntry.model_validate(entry)
        except ValidationError as exc:
            notes.append(f"merchant {merchant_id!r} refused: {_first_error(exc)}")
            continue
        key = parsed.key.encode("utf-8")
        reason = _rebate_problem(parsed.rebate, plan)
        if reason is not None:
            refused[merchant_id] = RefusedMerchant(merchant_id, key, reason)
            notes.append(f"merchant {merchant_id!r} refused: {reason}")
            continue
        merchants[merchant_id] = Merchant(merchant_id, key, parse_rate(parsed.rebate))
    return MerchantDirectory(merchants, refused), notes


def _rebate_problem(text: str, plan: Plan) -> str | None:
    try:
        rebate = parse_rate(text)
    except AmountError as exc:
        return f"rebate: {exc}"
    bounds = plan.merchant
    if bounds is None:
        return f"plan {plan.name!r} takes no merchant orders (no `merchant:` section)"
    if not bounds.allows(rebate):
        return (
            f"rebate {format_rate(rebate)} is outside the plan's bounds "
            f"{format_rate(bounds.min_rebate)}..{format_rate(bounds.max_rebate)}"
        )
    return None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "entry"
    return f"{name}: {validation_message(error)}"
