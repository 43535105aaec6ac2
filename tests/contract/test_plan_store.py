"""Plan versions on both table adapters: immutable numbered items, one head, the date guard.

Each case runs on the in-memory twin and on DynamoDB (the local endpoint): publishing is
one transaction whose conditions (version absent, head unmoved, settlement sequence before
the effective date) both adapters must enforce alike.
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from functions.rewards.book import MemoryBook
from functions.rewards.events import Join, Purchase
from functions.rewards.plan import canonical_plan_text, load_plan_text
from functions.services.ledger import Ledger
from functions.services.scenario_backend import DynamoBackend
from functions.store.plan_items import PLAN_HEAD_KEY, plan_version_key
from functions.store.plan_store import PlanConflictError, PlanDateError, plan_chain_problems
from functions.store.records import NewPlanVersion, PlanDraftRecord, PlanHead
from functions.store.storage import Storage
from functions.store.table import Update
from tests.support.books import assert_books_balance, ledger_state

from .test_scenarios import EVENTS_PER_SCENARIO, _report, random_history, random_plan

ONE = load_plan_text("name: one\ngrant: {ratio: '1'}")
TWO = load_plan_text("name: two\ngrant: {ratio: '2'}")


def _new(version: int, previous: PlanHead | None, effective_from: str | None) -> NewPlanVersion:
    plan = ONE if version == 1 else TWO
    return NewPlanVersion(
        version=version,
        effective_from=effective_from,
        operator="ops",
        reason=f"v{version}",
        name=plan.name,
        text=canonical_plan_text(plan),
        published_at=1_000 + version,
        previous=previous,
    )


def _publish_two(storage: Storage) -> None:
    store = storage.ledger
    first = store.publish_plan(_new(1, None, None))
    store.publish_plan(_new(2, PlanHead(1, first.hash), "2026-01-05"))


def test_versions_are_listed_in_order_and_the_head_names_the_last(storage: Storage) -> None:
    # Given versions 1 and 2 published
    _publish_two(storage)
    store = storage.ledger
    # When they are read back
    versions = store.plan_versions()
    # Then they come oldest first, chained, with the head on the last, and the chain verifies
    assert [(v.version, v.effective_from, v.name) for v in versions] == [
        (1, None, "one"),
        (2, "2026-01-05", "two"),
    ]
    assert versions[1].prev_hash == versions[0].hash
    assert store.plan_head() == PlanHead(2, versions[1].hash)
    assert plan_chain_problems(versions, store.plan_head(), store.keyring) == []
    assert load_plan_text(versions[1].text) == TWO


def test_a_version_number_is_published_once(storage: Storage) -> None:
    # Given version 1
    store = storage.ledger
    first = store.publish_plan(_new(1, None, None))
    store.publish_plan(_new(2, PlanHead(1, first.hash), "2026-01-05"))
    # When a second publisher writes version 2 on the same base, or version 1 again
    # Then both are refused as conflicts and nothing changes
    with pytest.raises(PlanConflictError):
        store.publish_plan(_new(2, PlanHead(1, first.hash), "2026-01-06"))
    with pytest.raises(PlanConflictError):
        store.publish_plan(_new(1, None, None))
    assert [v.effective_from for v in store.plan_versions()] == [None, "2026-01-05"]


def test_a_date_reached_by_the_settlement_sequence_is_refused(storage: Storage) -> None:
    # Given 2026-01-05 claimed for settlement (its run open)
    store = storage.ledger
    first = store.publish_plan(_new(1, None, None))
    ledger = Ledger(store, ONE, clock=itertools.count(1).__next__)
    ledger.join(Join("A"), "join")
    assert store.open_run("2026-01-05", "run-1", 1, None)
    # When a version effective on that date, or before it, is published
    for day in ("2026-01-05", "2026-01-04"):
        with pytest.raises(PlanDateError) as refused:
            store.publish_plan(_new(2, PlanHead(1, first.hash), day))
        assert refused.value.last_claimed == "2026-01-05"
    # Then nothing was written; the day after is accepted
    assert len(store.plan_versions()) == 1
    assert store.publish_plan(_new(2, PlanHead(1, first.hash), "2026-01-06")).version == 2


def test_a_tampered_version_or_head_is_found(storage: Storage) -> None:
    # Given two versions
    _publish_two(storage)
    store = storage.ledger
    # When version 2's rates are edited in the table, and the head is rewound
    text = json.dumps({"name": "two", "grant": {"ratio": "9"}})
    storage.table.write(Update(plan_version_key(2), set={"text": text}))
    storage.table.write(Update(PLAN_HEAD_KEY, set={"version": 1}))
    # Then the chain check names both
    problems = plan_chain_problems(store.plan_versions(), store.plan_head(), store.keyring)
    details = [problem.detail for problem in problems]
    assert any("does not match its digest" in detail for detail in details)
    assert any("the head names version 1" in detail for detail in details)


def test_drafts_are_kept_and_read_back(storage: Storage) -> None:
    # Given a draft
    draft = PlanDraftRecord("abc123", "name: x", "2026-01-05", "why", "tg:1", 1, 5_000_000)
    storage.ledger.put_plan_draft(draft)
    # Then it reads back as written, and an unknown one is None
    assert storage.ledger.plan_draft("abc123") == draft
    assert storage.ledger.plan_draft("nope") is None


def test_orders_since_lists_recent_orders_with_their_amounts(storage: Storage) -> None:
    # Given two orders at µs 10 and 20 (paid partly with points: the second)
    clock = itertools.count(10, 10)
    ledger = Ledger(
        storage.ledger,
        load_plan_text("name: x\ngrant: {ratio: '1'}\ndeduction: {max_ratio: '0.5'}"),
        clock=clock.__next__,
    )
    ledger.join(Join("A"), "join")
    ledger.purchase(Purchase("A", "o-1", 100_00), "o-1")
    ledger.purchase(Purchase("A", "o-2", 100_00, 10_00), "o-2")
    # When the orders since µs 30 are listed
    found = sorted(storage.ledger.orders_since(30), key=lambda order: order.order)
    # Then both appear with member, amount and points, and none since far later
    assert [(o.order, o.member, o.amount, o.points) for o in found] == [
        ("o-1", "A", 100_00, 0),
        ("o-2", "A", 100_00, 10_00),
    ]
    assert list(storage.ledger.orders_since(10**12)) == []


@pytest.mark.parametrize("seed", [300, 301, 302])
def test_histories_with_plan_events_report_alike_on_the_live_services(
    storage: Storage, seed: int
) -> None:
    """Given a seeded random history with new plan versions slipped in (some dated on
    settled days, which both refuse),
    When it runs through the engine's book and through the live services on the adapter,
    Then the two reports are byte-identical: the services read the versions from the
    table and pick the same one for every purchase, withdrawal and settlement."""
    rng = random.Random(seed)
    plan = random_plan(rng, f"v1-{seed}", frozenset({"daily", "share"}))
    lines = random_history(rng, EVENTS_PER_SCENARIO)
    for number in range(3):
        candidate = random_plan(rng, f"v{number + 2}-{seed}", frozenset({"daily"}))
        event = {
            "type": "plan",
            "plan": json.loads(canonical_plan_text(candidate)),
            "effective_from": f"2026-03-{rng.randint(1, 12):02d}",
        }
        lines.insert(rng.randint(len(lines) // 3, len(lines) - 2), json.dumps(event))

    expected = _report(plan, lines, MemoryBook(plan))
    ledger = Ledger(storage.ledger, plan, clock=itertools.count(1).__next__)
    actual = _report(plan, lines, DynamoBackend(ledger))

    assert actual == expected
    report = json.loads(actual)
    assert "plan_versions" in report
    assert_books_balance(ledger_state(storage.ledger))
