"""Lambda entry point of the merchant order API (API Gateway HTTP API, payload v2).

``POST /orders`` records a paid order at a merchant for a member; the member
earns the merchant's rebate ratio of the order's cash as points (the plan's
``merchant:`` section bounds the ratio, release/reserve/commission apply as for
any purchase).

Request::

    POST /orders
    X-Jifen-Merchant: acme
    X-Jifen-Timestamp: 1767225600
    X-Jifen-Signature: hex(HMAC-SHA256(key, "1767225600" + "." + raw body))
    Content-Type: application/json

    {"order_id": "1001", "member": "alice", "amount": "200.00",
     "category": "food", "points": "10.00"}

``category`` and ``points`` (spent as deduction) are optional; amounts are
decimal strings with at most two places, never JSON numbers.

Responses (``application/json``):

* 201 — recorded: ``{"merchant": "acme", "order_id": "1001", "order": "acme:1001",
  "member": "alice", "amount": "200.00", "points_spent": "10.00", "cash": "190.00",
  "granted": "9.50", "daily": "0.00", "locked": false, "tier": null,
  "reserve_added": "0.00", "commissions": []}``
* 200 — the same order sent again: the first answer's body, unchanged.
* 400 ``invalid_json`` / ``invalid_event`` / ``invalid_amount`` with ``field``;
  401 ``missing_credentials`` / ``stale_request`` (more than 5 minutes off) /
  ``bad_signature`` (also an unknown merchant); 403 ``merchant_refused`` (the
  merchant's rebate is outside the plan's bounds); 404 ``unknown_member``;
  409 ``duplicate_order`` (the order id was used with other content),
  ``frozen``, ``insufficient_points``; 422 ``deduction_limit``; 413
  ``payload_too_large``; 503 ``busy`` / ``unavailable`` (retry).

``POST /orders/{order_id}/refund`` (economics, issue 12), signed the same way with the
body ``{"order_id": "1001"}``, refunds the whole order once: 201 with what was taken
back, 200 for a resend, 404 ``unknown_order``, 409 ``already_refunded``, 422
``refund_window_closed`` (see :mod:`functions.services.merchant.refunds`).

Every error is ``{"error": {"code": "...", "message": "..."[, "field": "..."]}}``.
The use case lives in :mod:`functions.services.merchant`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from functions.config import (
    ChainKeySettings,
    MerchantApiSettings,
    PlanSettings,
    ScheduleSettings,
    StoreSettings,
)
from functions.observability import logger, metrics, tracer
from functions.runtime import Runtime, container_runtime
from functions.services.merchant import (
    MerchantConfigError,
    MerchantDirectory,
    OrderOutcome,
    Reply,
    error_reply,
    load_merchants,
    place_order,
)
from functions.services.merchant.refunds import place_refund

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (
        StoreSettings,
        PlanSettings,
        MerchantApiSettings,
        ChainKeySettings,
        ScheduleSettings,  # the business date that picks the plan version
    ),
}
"""The settings each entry point reads (template.yaml must set their variables)."""

ROUTE = "/orders"
REFUND_ROUTE = re.compile(r"/orders/([^/]+)/refund/?$")
"""Economics (issue 12): ``POST /orders/{order_id}/refund`` (services/merchant/refunds.py)."""


def wall_clock_s() -> int:
    """Seconds since the epoch: the reference for the signature's freshness window."""
    return int(time.time())


def merchant_directory(runtime: Runtime) -> MerchantDirectory:
    """The configured merchants, re-validated only when the configuration text changes.

    The text comes from SSM (cached by Powertools for a few minutes, so a
    rotated key arrives without a redeploy) or, locally, ``JIFEN_MERCHANT_KEYS``.
    """
    config = runtime.settings.merchant_api
    text = runtime.secret_or(config.merchant_keys, config.merchant_keys_param)
    if text is None:
        raise MerchantConfigError(
            "no merchant configuration: set JIFEN_MERCHANT_KEYS_PARAM (or JIFEN_MERCHANT_KEYS)"
        )

    def build() -> MerchantDirectory:
        directory, notes = load_merchants(text, runtime.ledger.current_plan())
        for note in notes:
            logger.error("merchant configuration refused", extra={"problem": note})
        logger.info(
            "merchant configuration loaded",
            extra={"merchants": sorted(directory.merchants), "refused": sorted(directory.refused)},
        )
        return directory

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return runtime.per_version("merchant_api:directory", digest, build)


def _response(reply: Reply) -> dict[str, Any]:
    return {
        "statusCode": reply.status,
        "headers": {"content-type": "application/json", **reply.headers},
        "body": json.dumps(reply.body, ensure_ascii=False, sort_keys=True),
        "isBase64Encoded": False,
    }


def _raw_body(event: APIGatewayProxyEventV2Model) -> bytes:
    body = event.body if isinstance(event.body, str) else ""
    if event.isBase64Encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the body is not valid base64") from None
    return body.encode("utf-8")


def _routed(event: APIGatewayProxyEventV2Model) -> Reply | None:
    """None when this is ``POST /orders``; else the 404/405 to answer."""
    method = event.requestContext.http.method
    path = event.rawPath.rstrip("/")
    if event.routeKey == f"POST {ROUTE}" or (method == "POST" and path.endswith(ROUTE)):
        return None
    if path.endswith(ROUTE):
        reply = error_reply(405, "method_not_allowed", f"use POST {ROUTE}")
        return Reply(reply.status, reply.body, {"allow": "POST"})
    return error_reply(404, "not_found", f"no route {method} {event.rawPath}")


def _record_metrics(runtime: Runtime, outcome: OrderOutcome) -> None:
    if outcome.rejected is None:
        name = "MerchantOrdersReplayed" if outcome.replayed else "MerchantOrdersRecorded"
    elif outcome.reply.status in (401, 403):
        name = "MerchantAuthFailures"
    else:
        name = "MerchantOrdersRejected"
    runtime.metrics.add_metric(name, MetricUnit.Count, 1)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's entry (see :func:`handle`)."""
    return handle(container_runtime(), event, context)


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """``POST /orders``: a signed merchant order becomes a purchase (see the module doc)."""
    try:
        request = parse(event=event, model=APIGatewayProxyEventV2Model)
    except ValidationError:
        return _refused(runtime, error_reply(400, "bad_request", "not an HTTP API (v2) request"))
    refund_of = _refund_route(request)  # economics (issue 12)
    misrouted = _routed(request) if refund_of is None else None
    if misrouted is not None:
        return _refused(runtime, misrouted)
    try:
        body = _raw_body(request)
    except ValueError as exc:
        return _refused(runtime, error_reply(400, "invalid_body", str(exc)))
    ledger = runtime.ledger
    unavailable = error_reply(503, "unavailable", "merchant orders are unavailable")
    try:
        directory = merchant_directory(runtime)
    except MerchantConfigError as exc:
        logger.error("merchant configuration unusable", extra={"problem": str(exc)})
        return _refused(runtime, unavailable)
    except Exception:  # SSM unreachable, parameter missing, bad settings: fail closed
        logger.exception("merchant configuration could not be read")
        return _refused(runtime, unavailable)
    headers: Mapping[str, str] = {name.lower(): value for name, value in request.headers.items()}
    if refund_of is not None:
        return _refund(runtime, directory, headers, body, refund_of)
    outcome, merchant = place_order(
        ledger,
        directory,
        headers,
        body,
        now_s=wall_clock_s(),
        tolerance_s=runtime.settings.merchant_api.signature_tolerance_s,
    )
    _record_metrics(runtime, outcome)
    logger.info(
        "merchant order",
        extra={
            "merchant": merchant,
            "status": outcome.reply.status,
            "replayed": outcome.replayed,
            "rejected": outcome.rejected,
        },
    )
    return _response(outcome.reply)


def _refused(runtime: Runtime, reply: Reply) -> dict[str, Any]:
    """A request refused before any merchant is known (malformed, misrouted, unavailable)."""
    runtime.metrics.add_metric("MerchantRequestsRefused", MetricUnit.Count, 1)
    logger.warning("merchant request refused", extra={"status": reply.status, "body": reply.body})
    return _response(reply)


# -- economics (issue 12): refunds ------------------------------------------------------
def _refund_route(event: APIGatewayProxyEventV2Model) -> str | None:
    """The order id of ``POST /orders/{order_id}/refund``, else None."""
    if event.requestContext.http.method != "POST":
        return None
    found = REFUND_ROUTE.search(event.rawPath)
    return urllib.parse.unquote(found.group(1)) if found else None


def _refund(
    runtime: Runtime,
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    order_id: str,
) -> dict[str, Any]:
    outcome, merchant = place_refund(
        runtime.ledger,
        directory,
        headers,
        body,
        order_id,
        now_s=wall_clock_s(),
        tolerance_s=runtime.settings.merchant_api.signature_tolerance_s,
    )
    if outcome.rejected is None:
        name = "MerchantRefundsReplayed" if outcome.replayed else "MerchantRefundsRecorded"
    else:
        name = "MerchantRefundsRejected"
    runtime.metrics.add_metric(name, MetricUnit.Count, 1)
    if outcome.rejected is None:
        _tell_the_buyer(runtime, outcome.reply.body)
    logger.info(
        "merchant refund",
        extra={
            "merchant": merchant,
            "status": outcome.reply.status,
            "replayed": outcome.replayed,
            "rejected": outcome.rejected,
        },
    )
    return _response(outcome.reply)


def _tell_the_buyer(runtime: Runtime, body: Mapping[str, Any]) -> None:
    """Queue the buyer's refund notice (a resend queues it again: the sender tells once).

    The refund stands whatever happens here; a notice that cannot be queued is logged,
    and the member sees the refund in their history and balance.
    """
    notice = {
        "kind": "refund",
        "member": body["member"],
        "order": body["order"],
        "cash": body["cash"],
        "debt": body["debt"],
    }
    try:
        runtime.queue.send([notice])
    except Exception:
        logger.exception("refund notice not queued", extra={"order": body["order"]})
