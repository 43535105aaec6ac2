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

:mod:`.directory` loads the merchants, :mod:`.auth` checks who signed,
:mod:`.parsing` validates the body, :mod:`.replies` shapes the answers and
:mod:`.orders` records the order.
"""

from __future__ import annotations

from .auth import (
    DEFAULT_TOLERANCE_S,
    MERCHANT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    authenticate,
    sign,
)
from .directory import (
    MERCHANT_ID_RE,
    MIN_KEY_CHARS,
    Merchant,
    MerchantConfigError,
    MerchantDirectory,
    RefusedMerchant,
    load_merchants,
)
from .orders import (
    MAX_BODY_BYTES,
    STATUS_BY_CODE,
    OrderOutcome,
    order_key,
    place_order,
    record_order,
)
from .parsing import OrderRequest, parse_order
from .replies import ApiError, Reply, error_reply

__all__ = [
    "DEFAULT_TOLERANCE_S",
    "MAX_BODY_BYTES",
    "MERCHANT_HEADER",
    "MERCHANT_ID_RE",
    "MIN_KEY_CHARS",
    "SIGNATURE_HEADER",
    "STATUS_BY_CODE",
    "TIMESTAMP_HEADER",
    "ApiError",
    "Merchant",
    "MerchantConfigError",
    "MerchantDirectory",
    "OrderOutcome",
    "OrderRequest",
    "RefusedMerchant",
    "Reply",
    "authenticate",
    "error_reply",
    "load_merchants",
    "order_key",
    "parse_order",
    "place_order",
    "record_order",
    "sign",
]
