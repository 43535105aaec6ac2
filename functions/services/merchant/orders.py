"""Recording a merchant's order once: a purchase with the merchant's rebate, as a reply."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Purchase

from ..ledger import Ledger
from ..results import PurchaseResult, RecordError, purchase_fields
from .auth import DEFAULT_TOLERANCE_S, authenticate
from .directory import Merchant, MerchantDirectory
from .parsing import OrderRequest, parse_order
from .replies import ApiError, Reply, error_reply

MAX_BODY_BYTES = 16 * 1024

STATUS_BY_CODE: Mapping[str, int] = {
    RejectCode.INVALID_EVENT: 400,
    RejectCode.INVALID_AMOUNT: 400,
    RejectCode.UNKNOWN_MEMBER: 404,
    RejectCode.DUPLICATE_ORDER: 409,
    RejectCode.FROZEN: 409,
    RejectCode.IN_DEBT: 409,  # economics (issue 12)
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
    return {"merchant": merchant.merchant_id, "order_id": order.order_id, **purchase_fields(result)}


def _rejected(rejection: Rejected) -> OrderOutcome:
    status = STATUS_BY_CODE.get(rejection.code, 422)
    headers = {"retry-after": "1"} if status == 503 else {}
    reply = ApiError(status, str(rejection.code), rejection.message, headers=headers).reply()
    return OrderOutcome(reply, rejected=str(rejection.code))


def signed_by(
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now_s: int,
    tolerance_s: int,
) -> Merchant | OrderOutcome:
    """The merchant a request's body is signed by, or the refusal (too large, bad
    signature) every merchant route answers before reading the body."""
    if len(body) > MAX_BODY_BYTES:
        return OrderOutcome(
            error_reply(413, "payload_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes"),
            rejected="payload_too_large",
        )
    try:
        return authenticate(directory, headers, body, now_s=now_s, tolerance_s=tolerance_s)
    except ApiError as error:
        return OrderOutcome(error.reply(), rejected=error.code)


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
    merchant = signed_by(directory, headers, body, now_s=now_s, tolerance_s=tolerance_s)
    if isinstance(merchant, OrderOutcome):
        return merchant, None
    try:
        order = parse_order(body)
    except ApiError as error:
        return OrderOutcome(error.reply(), rejected=error.code), merchant.merchant_id
    return record_order(ledger, merchant, order), merchant.merchant_id
