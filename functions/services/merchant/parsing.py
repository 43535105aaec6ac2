"""The order body: ``{"order_id", "member", "amount", "category"?, "points"?}``, validated."""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from functions.rewards.errors import RejectCode
from functions.rewards.money import AmountError, Cents, parse_cents

from .replies import ApiError, validation_message

_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f]+")
_ORDER_ID_RE = re.compile(r"[!-~]+")
_AMOUNT_FIELDS = frozenset({"amount", "points"})


def _amount(value: str) -> Cents:
    try:
        return parse_cents(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


class OrderRequest(BaseModel):
    """``{"order_id", "member", "amount", "category"?, "points"?}``; amounts are strings."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    order_id: str = Field(min_length=1, max_length=128)
    member: str = Field(min_length=1, max_length=128)
    amount: str
    category: str | None = Field(default=None, min_length=1, max_length=64)
    points: str = "0"

    @field_validator("order_id")
    @classmethod
    def _visible_ascii(cls, value: str) -> str:
        if not _ORDER_ID_RE.fullmatch(value):
            raise ValueError("must be visible ASCII characters without spaces")
        return value

    @field_validator("member", "category")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not _TEXT_RE.fullmatch(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("amount")
    @classmethod
    def _positive_amount(cls, value: str) -> str:
        if _amount(value) == 0:
            raise ValueError("must be greater than zero")
        return value

    @field_validator("points")
    @classmethod
    def _points(cls, value: str) -> str:
        _amount(value)
        return value

    @property
    def amount_cents(self) -> Cents:
        return parse_cents(self.amount)

    @property
    def points_cents(self) -> Cents:
        return parse_cents(self.points)


def parse_order(body: bytes) -> OrderRequest:
    """Decode and validate the body; :class:`ApiError` 400 naming the first bad field."""
    try:
        raw = json.loads(body)
    except ValueError:
        raise ApiError(400, "invalid_json", "the body must be a JSON object") from None
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    try:
        return OrderRequest.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "body"
        code = RejectCode.INVALID_AMOUNT if name in _AMOUNT_FIELDS else RejectCode.INVALID_EVENT
        message = validation_message(error)
        raise ApiError(400, code, f"{name}: {message}", field_name=name) from None
