"""Merchant orders: signed requests from a merchant's till become purchases with its rebate.

The contract (request and response examples: :mod:`functions.handlers.merchant_api`):

* ``X-Jifen-Merchant`` names the merchant, ``X-Jifen-Timestamp`` is Unix seconds,
  ``X-Jifen-Signature`` is ``hex(HMAC-SHA256(key, timestamp + "." + raw body))``.
  A request more than :data:`DEFAULT_TOLERANCE_S` away from our clock is refused
  as a replay; the digest is compared in constant time, and an unknown merchant
  costs the same work as a known one.
* The body names the order, the member, the amount (a decimal string) and
  optionally a category and points spent.
* The order is recorded as ``<merchant>:<order_id>`` (merchants cannot collide)
  with the merchant's rebate ratio, which replaces the plan's grant rule.
  Sending the same order again returns the first result (200); the same order
  id with different content is refused (409 ``duplicate_order``).

Nothing here knows about API Gateway: :func:`place_order` takes headers and raw
bytes and returns a :class:`Reply` (status and JSON body), so the Lambda handler
and the local dev server share it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Purchase
from functions.rewards.money import (
    AmountError,
    Cents,
    format_cents,
    format_rate,
    parse_cents,
    parse_rate,
)
from functions.rewards.plan import Plan

from .ledger import Ledger
from .results import PurchaseResult, RecordError

MERCHANT_HEADER = "x-jifen-merchant"
TIMESTAMP_HEADER = "x-jifen-timestamp"
SIGNATURE_HEADER = "x-jifen-signature"
DEFAULT_TOLERANCE_S = 300
MAX_BODY_BYTES = 16 * 1024
MIN_KEY_CHARS = 16
"""Shared secrets shorter than this are refused at load: HMAC is only as good as its key."""

MERCHANT_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""No ``:`` in a merchant id, so ``<merchant>:<order_id>`` can never be ambiguous."""
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{64}")
_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f]+")
_ORDER_ID_RE = re.compile(r"[!-~]+")

STATUS_BY_CODE: Mapping[str, int] = {
    RejectCode.INVALID_EVENT: 400,
    RejectCode.INVALID_AMOUNT: 400,
    RejectCode.UNKNOWN_MEMBER: 404,
    RejectCode.DUPLICATE_ORDER: 409,
    RejectCode.FROZEN: 409,
    RejectCode.INSUFFICIENT_POINTS: 409,
    RejectCode.DEDUCTION_LIMIT: 422,
    RejectCode.BUSY: 503,
}
"""Engine rejections as HTTP statuses.

409 when the member's *current state* refuses the order (frozen, too few
points, the order id already taken): the same request may succeed once the
state changes. 422 when the request itself breaks the plan (more points than
the order may take): it can never succeed as sent. Anything unlisted is 422.
"""


# -- replies ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status, JSON body and extra headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """A refused request: ``{"error": {"code", "message"[, "field"]}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field_name = field_name
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        error: dict[str, str] = {"code": self.code, "message": self.message}
        if self.field_name is not None:
            error["field"] = self.field_name
        return Reply(self.status, {"error": error}, self.headers)


def error_reply(status: int, code: str, message: str) -> Reply:
    return ApiError(status, code, message).reply()


# -- merchant configuration ------------------------------------------------------


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


# -- authentication ----------------------------------------------------------------


def sign(key: bytes | str, timestamp: str, body: bytes) -> str:
    """The ``X-Jifen-Signature`` value for ``body`` sent at ``timestamp``."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


_DECOY_KEY = secrets.token_bytes(32)
"""Unknown merchants are checked against this, so they cost as much as known ones."""


def authenticate(
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now_s: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Merchant:
    """The merchant that signed this request, or :class:`ApiError` (401, or 403 if refused).

    ``headers`` must have lower-case names (HTTP API v2 delivers them so).
    """
    merchant_id = headers.get(MERCHANT_HEADER, "").strip()
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not (merchant_id and timestamp and signature):
        raise ApiError(
            401,
            "missing_credentials",
            "X-Jifen-Merchant, X-Jifen-Timestamp and X-Jifen-Signature are required",
        )
    if not _TIMESTAMP_RE.fullmatch(timestamp) or abs(now_s - int(timestamp)) > tolerance_s:
        raise ApiError(
            401,
            "stale_request",
            f"X-Jifen-Timestamp must be Unix seconds within {tolerance_s}s of now",
        )
    key = directory.key_of(merchant_id)
    expected = sign(key if key is not None else _DECOY_KEY, timestamp, body)
    matches = hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("utf-8"))
    if key is None or not matches or not _SIGNATURE_RE.fullmatch(signature):
        raise ApiError(401, "bad_signature", "the signature does not match")
    refused = directory.refused.get(merchant_id)
    if refused is not None:
        raise ApiError(
            403,
            "merchant_refused",
            "this merchant's configuration is refused by the platform; contact the operator",
        )
    return directory.merchants[merchant_id]


# -- the order body -------------------------------------------------------------------


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


_AMOUNT_FIELDS = frozenset({"amount", "points"})


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
        message = _message(error)
        raise ApiError(400, code, f"{name}: {message}", field_name=name) from None


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "string_type":
        return 'must be a string (amounts are strings like "12.34")'
    return str(error["msg"]).removeprefix("Value error, ")


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "entry"
    return f"{name}: {_message(error)}"


# -- the use case ---------------------------------------------------------------------


def order_key(merchant: Merchant, order: OrderRequest) -> tuple[str, str]:
    """The ledger's order id and the event's idempotency key.

    The key carries a fingerprint of what the order says, so a resend of the
    same order replays its first result while a reused order id with other
    content is a ``duplicate_order``.
    """
    ledger_order = f"{merchant.merchant_id}:{order.order_id}"
    fingerprint = hashlib.sha256(
        json.dumps(
            [order.member, order.amount_cents, order.points_cents, order.category],
            ensure_ascii=False,
        ).encode("utf-8")
    ).hexdigest()[:24]
    return ledger_order, f"merchant:{ledger_order}#{fingerprint}"


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    reply: Reply
    replayed: bool = False
    rejected: str | None = None


def record_order(ledger: Ledger, merchant: Merchant, order: OrderRequest) -> OrderOutcome:
    """Record the order once: 201 with the purchase result, 200 replaying it, or 4xx."""
    ledger_order, key = order_key(merchant, order)
    recorded = ledger.store.get_order(ledger_order)
    if recorded is not None:
        recorded_key, result_text = recorded
        if recorded_key == key:
            first = _recorded(result_text)
            return OrderOutcome(Reply(200, _body(merchant, order, first)), True)
        return _rejected(
            Rejected(
                RejectCode.DUPLICATE_ORDER,
                f"order {order.order_id!r} was already recorded with different content",
            )
        )
    event = Purchase(
        member=order.member,
        order=ledger_order,
        amount=order.amount_cents,
        points=order.points_cents,
        category=order.category,
        rebate=merchant.rebate,
    )
    try:
        result = ledger.purchase(event, key)
    except Rejected as rejection:
        return _rejected(rejection)
    return OrderOutcome(Reply(201, _body(merchant, order, result)))


def _recorded(result_text: str) -> PurchaseResult:
    record = json.loads(result_text)
    if not isinstance(record, dict):
        raise RecordError("the recorded order's result is not a JSON object")
    return PurchaseResult.from_record(record)


def _body(merchant: Merchant, order: OrderRequest, result: PurchaseResult) -> dict[str, Any]:
    """The API's answer: the order as recorded, amounts as decimal strings like the request's."""
    return {
        "merchant": merchant.merchant_id,
        "order_id": order.order_id,
        "order": result.order,
        "member": result.member,
        "amount": format_cents(result.amount),
        "points_spent": format_cents(result.points_spent),
        "cash": format_cents(result.cash),
        "granted": format_cents(result.granted),
        "daily": format_cents(result.daily),
        "locked": result.locked,
        "tier": result.tier,
        "reserve_added": format_cents(result.reserve_added),
        "commissions": [[paid.member, format_cents(paid.amount)] for paid in result.commissions],
    }


def _rejected(rejection: Rejected) -> OrderOutcome:
    status = STATUS_BY_CODE.get(rejection.code, 422)
    headers = {"retry-after": "1"} if status == 503 else {}
    reply = ApiError(status, str(rejection.code), rejection.message, headers=headers).reply()
    return OrderOutcome(reply, rejected=str(rejection.code))


def place_order(
    ledger: Ledger,
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now_s: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> tuple[OrderOutcome, str | None]:
    """The whole request: authenticate, validate, record. Returns the outcome and merchant."""
    if len(body) > MAX_BODY_BYTES:
        return OrderOutcome(
            error_reply(413, "payload_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes"),
            rejected="payload_too_large",
        ), None
    try:
        merchant = authenticate(directory, headers, body, now_s=now_s, tolerance_s=tolerance_s)
    except ApiError as error:
        return OrderOutcome(error.reply(), rejected=error.code), None
    try:
        order = parse_order(body)
    except ApiError as error:
        return OrderOutcome(error.reply(), rejected=error.code), merchant.merchant_id
    return record_order(ledger, merchant, order), merchant.merchant_id
