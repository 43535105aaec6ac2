"""A merchant refunds one of its orders (economics, issue 12): ``POST /orders/{id}/refund``.

Signed exactly like an order. The signature covers the timestamp and the body only, so
the body must name the order again (``{"order_id": "1001"}``) and match the path: a
signed refund of one order cannot be replayed against another. A merchant can refund
only its own orders (the ledger order is ``<merchant>:<order_id>``). The refund is keyed
``merchant-refund:<merchant>:<order_id>``: a resend answers 200 with the first result,
and the order is refunded at most once whatever the key (the ledger's ``REFUND#`` claim).

Answers: 201 refunded (``order_id``, ``cash``, ``points_returned``, ``voided``,
``clawed_back``, ``debt``, ``reserve_back``, ``commissions``), 200 a resend; 400
``invalid_json``/``invalid_event``; 401/403 as for orders; 404 ``unknown_order``; 409
``already_refunded``; 422 ``refund_window_closed``; 503 ``busy`` (a settlement is running).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from functions.rewards.errors import RejectCode, Rejected

from ..ledger import Ledger
from ..ledger.refunds import RefundResult, refund_fields
from .auth import DEFAULT_TOLERANCE_S
from .directory import Merchant, MerchantDirectory
from .orders import OrderOutcome, signed_by
from .replies import ApiError, Reply

_ORDER_ID_RE = re.compile(r"[!-~]{1,128}")
"""An order id as orders take it: visible ASCII, no spaces."""

REFUND_STATUS: Mapping[str, int] = {
    RejectCode.INVALID_EVENT: 400,
    RejectCode.UNKNOWN_ORDER: 404,
    RejectCode.ALREADY_REFUNDED: 409,
    RejectCode.REFUND_WINDOW_CLOSED: 422,
    RejectCode.BUSY: 503,
}
"""Engine rejections as HTTP statuses (anything unlisted is 422)."""


def refund_key(merchant: Merchant, order_id: str) -> tuple[str, str]:
    """The ledger's order id and the refund's idempotency key."""
    ledger_order = f"{merchant.merchant_id}:{order_id}"
    return ledger_order, f"merchant-refund:{ledger_order}"


def parse_refund(body: bytes, order_id: str) -> str:
    """The order id the signed body names; it must be the path's."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_json", "the body is not JSON") from None
    named = value.get("order_id") if isinstance(value, dict) else None
    if not isinstance(named, str) or not _ORDER_ID_RE.fullmatch(named):
        raise ApiError(
            400, str(RejectCode.INVALID_EVENT), "order_id is required", field_name="order_id"
        )
    if named != order_id:
        raise ApiError(
            400,
            str(RejectCode.INVALID_EVENT),
            "the body's order_id is not the order in the path",
            field_name="order_id",
        )
    return named


def record_refund(ledger: Ledger, merchant: Merchant, order_id: str) -> OrderOutcome:
    """Refund the order once: 201 with the result, 200 replaying it, or 4xx/503."""
    ledger_order, key = refund_key(merchant, order_id)
    replayed = ledger.store.stored_result(key) is not None
    try:
        result = ledger.refund(ledger_order, key, by=f"merchant:{merchant.merchant_id}")
    except Rejected as rejection:
        status = REFUND_STATUS.get(rejection.code, 422)
        headers = {"retry-after": "1"} if status == 503 else {}
        reply = ApiError(status, str(rejection.code), rejection.message, headers=headers).reply()
        return OrderOutcome(reply, rejected=str(rejection.code))
    return OrderOutcome(
        Reply(200 if replayed else 201, _body(merchant, order_id, result)), replayed
    )


def _body(merchant: Merchant, order_id: str, result: RefundResult) -> dict[str, Any]:
    return {"merchant": merchant.merchant_id, "order_id": order_id, **refund_fields(result)}


def place_refund(
    ledger: Ledger,
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    order_id: str,
    *,
    now_s: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> tuple[OrderOutcome, str | None]:
    """The whole request: authenticate, check the body names the path's order, refund."""
    merchant = signed_by(directory, headers, body, now_s=now_s, tolerance_s=tolerance_s)
    if isinstance(merchant, OrderOutcome):
        return merchant, None
    try:
        named = parse_refund(body, order_id)
    except ApiError as error:
        return OrderOutcome(error.reply(), rejected=error.code), merchant.merchant_id
    return record_refund(ledger, merchant, named), merchant.merchant_id
