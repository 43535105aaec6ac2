"""Plan versions in the live services, on the in-memory twin: publishing and its refusals,
the bootstrap and the per-container cache, and the ledger deciding by each business date."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.plan import canonical_plan_text, load_plan_text
from functions.services.ledger import Ledger
from functions.services.plan_sources import StoredPlans
from functions.services.plan_versions import PlanPublisher
from functions.services.settlement import run_settlement
from functions.services.verify import verify
from functions.store.plan_items import plan_version_key
from functions.store.plan_store import PlanConflictError, plan_chain_problems
from functions.store.records import NewPlanVersion
from functions.store.storage import Storage, memory_storage
from functions.store.table import Delete, Update
from tests.support.books import assert_books_balance, ledger_state, no_sleep

ZONE = ZoneInfo("Asia/Shanghai")
V1 = load_plan_text(
    'name: one\ngrant: {ratio: "1"}\nrelease: {mode: daily, daily_rate: "0.01"}\n'
    'withdrawal: {fee_rate: "0.10"}\n'
)
V2_TEXT = (
    'name: two\ngrant: {ratio: "2"}\nrelease: {mode: daily, daily_rate: "0.1"}\n'
    'withdrawal: {fee_rate: "0.20"}\n'
)


def at(day: str, hour: int = 12) -> int:
    """Microseconds of ``day`` at ``hour`` o'clock in the business zone."""
    moment = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=ZONE)
    return int(moment.timestamp()) * 1_000_000


class Clock:
    """A settable wall clock (µs) that also moves one µs per reading."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        self.now += 1
        return self.now


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def world(
    clock: Clock, monotonic: Callable[[], float] | None = None
) -> tuple[Storage, Ledger, PlanPublisher]:
    storage = memory_storage()
    plans = StoredPlans(storage.ledger, V1, clock=clock, monotonic=monotonic or Monotonic())
    ledger = Ledger(storage.ledger, V1, clock=clock, sleep=no_sleep, plans=plans, zone=ZONE)
    return storage, ledger, PlanPublisher(storage.ledger, plans, clock, ZONE)


def test_the_first_read_bootstraps_version_1_from_the_shipped_plan_once() -> None:
    """Given an empty table, When the ledger first needs its plan (twice, two containers),
    Then version 1 is the shipped plan, from the start, stored once."""
    clock = Clock(at("2026-01-01"))
    storage, ledger, _ = world(clock)
    other = StoredPlans(storage.ledger, load_plan_text("name: other"), clock=clock)
    assert ledger.current_plan() == V1
    assert other.history().plan_on(None) == V1  # the table wins over another file
    [version] = storage.ledger.plan_versions()
    assert (version.version, version.effective_from, version.operator) == (1, None, "bootstrap")
    assert version.text == canonical_plan_text(V1)
    assert plan_chain_problems([version], storage.ledger.plan_head(), storage.ledger.keyring) == []


def test_publish_then_purchases_switch_on_the_local_date_of_their_time() -> None:
    """Given v2 published on 01-01 effective 01-03 (Asia/Shanghai business days),
    When A buys at 23:30 on 01-02 and at 00:30 on 01-03 local time,
    Then the first order is v1's (100 points) and the second v2's (200); the entries
    record the version they used."""
    clock = Clock(at("2026-01-01"))
    storage, ledger, publisher = world(clock)
    ledger.join(Join("A"), "join-A")
    review = publisher.review(V2_TEXT, "2026-01-03")
    record = publisher.publish(
        review, reason="double grants", operator="ops", acknowledge_warnings=True
    )
    assert (record.version, record.effective_from, record.name) == (2, "2026-01-03", "two")

    clock.now = at("2026-01-02", 23) + 30 * 60_000_000
    first = ledger.purchase(Purchase("A", "o-1", 100_00), "o-1")
    clock.now = at("2026-01-03", 0) + 30 * 60_000_000
    second = ledger.purchase(Purchase("A", "o-2", 100_00), "o-2")
    assert (first.granted, second.granted) == (100_00, 200_00)
    versions = [e.details for e in storage.ledger.journal("A") if e.kind == "purchase"]
    assert ['"plan_version":1' in d for d in versions] == [True, False]
    assert ['"plan_version":2' in d for d in versions] == [False, True]


def test_settlement_and_withdrawals_use_the_version_of_their_date() -> None:
    """Given v2 (fee 20 %) from 01-03 and a grant made under v1 (daily 1.00),
    When 01-02 and 01-03 are settled and A withdraws on 01-02 and on 01-03,
    Then both days release the grant's own 1.00 a day (terms kept) and the withdrawals
    pay 10 % and 20 % fees."""
    clock = Clock(at("2026-01-01"))
    storage, ledger, publisher = world(clock)
    ledger.join(Join("A"), "join-A")
    ledger.purchase(Purchase("A", "o-1", 100_00), "o-1")
    publisher.publish(
        publisher.review(V2_TEXT, "2026-01-03"),
        reason="r",
        operator="ops",
        acknowledge_warnings=True,
    )
    clock.now = at("2026-01-02")
    assert run_settlement(ledger, "2026-01-02").static == 1_00
    first = ledger.request_withdrawal(Withdraw("A", 50), "w-1")
    clock.now = at("2026-01-03")
    assert run_settlement(ledger, "2026-01-03").static == 1_00
    second = ledger.request_withdrawal(Withdraw("A", 50), "w-2")
    assert (first.fee, second.fee) == (5, 10)
    assert_books_balance(ledger_state(storage.ledger))


def test_a_date_the_settlement_sequence_reached_is_refused() -> None:
    """Given 01-05 claimed for settlement after a review of a version effective 01-05,
    When that review is published, Then effective_date_passed, and nothing is written."""
    clock = Clock(at("2026-01-01"))
    storage, ledger, publisher = world(clock)
    ledger.join(Join("A"), "join-A")
    review = publisher.review(V2_TEXT, "2026-01-05")
    clock.now = at("2026-01-06")
    run_settlement(ledger, "2026-01-05")
    with pytest.raises(Rejected) as refused:
        publisher.publish(review, reason="r", operator="ops", acknowledge_warnings=True)
    assert refused.value.code is RejectCode.EFFECTIVE_DATE_PASSED
    assert len(storage.ledger.plan_versions()) == 1
    with pytest.raises(Rejected) as again:  # and the review itself refuses it now
        publisher.review(V2_TEXT, "2026-01-05")
    assert again.value.code is RejectCode.EFFECTIVE_DATE_PASSED


@pytest.mark.parametrize("day", ["2026-01-01", "2025-12-01"])
def test_today_and_the_past_are_refused(day: str) -> None:
    """Given today is 01-01, When a version effective today or earlier is reviewed,
    Then effective_date_passed (one business day never mixes two plans)."""
    _, _, publisher = world(Clock(at("2026-01-01")))
    with pytest.raises(Rejected) as refused:
        publisher.review(V2_TEXT, day)
    assert refused.value.code is RejectCode.EFFECTIVE_DATE_PASSED


def test_a_review_made_before_another_publication_is_refused() -> None:
    """Given two operators review v2 at once, When both publish,
    Then the second is refused with plan_changed (it was not reviewed against v2)."""
    _, _, publisher = world(Clock(at("2026-01-01")))
    first = publisher.review(V2_TEXT, "2026-01-03")
    second = publisher.review(V2_TEXT.replace("two", "rival"), "2026-01-04")
    publisher.publish(first, reason="r", operator="ops", acknowledge_warnings=True)
    with pytest.raises(Rejected) as refused:
        publisher.publish(second, reason="r", operator="other", acknowledge_warnings=True)
    assert refused.value.code is RejectCode.PLAN_CHANGED


def test_publishing_the_same_review_twice_publishes_once() -> None:
    """Given a published review, When it is published again (a retry), Then the same version."""
    storage, _, publisher = world(Clock(at("2026-01-01")))
    review = publisher.review(V2_TEXT, "2026-01-03")
    first = publisher.publish(review, reason="r", operator="ops", acknowledge_warnings=True)
    again = publisher.publish(review, reason="r", operator="ops", acknowledge_warnings=True)
    assert again == first
    assert len(storage.ledger.plan_versions()) == 2


def test_check_errors_block_and_warnings_need_an_acknowledgement() -> None:
    """Given a plan paying commission 4 generations up (an error) and one granting 6x
    (a warning), Then the first is never published and the second only when acknowledged."""
    storage, _, publisher = world(Clock(at("2026-01-01")))
    deep = "name: deep\ncommission: {rates: [{default: '0.01'}, {}, {}, {default: '0.01'}]}"
    with pytest.raises(Rejected) as blocked:
        publisher.publish(publisher.review(deep, "2026-01-03"), reason="r", operator="ops")
    assert blocked.value.code is RejectCode.PLAN_CHECK_FAILED
    rich = "name: rich\ngrant: {ratio: '6'}\nvaluation: {mode: reserve, reserve_rate: '0.1'}"
    review = publisher.review(rich, "2026-01-03")
    with pytest.raises(Rejected) as unacknowledged:
        publisher.publish(review, reason="r", operator="ops")
    assert "release_multiple" in unacknowledged.value.message
    assert publisher.publish(review, reason="r", operator="ops", acknowledge_warnings=True)
    with pytest.raises(Rejected) as no_reason:
        publisher.publish(publisher.review(rich, "2026-01-04"), reason=" ", operator="ops")
    assert no_reason.value.code is RejectCode.INVALID_EVENT
    assert len(storage.ledger.plan_versions()) == 2


def test_the_cache_is_reused_for_dates_up_to_its_read_day_and_its_max_age() -> None:
    """Given a container's plans read on 01-01,
    When another container publishes v2 (effective 01-03),
    Then decisions for 01-01 reuse the cache (v2 cannot apply to them), a decision for
    01-02 reads again, and after the max age any decision reads again."""
    clock = Clock(at("2026-01-01"))
    monotonic = Monotonic()
    storage, ledger, _ = world(clock, monotonic)
    assert ledger.plans is not None
    ledger.plan_on("2026-01-01")
    plans = ledger.plans
    assert isinstance(plans, StoredPlans)
    reads = plans.reads
    other = PlanPublisher(storage.ledger, StoredPlans(storage.ledger, V1, clock=clock), clock, ZONE)
    review = other.review(V2_TEXT, "2026-01-03")
    other.publish(review, reason="r", operator="ops", acknowledge_warnings=True)

    assert ledger.plan_on("2026-01-01") == V1
    assert plans.reads == reads
    assert len(ledger.plan_history("2026-01-02")) == 2
    assert plans.reads == reads + 1
    monotonic.now += 61
    ledger.plan_on("2026-01-01")
    assert plans.reads == reads + 2


def test_a_draft_is_published_once_by_its_operator() -> None:
    """Given a previewed draft (the bot's first step),
    When someone else confirms it, Then not_found; when its operator confirms it twice,
    Then one version is published and the second confirmation returns it."""
    storage, _, publisher = world(Clock(at("2026-01-01")))
    review = publisher.review(V2_TEXT, "2026-01-03")
    draft = publisher.draft(review, reason="r", operator="tg:1")
    with pytest.raises(Rejected) as foreign:
        publisher.confirm(draft.draft_id, operator="tg:2")
    assert foreign.value.code is RejectCode.NOT_FOUND
    first = publisher.confirm(draft.draft_id, operator="tg:1")
    assert publisher.confirm(draft.draft_id, operator="tg:1") == first
    assert [v.version for v in storage.ledger.plan_versions()] == [1, 2]


def test_the_store_refuses_a_version_number_taken() -> None:
    """Given version 1 stored, When version 1 is written again, Then PlanConflictError."""
    storage = memory_storage()
    new = NewPlanVersion(1, None, "ops", "r", "one", canonical_plan_text(V1), 1, None)
    storage.ledger.publish_plan(new)
    with pytest.raises(PlanConflictError):
        storage.ledger.publish_plan(new)


def test_ledgers_without_stored_plans_read_nothing() -> None:
    """Given a ledger built with one plan and no plan source, When it buys,
    Then it uses that plan and never touches the plan items (tests, benchmarks)."""
    storage = memory_storage()
    ledger = Ledger(storage.ledger, V1, clock=itertools.count(1).__next__)
    ledger.join(Join("A"), "j")
    assert ledger.purchase(Purchase("A", "o", 100), "o").granted == 100
    assert storage.ledger.plan_versions() == []


def test_verify_checks_the_plans_audit_chain() -> None:
    """Given a table with a bootstrapped and a published version and some trade,
    When it is audited, Then it is clean; when version 2 is edited in the table (its
    rates) or deleted, Then the audit reports a `plan` mismatch."""
    clock = Clock(at("2026-01-01"))
    storage, ledger, publisher = world(clock)
    ledger.join(Join("A"), "join-A")
    ledger.purchase(Purchase("A", "o-1", 100_00), "o-1")
    review = publisher.review(V2_TEXT, "2026-01-03")
    publisher.publish(review, reason="r", operator="ops", acknowledge_warnings=True)
    report = verify(storage.ledger)
    assert report.ok, report.render()
    assert report.counts["plan_versions"] == 2

    edited = canonical_plan_text(load_plan_text(V2_TEXT.replace('"2"', '"9"')))
    storage.table.write(Update(plan_version_key(2), set={"text": edited}))
    assert {m.check for m in verify(storage.ledger).mismatches} == {"plan"}
    storage.table.write(Delete(plan_version_key(2)))
    assert {m.check for m in verify(storage.ledger).mismatches} == {"plan"}
