"""The notification sender: rate limits, Telegram over HTTP, at-most-once delivery.

The rate limiter is tested alone with a fake clock (no network). Everything
else runs the real handler (or the service) against the local Telegram Bot
API server (``tests/support/botapi_server.py``) over HTTP and the session's
local DynamoDB, with SQS events shaped as Lambda receives them; the handler
runs on a runtime built from the settings the template gives the function.

Members: alice (chat 1001, English), bob (chat 1002, Chinese), carol (no
Telegram chat yet).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.texts.notices import renderer
from functions.handlers import notifications
from functions.rewards.events import Join, Purchase
from functions.rewards.money import format_cents, parse_cents
from functions.runtime import CountingMetrics, Runtime
from functions.services.notifications import (
    CLAIM_LEASE_S,
    NS_PER_S,
    Notifier,
    Outcome,
    RateLimiter,
    RetryLater,
    SettlementNotice,
)
from functions.services.settlement import run_settlement
from functions.services.telegram_api import DeliveryUnknown, MessageSender, TelegramBotApi
from functions.store.ops_store import DeliveryState
from functions.store.ports import DeliveryLogPort, LedgerPort
from local import lambda_fakes
from tests.support.botapi_server import BotApiServer, RecordedCall

from .lambda_env import handler_runtime

DATE = "2026-01-01"
ALICE_CHAT, BOB_CHAT = 1001, 1002


# -- the rate limiter, with a fake clock ----------------------------------------------------


@dataclass
class FakeClock:
    """Monotonic nanoseconds that only move when someone sleeps."""

    now_ns: int = 0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> int:
        return self.now_ns

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_ns += max(1, round(seconds * NS_PER_S))


def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter(25, 1, clock_ns=clock, sleep=clock.sleep)


def most_in_one_second(times_ns: list[int]) -> int:
    """The largest number of events inside any half-open one-second window."""
    return max(
        sum(1 for other in times_ns if start <= other < start + NS_PER_S) for start in times_ns
    )


def test_limiter_keeps_under_25_messages_per_second_overall() -> None:
    # Given a limiter at 25/s and 100 messages to 100 different chats
    clock = FakeClock()
    limits = limiter(clock)
    sent: list[int] = []
    # When each is sent as soon as the limiter allows
    for chat in range(100):
        assert limits.acquire(chat)
        sent.append(clock.now_ns)
    # Then no second ever holds more than 25, and they go out evenly every 40 ms
    assert most_in_one_second(sent) == 25
    assert sent[:3] == [0, 40_000_000, 80_000_000]
    assert sent[-1] == 99 * 40_000_000


def test_limiter_keeps_one_message_per_second_per_chat() -> None:
    # Given a limiter and two chats, the first getting three messages in a row
    clock = FakeClock()
    limits = limiter(clock)
    sent: list[tuple[int, int]] = []
    # When chat 1, 1, 2, 1 are sent
    for chat in (1, 1, 2, 1):
        assert limits.acquire(chat)
        sent.append((chat, clock.now_ns))
    # Then chat 1 waits a full second between its messages; chat 2 only the 40 ms spacing
    assert sent == [(1, 0), (1, NS_PER_S), (2, NS_PER_S + 40_000_000), (1, 2 * NS_PER_S)]


def test_limiter_refuses_a_wait_beyond_the_deadline_without_taking_a_slot() -> None:
    # Given chat 7 just got a message
    clock = FakeClock()
    limits = limiter(clock)
    assert limits.acquire(7)
    # When another for chat 7 must go out within half a second
    allowed = limits.acquire(7, deadline_ns=NS_PER_S // 2)
    # Then the limiter says no at once (no sleeping), and nothing was consumed
    assert not allowed
    assert clock.slept == []
    assert limits.acquire(8)
    assert clock.now_ns == 40_000_000


def test_limiter_pause_holds_every_chat() -> None:
    # Given Telegram asked us to wait 3 s
    clock = FakeClock()
    limits = limiter(clock)
    limits.pause(3)
    # When any chat wants to send
    assert limits.acquire(42)
    # Then it went out only after the pause
    assert clock.now_ns == 3 * NS_PER_S


# -- the handler, with the local Bot API server -----------------------------------------------


def context(remaining_ms: int = 60_000) -> Any:
    """What Powertools and the handler read from the Lambda context."""
    return lambda_fakes.LambdaContext("jifen-test-notifications", remaining_ms=remaining_ms)


def sqs_event(*bodies: dict[str, Any] | str) -> dict[str, Any]:
    """An SQS batch as Lambda delivers it (a str body is sent as it is)."""
    return lambda_fakes.sqs_event(bodies)


def settlement(member: str, date: str = DATE, **figures: Any) -> dict[str, Any]:
    statement = {
        "static": "36.00",
        "share": ["18.00", "0.00"],
        "team": "0.00",
        "peer": "0.00",
        "paid": "18.00",
        "forfeited": "0.00",
        **figures,
    }
    return {
        "id": f"notify:{date}:{member}",
        "kind": "settlement",
        "date": date,
        "member": member,
        "statement": statement,
    }


def withdrawal(member: str, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "withdrawal",
        "member": member,
        "request_id": "a1b2c3d4e5f60718293a",
        "status": status,
        "points": "100.00",
        "net": "95.00",
        "fee": "5.00",
        **fields,
    }


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def ids(event: dict[str, Any]) -> list[str]:
    return [record["messageId"] for record in event["Records"]]


@dataclass
class Sender:
    server: BotApiServer
    runtime: Runtime
    """What the sender function runs on; a new one is a new container."""

    @property
    def store(self) -> LedgerPort:
        return self.runtime.ledger.store

    @property
    def log(self) -> DeliveryLogPort:
        return self.runtime.notification_log

    def handle(self, event: dict[str, Any], invocation: Any | None = None) -> dict[str, Any]:
        answer = notifications.handle(self.runtime, event, invocation or context())
        return dict(answer)

    def new_container(self) -> None:
        """The next invocation runs in a fresh container (a new limiter, no cached notifier)."""
        self.runtime = Runtime(self.runtime.settings)

    def sent(self, chat: int | None = None) -> list[RecordedCall]:
        return [
            call
            for call in self.server.requests("sendMessage")
            if call.ok and (chat is None or call.params["chat_id"] == chat)
        ]

    def attempts(self) -> list[RecordedCall]:
        return self.server.requests("sendMessage")


@pytest.fixture(scope="module")
def botapi() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


@pytest.fixture
def sender(
    botapi: BotApiServer, dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]
) -> Iterator[Sender]:
    """Given the settings the template sets, alice (en), bob (zh) and carol (no chat)."""
    runtime = handler_runtime(
        dynamodb_endpoint,
        dynamodb_table,
        "infra/plans/dividend.yaml",
        notification={"bot_token": botapi.token, "telegram_api_url": botapi.url},
    )
    botapi.clear()
    ledger = runtime.ledger
    ledger.join(Join("alice"), "j:alice", profile={"telegram_id": ALICE_CHAT, "language": "en"})
    ledger.join(Join("bob"), "j:bob", profile={"telegram_id": BOB_CHAT, "language": "zh-hans"})
    ledger.join(Join("carol"), "j:carol")
    built = Sender(botapi, runtime)
    yield built
    built.runtime.close()


def test_settlement_batch_is_sent_localized_and_members_without_chat_are_skipped(
    sender: Sender,
) -> None:
    # Given a settlement batch for alice (English), bob (Chinese) and carol (no Telegram chat)
    event = sqs_event(settlement("alice"), settlement("bob", team="4.00"), settlement("carol"))
    # When the sender handles it
    response = sender.handle(event)
    # Then alice and bob got one message each, in their language; carol is no failure
    assert failed_ids(response) == []
    [to_alice] = sender.sent(ALICE_CHAT)
    [to_bob] = sender.sent(BOB_CHAT)
    assert to_alice.params["text"] == (
        "📊 Settlement of 2026-01-01: +54.00 points credited\n"
        "• Daily release of your locked points: +36.00\n"
        "• Share from your generation 1: +18.00"
    )
    assert to_bob.params["text"] == (
        "📊 2026-01-01 结算：入账 +54.00 积分\n"
        "• 锁定积分每日释放：+36.00\n"
        "• 第 1 代分享收益：+18.00\n"
        "• 团队奖励：+4.00"
    )
    assert len(sender.attempts()) == 2


def test_one_members_failed_send_reports_only_that_item(sender: Sender) -> None:
    # Given Telegram answers the next sendMessage with a 500
    sender.server.fail_next("sendMessage", error_code=500)
    event = sqs_event(settlement("alice"), settlement("bob"))
    # When the batch (alice first) is handled
    response = sender.handle(event)
    # Then only alice's record is reported for redelivery; bob got his message
    assert failed_ids(response) == [ids(event)[0]]
    assert sender.sent(ALICE_CHAT) == []
    assert len(sender.sent(BOB_CHAT)) == 1
    # And when SQS redelivers the whole batch, alice gets hers and bob nothing more
    again = sender.handle(sqs_event(settlement("alice"), settlement("bob")))
    assert failed_ids(again) == []
    assert len(sender.sent(ALICE_CHAT)) == 1
    assert len(sender.sent(BOB_CHAT)) == 1


def test_429_retry_after_is_honoured(sender: Sender) -> None:
    # Given Telegram answers the next sendMessage with 429, retry_after 1
    sender.server.fail_next("sendMessage", error_code=429, retry_after=1)
    # When alice's notice is handled
    response = sender.handle(sqs_event(settlement("alice")))
    # Then the sender waited at least the second asked for, then sent exactly once
    assert failed_ids(response) == []
    refused, delivered = sender.attempts()
    assert refused.error is not None
    assert refused.error["error_code"] == 429
    assert delivered.ok
    assert delivered.at - refused.at >= 1.0
    assert len(sender.sent(ALICE_CHAT)) == 1


def test_429_longer_than_the_time_left_fails_the_item_for_later(sender: Sender) -> None:
    # Given an invocation with 15 s left and Telegram asking to wait 30 s
    sender.server.fail_next("sendMessage", error_code=429, retry_after=30)
    event = sqs_event(settlement("alice"))
    # When alice's notice is handled
    response = sender.handle(event, context(remaining_ms=15_000))
    # Then the item is reported (SQS redelivers it later) and nothing was sent
    assert failed_ids(response) == ids(event)
    assert sender.sent() == []
    # And the claim was released: a later delivery (limiter reset, as in a new container) sends
    sender.new_container()
    assert failed_ids(sender.handle(sqs_event(settlement("alice")))) == []
    assert len(sender.sent(ALICE_CHAT)) == 1


def test_same_member_and_date_is_sent_once(sender: Sender) -> None:
    # Given the same settlement notice twice in one batch (a retried settlement page)
    first = sender.handle(sqs_event(settlement("alice"), settlement("alice")))
    # When it arrives once more in a later batch
    second = sender.handle(sqs_event(settlement("alice")))
    # Then alice got exactly one message and nothing was reported failed
    assert failed_ids(first) == failed_ids(second) == []
    assert len(sender.sent(ALICE_CHAT)) == 1
    record = sender.log.get(f"notify:settlement:{DATE}:alice")
    assert record is not None
    assert record.state is DeliveryState.SENT
    # And the next day is a new notice
    sender.handle(sqs_event(settlement("alice", date="2026-01-02")))
    assert len(sender.sent(ALICE_CHAT)) == 2


def test_withdrawal_status_updates(sender: Sender) -> None:
    # Given bob's withdrawal approved, then paid (and the approval redelivered)
    event = sqs_event(
        withdrawal("bob", "approved"), withdrawal("bob", "paid"), withdrawal("bob", "approved")
    )
    # When they are handled
    response = sender.handle(event)
    # Then bob hears of each status once, in Chinese
    assert failed_ids(response) == []
    assert [call.params["text"] for call in sender.sent(BOB_CHAT)] == [
        "✅ 提现 W-A1B2C3D4 已批准：100.00 积分，将打款 ¥95.00（手续费 ¥5.00），下一个工作日到账。",
        "💰 提现 W-A1B2C3D4 已打款：¥95.00。",
    ]


def test_rejected_withdrawal_carries_the_reason(sender: Sender) -> None:
    sender.handle(sqs_event(withdrawal("alice", "rejected", reason="bank details missing")))
    [call] = sender.sent(ALICE_CHAT)
    assert call.params["text"] == (
        "❌ Withdrawal W-A1B2C3D4 declined: 100.00 points are back in your account.\n"
        "Reason: bank details missing"
    )


def test_a_merchants_refund_is_told_once_with_its_debt(sender: Sender) -> None:
    # Given a merchant's refund of bob's order queued twice (the refund and its resend)
    notice = {
        "kind": "refund",
        "member": "bob",
        "order": "acme:1001",
        "cash": "200.00",
        "debt": "12.50",
    }
    # When they are handled
    response = sender.handle(sqs_event(notice, notice))
    # Then bob hears of it once, in Chinese, with the debt the refund left
    assert failed_ids(response) == []
    [call] = sender.sent(BOB_CHAT)
    assert call.params["text"] == (
        "订单 acme:1001 退款：¥200.00\n您因订单退款欠 12.50 积分，新获得的积分会先用于抵扣。"
    )


def test_blocked_bot_is_not_retried(sender: Sender) -> None:
    # Given alice blocked the bot (Telegram answers 403)
    sender.server.fail_next("sendMessage", error_code=403)
    # When her notice is handled, then redelivered
    first = sender.handle(sqs_event(settlement("alice")))
    second = sender.handle(sqs_event(settlement("alice")))
    # Then neither is a failure and Telegram was asked only once
    assert failed_ids(first) == failed_ids(second) == []
    assert len(sender.attempts()) == 1
    record = sender.log.get(f"notify:settlement:{DATE}:alice")
    assert record is not None
    assert record.state is DeliveryState.UNDELIVERABLE


def test_bodies_that_are_not_notices_are_reported(sender: Sender) -> None:
    # Given a batch with garbage, a notice with a float amount and a good one
    bad_amount = settlement("alice", static=36.5)
    event = sqs_event("not json", bad_amount, settlement("bob"))
    # When handled
    response = sender.handle(event)
    # Then the two bad records are reported (they end in the dead-letter queue); bob is served
    assert failed_ids(response) == ids(event)[:2]
    assert len(sender.sent(BOB_CHAT)) == 1
    assert sender.sent(ALICE_CHAT) == []


def test_unknown_members_and_empty_statements_send_nothing(sender: Sender) -> None:
    zero: dict[str, Any] = {"static": "0.00", "share": [], "paid": "0.00"}
    response = sender.handle(sqs_event(settlement("nobody"), settlement("alice", **zero)))
    assert failed_ids(response) == []
    assert sender.attempts() == []


def test_a_live_claim_defers_and_a_crashed_one_counts_as_sent(sender: Sender) -> None:
    # Given a sender that claimed alice's notice just now (it may still be sending),
    # and one that claimed bob's long ago and crashed before recording the outcome
    log = sender.log
    now = notifications.notifier(sender.runtime).clock_s()
    log.claim(f"notify:settlement:{DATE}:alice", token="other", at_s=now)
    log.claim(f"notify:settlement:{DATE}:bob", token="crashed", at_s=now - CLAIM_LEASE_S - 1)
    event = sqs_event(settlement("alice"), settlement("bob"))
    # When both notices are handled
    response = sender.handle(event)
    # Then alice's is retried later (the live sender may fail and release it) and bob's is
    # treated as handled: at most once, never a second message
    assert failed_ids(response) == [ids(event)[0]]
    assert sender.attempts() == []
    service = notifier(sender, UnansweredTelegram(), limiter(FakeClock()))
    bob_notice = SettlementNotice.model_validate(settlement("bob"))
    assert service.deliver(bob_notice, 60 * NS_PER_S) is Outcome.ABANDONED


# -- the service, with a fake clock ------------------------------------------------------------


def notifier(
    sender: Sender, telegram: MessageSender, limits: RateLimiter, **options: Any
) -> Notifier:
    """The service alone on the sender's table, with the bot's catalogs."""
    return Notifier(sender.store, sender.log, telegram, renderer(), limits, **options)


class UnansweredTelegram:
    """A Bot API whose answer never arrives (the connection drops after the request)."""

    def __init__(self) -> None:
        self.calls = 0

    def send_message(self, chat_id: int, text: str) -> int | None:
        self.calls += 1
        raise DeliveryUnknown("ReadTimeout")


def test_unanswered_request_is_never_resent(sender: Sender) -> None:
    # Given Telegram may have received the request but no answer came back
    telegram = UnansweredTelegram()
    clock = FakeClock()
    service = notifier(sender, telegram, limiter(clock))
    notice = SettlementNotice.model_validate(settlement("alice"))
    # When the notice is delivered, then delivered again
    first = service.deliver(notice, deadline_ns=60 * NS_PER_S)
    second = service.deliver(notice, deadline_ns=60 * NS_PER_S)
    # Then it was tried once, recorded as unknown, and not resent (at most once)
    assert (first, second) == (Outcome.UNCONFIRMED, Outcome.DUPLICATE)
    assert telegram.calls == 1


def test_rate_limit_wait_beyond_the_deadline_defers_without_claiming(sender: Sender) -> None:
    # Given alice just got a message (her chat is limited to 1/s) and little time is left
    clock = FakeClock()
    telegram = TelegramBotApi(sender.server.token, sender.server.url)
    service = notifier(sender, telegram, limiter(clock), send_budget_ns=0)
    service.deliver(SettlementNotice.model_validate(settlement("alice")), 60 * NS_PER_S)
    tomorrow = SettlementNotice.model_validate(settlement("alice", date="2026-01-02"))
    # When another notice for her must be done within half a second
    with pytest.raises(RetryLater):
        service.deliver(tomorrow, deadline_ns=NS_PER_S // 2)
    # Then nothing was claimed, so a later attempt sends it
    assert sender.log.get(tomorrow.key) is None
    assert service.deliver(tomorrow, deadline_ns=60 * NS_PER_S) is Outcome.SENT
    assert len(sender.sent(ALICE_CHAT)) == 2


def test_operator_alerts_reach_every_operator_once(
    botapi: BotApiServer, dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]
) -> None:
    # Given two operators configured for the sender, and a blocked settlement's alert
    runtime = handler_runtime(
        dynamodb_endpoint,
        dynamodb_table,
        "infra/plans/dividend.yaml",
        notification={
            "bot_token": botapi.token,
            "telegram_api_url": botapi.url,
            "notify_operator_ids": "790000001,790000002",
        },
    )
    botapi.clear()
    sender = Sender(botapi, runtime)
    alert = {
        "kind": "operator",
        "event": "settlement_blocked",
        "date": "2026-01-02",
        "detail": "2026-01-01",
    }
    # When it is handled, and delivered again by SQS
    first = sender.handle(sqs_event(alert))
    again = sender.handle(sqs_event(alert))
    # Then each operator got it once, in the configured language
    assert failed_ids(first) == failed_ids(again) == []
    for chat in (790_000_001, 790_000_002):
        [call] = sender.sent(chat)
        assert call.params["text"].startswith("⚠️ 2026-01-02 的结算未能执行（受阻于 2026-01-01）。")
    runtime.close()


# -- issue 16: stale statements, weekly digests ------------------------------------------------


def test_a_statement_queued_over_a_day_ago_is_dropped_as_stale_and_counted(
    sender: Sender,
) -> None:
    # Given alice's statement queued 24 h and a second ago, and bob's queued a minute ago
    now = int(time.time())
    old = {**settlement("alice"), "queued_at": now - 24 * 3600 - 1}
    fresh = {**settlement("bob"), "queued_at": now - 60}
    # When the sender handles both
    response = sender.handle(sqs_event(old, fresh))
    # Then alice's is dropped (not sent, not retried: the Mini App shows it), bob's is sent
    assert failed_ids(response) == []
    assert sender.sent(ALICE_CHAT) == []
    assert len(sender.sent(BOB_CHAT)) == 1
    assert sender.log.get(SettlementNotice.model_validate(old).key) is None
    metrics = sender.runtime.metrics
    assert isinstance(metrics, CountingMetrics)
    assert metrics.totals["NotificationsStale"] == 1


def test_a_statement_queued_before_issue_16_goes_stale_by_the_queues_send_time(
    sender: Sender,
) -> None:
    # Given a statement without queued_at that SQS has held for two days
    event = sqs_event(settlement("alice"))
    two_days_ago_ms = int((time.time() - 2 * 24 * 3600) * 1000)
    event["Records"][0]["attributes"]["SentTimestamp"] = str(two_days_ago_ms)
    # When the sender handles it
    response = sender.handle(event)
    # Then it is dropped as stale
    assert failed_ids(response) == []
    assert sender.sent(ALICE_CHAT) == []


def test_a_digest_sums_the_members_week_from_its_journal_and_links_to_the_mini_app(
    sender: Sender,
) -> None:
    # Given alice bought points and was settled on three days, two inside the week
    # that ends on 2026-01-09 and one before it
    ledger = sender.runtime.ledger
    ledger.purchase(Purchase("alice", "order-alice", 300_000), "order:alice")
    for date in ("2026-01-02", "2026-01-03", "2026-01-09"):
        run_settlement(ledger, date)
    week = [
        entry
        for entry in ledger.store.journal("alice")
        if entry.kind == "settlement" and json.loads(entry.details)["date"] >= "2026-01-03"
    ]
    credited = sum(
        parse_cents(json.loads(entry.details)[part])
        for entry in week
        for part in ("static", "paid")
    )
    assert len(week) == 2
    assert credited > 0
    # When her digest of 2026-01-09 is handled by a sender that knows the web's URL
    sender.runtime = Runtime(
        sender.runtime.settings.replace(notification={"web_app_url": "https://jifen.example"})
    )
    digest = {"kind": "digest", "date": "2026-01-09", "member": "alice", "queued_at": None}
    response = sender.handle(sqs_event(digest))
    # Then she gets one message: the two settlements summed, and the Mini App's history
    assert failed_ids(response) == []
    [message] = sender.sent(ALICE_CHAT)
    lines = message.params["text"].splitlines()
    assert (
        lines[0]
        == f"🗓 Your week, 2026-01-03 – 2026-01-09: +{format_cents(credited)} points credited"
    )
    assert lines[1] == "• Settlements with a release: 2"
    assert (
        lines[-1] == "Every daily statement is in the Mini App: https://jifen.example/app/history"
    )
    # And a redelivery sends nothing more (one digest per member and date)
    sender.handle(sqs_event(digest))
    assert len(sender.sent(ALICE_CHAT)) == 1


def test_a_digest_of_a_week_without_settlements_is_not_sent(sender: Sender) -> None:
    # Given bob was never settled
    # When his digest is handled
    response = sender.handle(sqs_event({"kind": "digest", "date": "2026-01-09", "member": "bob"}))
    # Then nothing is sent, and nothing fails
    assert failed_ids(response) == []
    assert sender.sent(BOB_CHAT) == []
