"""The merchant order API handler, invoked with API Gateway HTTP API (v2) events.

DynamoDB is the session's local endpoint; the plan has a ``merchant:`` section
(rebates 3%–20%), a flat 0.30 grant that merchant orders must NOT use, half of
an order payable by points, and 5% commission to the referrer. Merchants:
``acme`` (5%), ``bistro`` (10%) and ``greedy`` (25%, outside the plan's bounds).
Requests go to ``merchant_api.handle`` with the runtime each test's fixture builds
from the settings template.yaml gives the function (keys as local JSON).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from moto import mock_aws

from bot.texts.notices import notice_text
from functions.handlers import merchant_api
from functions.rewards.events import Join
from functions.runtime import Runtime
from functions.services.ledger import Ledger
from functions.services.merchant import sign
from functions.services.notifications import RefundNotice
from functions.store.records import MemberRecord
from local.lambda_fakes import LambdaContext

from .lambda_env import handler_runtime

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
ACME_KEY = "acme-secret-key-0123456789abcdef"
BISTRO_KEY = "bistro-secret-key-0123456789abcd"
GREEDY_KEY = "greedy-secret-key-0123456789abcd"
MERCHANTS = {
    "acme": {"key": ACME_KEY, "rebate": "0.05"},
    "bistro": {"key": BISTRO_KEY, "rebate": "0.10"},
    "greedy": {"key": GREEDY_KEY, "rebate": "0.25"},
}
KEYS = {name: str(entry["key"]) for name, entry in MERCHANTS.items()}
PLAN = """
name: merchants
grant: {ratio: "0.30"}
deduction: {max_ratio: "0.50"}
commission:
  rates:
    - {default: "0.05"}
merchant: {min_rebate: "0.03", max_rebate: "0.20"}
"""


CONTEXT: Any = LambdaContext("jifen-test-merchant-api", remaining_ms=10_000)


class Function:
    """The merchant API function this module's requests go to (each fixture sets it)."""

    runtime: ClassVar[Runtime | None] = None


def http_event(
    body: bytes,
    headers: dict[str, str],
    *,
    base64_body: bool = False,
    method: str = "POST",
    path: str = "/orders",
) -> dict[str, Any]:
    """An HTTP API payload v2 event as API Gateway delivers it (header names lower-cased)."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}" if (method, path) == ("POST", "/orders") else "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "*/*",
            "content-length": str(len(body)),
            "content-type": "application/json",
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "acme-pos/2.1",
            "x-amzn-trace-id": "Root=1-67890abc-0123456789abcdef01234567",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **{name.lower(): value for name, value in headers.items()},
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "acme-pos/2.1",
            },
            "requestId": "Xyz0123456789=",
            "routeKey": "POST /orders",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": NOW * 1000,
        },
        "body": base64.b64encode(body).decode("ascii") if base64_body else body.decode("utf-8"),
        "isBase64Encoded": base64_body,
    }


def signed(
    order: dict[str, Any] | bytes,
    merchant: str = "acme",
    *,
    at: int = NOW,
    key: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = order if isinstance(order, bytes) else json.dumps(order).encode("utf-8")
    timestamp = str(at)
    return body, {
        "X-Jifen-Merchant": merchant,
        "X-Jifen-Timestamp": timestamp,
        "X-Jifen-Signature": sign(key or KEYS[merchant], timestamp, body),
    }


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def code(self) -> str:
        return str(self.body["error"]["code"])


def call(event: dict[str, Any]) -> Reply:
    assert Function.runtime is not None, "no function configured"
    response = merchant_api.handle(Function.runtime, event, CONTEXT)
    assert response["headers"]["content-type"] == "application/json"
    return Reply(response["statusCode"], json.loads(response["body"]), response["headers"])


def post(order: dict[str, Any] | bytes, merchant: str = "acme", **kwargs: Any) -> Reply:
    body, headers = signed(order, merchant, **kwargs)
    return call(http_event(body, headers))


def order(**fields: Any) -> dict[str, Any]:
    return {"order_id": "1001", "member": "alice", "amount": "200.00", **fields}


@pytest.fixture
def configure(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    plan_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Runtime]]:
    """Configures the function on the test's table and plan: ``configure(**merchant_api)``."""
    monkeypatch.setattr(merchant_api, "wall_clock_s", lambda: NOW)

    def make(**merchant_api_settings: Any) -> Runtime:
        Function.runtime = handler_runtime(
            dynamodb_endpoint,
            dynamodb_table,
            str(plan_path),
            merchant_api=merchant_api_settings,
        )
        return Function.runtime

    yield make
    Function.runtime = None


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "merchants.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def shop(configure: Callable[..., Runtime]) -> Ledger:
    """Given the settings the template sets (keys as local JSON), with bob ← alice joined."""
    ledger = configure(merchant_keys=json.dumps(MERCHANTS)).ledger
    ledger.join(Join("bob"), "join:bob")
    ledger.join(Join("alice", "bob"), "join:alice")
    return ledger


def member(ledger: Ledger, name: str) -> MemberRecord:
    record = ledger.store.get_member(name)
    assert record is not None
    return record


# -- accepted orders ----------------------------------------------------------------------


def test_signed_order_is_recorded_with_the_merchants_rebate(shop: Ledger) -> None:
    # Given alice (referred by bob) and acme at a 5% rebate
    # When acme posts a signed 200.00 order for alice
    reply = post(order(category="food"))
    # Then it is recorded: 5% of the cash as points (not the plan's 0.30), 5% commission to bob
    assert reply.status == 201
    assert reply.body == {
        "merchant": "acme",
        "order_id": "1001",
        "order": "acme:1001",
        "member": "alice",
        "amount": "200.00",
        "points_spent": "0.00",
        "cash": "200.00",
        "granted": "10.00",
        "daily": "0.00",
        "locked": False,
        "tier": None,
        "reserve_added": "0.00",
        "commissions": [["bob", "10.00"]],
    }
    assert member(shop, "alice").available == 10_00
    assert member(shop, "bob").commission == 10_00


def test_each_merchant_applies_its_own_rebate(shop: Ledger) -> None:
    # Given bistro at 10%
    # When bistro posts 123.45 for alice
    reply = post(order(order_id="B-7", amount="123.45"), "bistro")
    # Then alice earns floor(123.45 × 0.10) = 12.34
    assert reply.status == 201
    assert reply.body["granted"] == "12.34"
    assert reply.body["order"] == "bistro:B-7"


def test_points_deduction_reduces_the_cash_that_earns_the_rebate(shop: Ledger) -> None:
    # Given alice holds 10.00 points from a first order
    assert post(order()).status == 201
    # When she pays 10.00 of a 100.00 order with points
    reply = post(order(order_id="1002", amount="100.00", points="10.00"))
    # Then the rebate is on the 90.00 cash
    assert reply.status == 201
    assert (reply.body["points_spent"], reply.body["cash"], reply.body["granted"]) == (
        "10.00",
        "90.00",
        "4.50",
    )
    assert member(shop, "alice").available == 4_50


def test_base64_encoded_body_is_decoded_before_the_signature_check(shop: Ledger) -> None:
    # Given a body API Gateway delivers base64-encoded (signature over the raw bytes)
    body, headers = signed(order(member="alice", order_id="b64"))
    # When it arrives with isBase64Encoded
    reply = call(http_event(body, headers, base64_body=True))
    # Then it is accepted like any other
    assert reply.status == 201
    assert reply.body["order"] == "acme:b64"


def test_timestamp_within_five_minutes_is_accepted(shop: Ledger) -> None:
    # Given clocks 300 s apart either way
    # When orders are signed 300 s behind and ahead of ours
    behind = post(order(order_id="late"), at=NOW - 300)
    ahead = post(order(order_id="early"), at=NOW + 300)
    # Then both are accepted
    assert (behind.status, ahead.status) == (201, 201)


# -- idempotency ----------------------------------------------------------------------------


def test_duplicate_order_returns_the_first_result_and_changes_nothing(shop: Ledger) -> None:
    # Given an order already recorded
    first = post(order())
    before = member(shop, "alice")
    # When the till sends it again (a retry after a timeout), even with a newer timestamp
    again = post(order(), at=NOW + 5)
    # Then the answer is 200 with the very same body, and no points are granted twice
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert member(shop, "alice") == before


def test_same_order_id_with_other_content_is_a_duplicate_order(shop: Ledger) -> None:
    # Given order 1001 recorded for 200.00
    assert post(order()).status == 201
    # When order id 1001 arrives again for another amount
    reply = post(order(amount="999.00"))
    # Then it is refused as a conflict; the first order stands
    assert reply.status == 409
    assert reply.code == "duplicate_order"
    assert member(shop, "alice").available == 10_00


def test_order_ids_are_namespaced_by_merchant(shop: Ledger) -> None:
    # Given acme's order 1001
    assert post(order()).status == 201
    # When bistro sends its own order 1001
    reply = post(order(), "bistro")
    # Then it is a different order
    assert reply.status == 201
    assert reply.body["order"] == "bistro:1001"
    assert member(shop, "alice").available == 10_00 + 20_00


# -- authentication ---------------------------------------------------------------------------


def test_wrong_signature_is_refused(shop: Ledger) -> None:
    # Given a body signed with bistro's key but claiming to be acme
    body, headers = signed(order(), "acme", key=BISTRO_KEY)
    # When it arrives
    reply = call(http_event(body, headers))
    # Then 401, nothing recorded
    assert (reply.status, reply.code) == (401, "bad_signature")
    assert shop.store.get_order("acme:1001") is None


def test_tampered_body_is_refused(shop: Ledger) -> None:
    # Given a correctly signed order whose amount is changed in transit
    body, headers = signed(order())
    tampered = body.replace(b"200.00", b"900.00")
    # When it arrives
    reply = call(http_event(tampered, headers))
    # Then the signature no longer matches
    assert (reply.status, reply.code) == (401, "bad_signature")


def test_unknown_merchant_looks_like_a_bad_signature(shop: Ledger) -> None:
    # Given a merchant id nobody configured, signed with some key
    body, headers = signed(order(), "acme", key=ACME_KEY)
    headers["X-Jifen-Merchant"] = "nobody"
    # When it arrives
    reply = call(http_event(body, headers))
    # Then it is refused exactly like a wrong signature (no merchant enumeration)
    assert (reply.status, reply.code) == (401, "bad_signature")


@pytest.mark.parametrize("missing", ["X-Jifen-Merchant", "X-Jifen-Timestamp", "X-Jifen-Signature"])
def test_missing_credentials_are_refused(shop: Ledger, missing: str) -> None:
    body, headers = signed(order())
    del headers[missing]
    reply = call(http_event(body, headers))
    assert (reply.status, reply.code) == (401, "missing_credentials")


@pytest.mark.parametrize("skew", [-301, 301, -86_400])
def test_replays_outside_five_minutes_are_refused(shop: Ledger, skew: int) -> None:
    # Given a correctly signed request, captured and replayed later (or from a clock far ahead)
    # When its timestamp is more than 300 s from ours
    reply = post(order(), at=NOW + skew)
    # Then it is refused; nothing recorded
    assert (reply.status, reply.code) == (401, "stale_request")
    assert shop.store.get_order("acme:1001") is None


def test_non_numeric_timestamp_is_refused(shop: Ledger) -> None:
    body, headers = signed(order())
    headers["X-Jifen-Timestamp"] = "2026-01-01T00:00:00Z"
    reply = call(http_event(body, headers))
    assert (reply.status, reply.code) == (401, "stale_request")


def test_merchant_outside_the_plans_rebate_bounds_is_refused(
    shop: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    # Given greedy configured at 25% while the plan allows 3%..20%
    # When greedy sends a correctly signed order
    reply = post(order(), "greedy")
    # Then it is refused (403, it did authenticate) and the load logged why
    assert (reply.status, reply.code) == (403, "merchant_refused")
    refusals = [
        getattr(record, "problem", "")
        for record in caplog.records
        if record.getMessage() == "merchant configuration refused"
    ]
    assert refusals == [
        "merchant 'greedy' refused: rebate 0.25 is outside the plan's bounds 0.03..0.2"
    ]
    assert shop.store.get_order("greedy:1001") is None


# -- body validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"order_id": "1", "member": "alice"}, "invalid_amount", "amount"),
        ({"order_id": "1", "member": "alice", "amount": 12.5}, "invalid_amount", "amount"),
        ({"order_id": "1", "member": "alice", "amount": "12.345"}, "invalid_amount", "amount"),
        ({"order_id": "1", "member": "alice", "amount": "-5"}, "invalid_amount", "amount"),
        ({"order_id": "1", "member": "alice", "amount": "0"}, "invalid_amount", "amount"),
        (
            {"order_id": "1", "member": "alice", "amount": "5", "points": "1e3"},
            "invalid_amount",
            "points",
        ),
        ({"member": "alice", "amount": "5"}, "invalid_event", "order_id"),
        ({"order_id": "has space", "member": "alice", "amount": "5"}, "invalid_event", "order_id"),
        ({"order_id": "1", "member": "", "amount": "5"}, "invalid_event", "member"),
        ({"order_id": "1", "member": 7, "amount": "5"}, "invalid_event", "member"),
        (
            {"order_id": "1", "member": "alice", "amount": "5", "category": 3},
            "invalid_event",
            "category",
        ),
    ],
)
def test_body_errors_name_the_field(
    shop: Ledger, body: dict[str, Any], code: str, field: str
) -> None:
    # Given a correctly signed body with one bad field
    # When it arrives
    reply = post(body)
    # Then 400 names the field (and the message starts with it)
    assert reply.status == 400
    assert reply.body["error"]["code"] == code
    assert reply.body["error"]["field"] == field
    assert reply.body["error"]["message"].startswith(f"{field}: ")


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_body_that_is_not_a_json_object_is_refused(shop: Ledger, raw: bytes) -> None:
    reply = post(raw)
    assert (reply.status, reply.code) == (400, "invalid_json")


def test_invalid_base64_body_is_refused(shop: Ledger) -> None:
    body, headers = signed(order())
    event = http_event(body, headers)
    event.update(body="***not base64***", isBase64Encoded=True)
    reply = call(event)
    assert (reply.status, reply.code) == (400, "invalid_body")


# -- engine rejections ---------------------------------------------------------------------------


def test_unknown_member_is_404(shop: Ledger) -> None:
    reply = post(order(member="mallory"))
    assert (reply.status, reply.code) == (404, "unknown_member")
    assert shop.store.get_order("acme:1001") is None


def test_more_points_than_the_order_allows_is_422(shop: Ledger) -> None:
    # Given a plan letting points pay at most half an order
    # When 60.00 points are offered on a 100.00 order
    reply = post(order(amount="100.00", points="60.00"))
    # Then the request itself breaks the plan
    assert (reply.status, reply.code) == (422, "deduction_limit")


def test_points_beyond_the_balance_are_409(shop: Ledger) -> None:
    reply = post(order(amount="100.00", points="5.00"))
    assert (reply.status, reply.code) == (409, "insufficient_points")


def test_frozen_member_paying_with_points_is_409(shop: Ledger) -> None:
    # Given alice holds points but is frozen
    assert post(order()).status == 201
    shop.set_frozen("alice", True, "freeze:alice", operator="ops")
    # When she pays part of an order with points
    reply = post(order(order_id="1002", amount="100.00", points="5.00"))
    # Then the member's state refuses it
    assert (reply.status, reply.code) == (409, "frozen")


def test_rejected_order_can_be_sent_again_once_fixed(shop: Ledger) -> None:
    # Given an order refused for an unknown member (nothing recorded)
    assert post(order(member="carol")).status == 404
    # When carol joins and the till retries the same order
    shop.join(Join("carol"), "join:carol")
    reply = post(order(member="carol"))
    # Then it is recorded now
    assert reply.status == 201


# -- routing and configuration -------------------------------------------------------------------


def test_other_routes_are_not_served(shop: Ledger) -> None:
    body, headers = signed(order())
    wrong_method = call(http_event(body, headers, method="GET"))
    wrong_path = call(http_event(body, headers, path="/refunds"))
    assert (wrong_method.status, wrong_method.code) == (405, "method_not_allowed")
    assert wrong_method.headers["allow"] == "POST"
    assert (wrong_path.status, wrong_path.code) == (404, "not_found")


def test_malformed_event_is_a_bad_request(shop: Ledger) -> None:
    reply = call({"body": "{}"})
    assert (reply.status, reply.code) == (400, "bad_request")


def test_keys_come_from_an_ssm_securestring(
    configure: Callable[..., Runtime], dynamodb_table: tuple[Any, str]
) -> None:
    # Given the merchants' JSON in an SSM SecureString named by JIFEN_MERCHANT_KEYS_PARAM
    runtime = configure(merchant_keys_param="/jifen/test/merchant-keys")
    with mock_aws():
        ssm = boto3.client("ssm", region_name=dynamodb_table[0].meta.region_name)
        ssm.put_parameter(
            Name="/jifen/test/merchant-keys",
            Value=json.dumps({"acme": MERCHANTS["acme"]}),
            Type="SecureString",
        )
        runtime.ledger.join(Join("alice"), "join:alice")
        # When acme posts a signed order
        reply = post(order())
    # Then the key from SSM verified it
    assert reply.status == 201
    assert reply.body["granted"] == "10.00"


def test_missing_configuration_fails_closed(configure: Callable[..., Runtime]) -> None:
    # Given no merchant configuration at all
    configure()
    # When an order arrives
    reply = post(order())
    # Then the API says it is unavailable rather than guessing
    assert (reply.status, reply.code) == (503, "unavailable")


# -- refunds (economics, issue 12) ---------------------------------------------------------------


def refund(order_id: str = "1001", merchant: str = "acme", **body: Any) -> Reply:
    signed_body, headers = signed({"order_id": order_id, **body}, merchant)
    return call(http_event(signed_body, headers, path=f"/orders/{order_id}/refund"))


def test_signed_refund_takes_the_order_back_once(shop: Ledger) -> None:
    # Given acme recorded alice's 200.00 order (10 points to alice, 10 commission to bob)
    assert post(order()).status == 201
    # When acme posts a signed refund of it
    reply = refund()
    # Then it is refunded: the 10 points and bob's 10.00 commission are taken back
    assert reply.status == 201
    assert reply.body == {
        "merchant": "acme",
        "order_id": "1001",
        "order": "acme:1001",
        "member": "alice",
        "cash": "200.00",
        "points_returned": "0.00",
        "voided": "0.00",
        "clawed_back": "10.00",
        "debt": "0.00",
        "reserve_back": "0.00",
        "commissions": [{"member": "bob", "taken": "10.00", "debt": "0.00"}],
    }
    assert (member(shop, "alice").available, member(shop, "alice").personal_volume) == (0, 0)
    assert member(shop, "bob").commission == 0
    # And sent again it answers the first result; the order cannot be refunded twice
    again = refund()
    assert (again.status, again.body) == (200, reply.body)
    assert member(shop, "alice").clawed_back == 10_00


def test_a_merchant_refunds_only_its_own_known_orders(shop: Ledger) -> None:
    # Given acme's order 1001
    assert post(order()).status == 201
    # When bistro refunds "1001", or acme an order it never sent
    theirs, unknown = refund(merchant="bistro"), refund("2002")
    # Then both are unknown_order (404) and nothing changed
    assert (theirs.status, theirs.code) == (404, "unknown_order")
    assert (unknown.status, unknown.code) == (404, "unknown_order")
    assert member(shop, "alice").available == 10_00


def test_a_refund_body_must_name_the_paths_order(shop: Ledger) -> None:
    # Given acme's orders 1001 and 1002
    assert post(order()).status == 201
    assert post(order(order_id="1002")).status == 201
    # When a signed refund body for 1002 is sent to the path of 1001
    body, headers = signed({"order_id": "1002"})
    reply = call(http_event(body, headers, path="/orders/1001/refund"))
    # Then it is refused (a signature covers the body, not the path) and nothing changed
    assert (reply.status, reply.code) == (400, "invalid_event")
    assert member(shop, "alice").available == 20_00


def test_a_member_in_debt_after_a_refund_cannot_pay_with_points(shop: Ledger) -> None:
    # Given alice earned 10 points on order 1001 and spent 5 of them on order 1002
    assert post(order()).status == 201
    assert post(order(order_id="1002", amount="10.00", points="5.00")).status == 201
    # When order 1001 is refunded (alice has 5.25 left of the 10 granted: 0.25 from 1002)
    reply = refund()
    # Then what she lacks is debt, and paying with points is refused as in_debt (409)
    assert (reply.status, reply.body["debt"]) == (201, "4.75")
    refused = post(order(order_id="1003", amount="10.00", points="1.00"))
    assert (refused.status, refused.code) == (409, "in_debt")


class _KeptQueue:
    """The function's notification queue, keeping what it was given."""

    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.messages += messages
        return len(messages)


def test_a_merchant_refund_tells_the_buyer_through_the_notification_queue(shop: Ledger) -> None:
    # Given acme recorded alice's 200.00 order, and the function's notification queue
    kept = _KeptQueue()
    assert Function.runtime is not None
    Function.runtime.memo("queue", lambda: kept)
    assert post(order()).status == 201
    # When acme refunds it, sends the refund again, and refunds an order it never sent
    assert refund().status == 201
    assert refund().status == 200
    assert refund("9999").status == 404
    # Then alice's refund notice was queued for the refund and its resend, under one
    # delivery key (the sender tells her once), and nothing for the refused refund
    notices = [message for message in kept.messages if message["kind"] == "refund"]
    expected = {
        "kind": "refund",
        "member": "alice",
        "order": "acme:1001",
        "cash": "200.00",
        "debt": "0.00",
    }
    assert notices == [expected, expected]
    notice = RefundNotice.model_validate(notices[0])
    assert notice.key == "notify:refund:acme:1001"
    # And she reads it in her language
    assert notice_text(notice, "en") == "Refund of order acme:1001: ¥200.00"
