"""Settlement notifications within the date's budget (issue 16), on the embedded endpoint.

Twelve members in a binary referral tree, each with a Telegram chat and one 3,000 yuan
order under the demo plan, settled on one date in pages of four: ``apply_batch`` reserves
each page's messages in the date's budget before applying it, so the date never enqueues
more than the budget, a retried batch reuses its pages' reservations, and what does not
fit is the lowest priority, deferred and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import functions.services.settlement as settlement_service
import functions.services.settlement_compute as settlement_compute
import functions.services.settlement_fanout as fanout
from functions.rewards.events import Join, Purchase
from functions.runtime import Runtime
from functions.services.ledger import Ledger
from functions.services.notification_policy import NotificationRules, is_digest_day
from functions.services.settlement_compute import prepare_run
from functions.services.settlement_fanout import apply_batch
from functions.store.ledger_store import LedgerStore
from functions.store.notify_store import NotificationBudget, budget_key

from .lambda_env import handler_runtime

DATE = "2026-03-04"
NOW_S = 1_772_600_000


class RecordingQueue:
    """The notification queue, kept in memory."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.messages.extend(dict(message) for message in messages)
        return len(messages)

    def take(self) -> list[dict[str, Any]]:
        taken, self.messages = self.messages, []
        return taken


@dataclass
class Day:
    runtime: Runtime
    ledger: Ledger
    budget: NotificationBudget
    queue: RecordingQueue
    names: list[str]

    def apply(self, rules: NotificationRules, first: int = 0, count: int = 3) -> Any:
        return apply_batch(
            self.ledger, DATE, first, count, self.queue, rules=rules, budget=self.budget
        )


@pytest.fixture
def day(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Day]:
    """Given twelve members with chats, the date computed into three pages of four."""
    monkeypatch.setattr(settlement_compute, "PAGE_SIZE", 4)
    runtime = handler_runtime(dynamodb_endpoint, dynamodb_table, "infra/plans/demo.yaml")
    ledger = runtime.ledger
    names = [f"m{index:02d}" for index in range(12)]
    for index, name in enumerate(names):
        referrer = names[(index - 1) // 2] if index else None
        ledger.join(Join(name, referrer), f"join:{name}", profile={"telegram_id": 500 + index})
        ledger.purchase(Purchase(name, f"order-{name}", 300_000), f"order:{name}")
    run = prepare_run(ledger, DATE)
    assert run is not None
    assert int(run.pages) == 3
    store = ledger.store
    assert isinstance(store, LedgerStore)
    yield Day(
        runtime, ledger, NotificationBudget(store.table, lambda: NOW_S), RecordingQueue(), names
    )
    runtime.close()


def test_a_date_enqueues_at_most_its_budget_and_counts_the_rest_as_deferred(day: Day) -> None:
    # Given every release worth telling and a budget of 8 messages for the date
    rules = NotificationRules(daily_budget=8, release_threshold_bp=1)
    # When the date's three pages are applied
    outcome = day.apply(rules)
    # Then all twelve are settled, eight are told, four deferred, and the counter says 8
    assert outcome.members_applied == 12
    messages = day.queue.take()
    assert len(messages) == outcome.notifications == 8
    assert outcome.deferred == 4
    assert day.budget.used(DATE) == 8
    assert len({message["member"] for message in messages}) == 8
    assert all(message["queued_at"] == NOW_S for message in messages)


def test_a_retried_batch_reuses_its_reservations_and_never_counts_the_budget_twice(
    day: Day,
) -> None:
    # Given a budget of 10 and the batch applied once
    rules = NotificationRules(daily_budget=10, release_threshold_bp=1)
    first = day.apply(rules)
    told = day.queue.take()
    # When Step Functions retries the same batch
    again = day.apply(rules)
    # Then nobody is settled again, the counter has not moved, the same messages go out
    # again (the sender dedupes them) and the deferrals are not reported twice
    assert (first.members_applied, again.members_applied) == (12, 0)
    assert day.budget.used(DATE) == 10
    assert day.queue.take() == told
    assert (first.deferred, again.deferred) == (2, 0)


def test_a_crash_between_a_pages_reservation_and_its_application_converges(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the function dies applying the second page, after reserving its messages
    rules = NotificationRules(daily_budget=100, release_threshold_bp=1)
    real_apply_page = settlement_service.apply_page

    def dying(ledger: Ledger, run: Any, page: Any, results: Any, read: Any = None) -> int:
        if page.page == 1:
            raise RuntimeError("Task timed out")
        return real_apply_page(ledger, run, page, results, read)

    monkeypatch.setattr(fanout, "apply_page", dying)
    with pytest.raises(RuntimeError, match="timed out"):
        day.apply(rules)
    assert day.budget.used(DATE) == 8  # pages 0 and 1 reserved, page 1 not applied
    # When the batch is retried with the fault gone
    monkeypatch.setattr(fanout, "apply_page", real_apply_page)
    retried = day.apply(rules)
    # Then the date counted each member once and every member is told exactly once
    assert retried.members_applied == 8
    assert day.budget.used(DATE) == 12
    members = Counter(message["member"] for message in day.queue.take())
    assert set(members) == set(day.names)
    assert members[day.names[0]] == 2  # page 0's messages went out before the crash too


@pytest.mark.parametrize(
    ("budget", "told"),
    [(3, {"m00", "m01", "m02"}), (2, {"m00", "m01"})],
    ids=["digests dropped", "then the smaller release"],
)
def test_over_budget_digests_are_deferred_first_then_the_smaller_releases(
    day: Day, budget: int, told: set[str]
) -> None:
    # Given releases of 1 % of locked points worth telling: the root reaches a level (an
    # event), m01 and m02 release more than 1 % (their shares), the rest 0.48 … 0.96 %
    # (a digest on their digest day, else the Mini App only); and a budget of 3, or 2
    rules = NotificationRules(daily_budget=budget, release_threshold_bp=100)
    # When the date's three pages are applied
    outcome = day.apply(rules)
    # Then the event goes, then the releases, largest first, as the budget allows; every
    # digest is deferred, and counted with the releases that did not fit
    messages = day.queue.take()
    assert {message["member"] for message in messages} == told
    assert all(message["kind"] == "settlement" for message in messages)
    digests = {name for name in day.names[3:] if is_digest_day(name, DATE)}
    assert digests  # some members have their digest day on this date
    assert outcome.deferred == len(digests) + 3 - len(told)
    assert day.budget.used(DATE) == len(told)
    # And the day's shares were set once, from all three pages: every event, then the
    # releases the budget had room for, no digest
    assert day.budget.shares(DATE) == (10_000, 10_000 * (budget - 1) // 2, 0)


def test_members_without_a_chat_use_no_budget_and_get_no_message(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str]
) -> None:
    # Given two members without a Telegram chat, settled on one page
    runtime = handler_runtime(dynamodb_endpoint, dynamodb_table, "infra/plans/demo.yaml")
    ledger = runtime.ledger
    for name in ("a", "b"):
        ledger.join(Join(name), f"join:{name}")
        ledger.purchase(Purchase(name, f"order-{name}", 300_000), f"order:{name}")
    prepare_run(ledger, DATE)
    queue = RecordingQueue()
    store = ledger.store
    assert isinstance(store, LedgerStore)
    budget = NotificationBudget(store.table, lambda: NOW_S)
    # When the page is applied with every release worth telling
    outcome = apply_batch(
        ledger, DATE, 0, 1, queue, rules=NotificationRules(release_threshold_bp=1), budget=budget
    )
    # Then both are settled, nobody is messaged, and the date's counter was never written
    assert outcome.members_applied == 2
    assert queue.take() == []
    assert store.table.get(budget_key(DATE)) is None
    runtime.close()
