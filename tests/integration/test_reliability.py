"""Faults injected under the store (botocore event hooks, seeded randomness).

Every case runs the same history twice — once clean, once with faults — and the
faulty run must converge on exactly the clean run's stored items (every member,
system-total shard, journal entry, order, idempotency record, withdrawal and
settlement page; only the wall-clock TTL is left out) after the retries a real
caller makes: the services retry conflicts and throttling themselves, and a
crashed settlement or a call whose response was lost is simply run again.

Faults: (a) TransactionCanceledException with a TransactionConflict reason,
(b) ProvisionedThroughputExceededException / ThrottlingException, (c) BatchWriteItem
returning UnprocessedItems for the settlement pages, (d) a crash before or after
any settlement write (between pages, between two members of a page), (e) a
transaction that committed but whose response never arrived.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError

from functions.rewards.errors import Rejected
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.money import format_cents
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger, request_id_for
from functions.services.settlement import run_settlement
from functions.store.dynamodb_table import BATCH_ATTEMPTS
from functions.store.errors import StoreError
from functions.store.ledger_store import LedgerStore
from functions.store.table import Unavailable
from tests.support.books import assert_books_balance, constant_clock, ledger_for, ledger_state

from .ledger_state import (
    WRITES,
    FakeHttp,
    Faults,
    Tables,
    error_response,
    request_body,
    settles_a_member,
    table_dump,
    touches_settlement_page,
    touches_settlement_sequence,
)

PLAN_DATA: dict[str, Any] = {
    "name": "reliability",
    "grant": {"ratio": "2"},
    "release": {"mode": "daily", "daily_rate": "0.05"},
    "share": ["0.50", "0.30"],
    "team": {
        "levels": [
            {"name": "L1", "min": "500", "rate": "0.10"},
            {"name": "L2", "min": "2000", "rate": "0.20"},
        ],
        "peer_rate": "0.03",
    },
    "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
    "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
    "deduction": {"max_ratio": "0.50"},
    "commission": {"rates": [{"default": "0.08", "digital": "0.03"}, {"default": "0.02"}]},
}
PLAN = parse_plan(PLAN_DATA)
pytestmark = pytest.mark.usefixtures("small_settlement_pages")
MEMBERS = (("A", None), ("B", "A"), ("C", "B"), ("D", "B"), ("E", "C"))
ORDERS = (
    Purchase("A", "o-a", 300_000),
    Purchase("B", "o-b", 150_000),
    Purchase("C", "o-c", 80_000, category="digital"),
    Purchase("D", "o-d", 40_000),
    Purchase("E", "o-e", 250_000),
)
FIRST_DAY, SECOND_DAY = "2026-04-01", "2026-04-02"
Dump = dict[str, dict[str, Any]]


class Crash(Exception):
    """The function running the code died here."""


def ledger_on(store: LedgerStore) -> Ledger:
    """Constant clock: two runs of one history store byte-identical items and hashes."""
    return ledger_for(store, PLAN, clock=constant_clock)


def settle_until_done(ledger: Ledger, date: str, limit: int = 30) -> tuple[dict[str, Any], int]:
    """Run the settlement as its scheduler would: again after every failure.

    Returns the row of the run that finished and how many runs failed first.
    """
    for failures in range(limit):
        try:
            return run_settlement(ledger, date).as_json(), failures
        except Exception:  # a crashed or throttled function is simply invoked again
            continue
    raise AssertionError(f"settlement of {date} did not converge in {limit} runs")


def setup_history(ledger: Ledger) -> list[Any]:
    """Joins and first purchases (the state every settlement case starts from)."""
    results: list[Any] = [ledger.join(Join(name, ref), f"join-{name}") for name, ref in MEMBERS]
    results += [ledger.purchase(order, f"buy-{order.order}") for order in ORDERS]
    return results


def full_history(ledger: Ledger) -> list[Any]:
    """Every use case once or twice, with two settlements and a repeated date."""
    results = setup_history(ledger)
    results.append(settle_until_done(ledger, FIRST_DAY)[0])
    results.append(ledger.adjust("A", 10_000, "launch bonus", "adj-A", operator="ops"))
    results.append(ledger.transfer(Transfer("A", "E", 2_000), "send-A-E"))
    results.append(ledger.request_withdrawal(Withdraw("B", 1_000), "w-B"))
    results.append(ledger.decide_withdrawal(request_id_for("w-B"), approve=True, operator="ops"))
    results.append(ledger.mark_paid(request_id_for("w-B"), operator="ops", reference="bank-1"))
    results.append(ledger.request_withdrawal(Withdraw("C", 500), "w-C"))
    results.append(ledger.decide_withdrawal(request_id_for("w-C"), approve=False, operator="ops"))
    results.append(ledger.set_frozen("D", True, "freeze-D", operator="ops"))
    results.append(ledger.purchase(Purchase("E", "o-e2", 10_000, points=1_000), "buy-o-e2"))
    results.append(settle_until_done(ledger, SECOND_DAY)[0])
    results.append(ledger.set_frozen("D", False, "unfreeze-D", operator="ops"))
    results.append(settle_until_done(ledger, SECOND_DAY)[0])
    return results


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_history(module_tables: Tables) -> tuple[list[Any], Dump]:
    """The full history without faults: its results and every stored item."""
    table = module_tables.create()
    results = full_history(ledger_on(module_tables.store(table)))
    return results, table_dump(module_tables.client, table)


@pytest.fixture(scope="module")
def before_settlement(module_tables: Tables) -> str:
    """A table holding the setup history, not yet settled (cloned by each case)."""
    table = module_tables.create()
    setup_history(ledger_on(module_tables.store(table)))
    return table


@pytest.fixture(scope="module")
def clean_settlement(module_tables: Tables, before_settlement: str) -> tuple[dict[str, Any], Dump]:
    """The first day settled without faults: its row and every stored item."""
    table = module_tables.clone(before_settlement)
    row, failures = settle_until_done(ledger_on(module_tables.store(table)), FIRST_DAY)
    assert failures == 0
    return row, table_dump(module_tables.client, table)


# -- fault makers ----------------------------------------------------------------------


class TransactionFaults:
    """Fails TransactWriteItems at random (seeded) before it is sent.

    Each failure is one of ``errors``: ``TransactionConflict`` (a cancellation with
    that reason on one random item, the others ``None``) or a throttling error code.
    The transaction that marks a settlement page applied is spared unless
    ``page_totals`` is set.
    """

    def __init__(
        self,
        rng: random.Random,
        probability: float,
        errors: tuple[str, ...],
        *,
        page_totals: bool = False,
    ) -> None:
        self.rng = rng
        self.probability = probability
        self.errors = errors
        self.page_totals = page_totals
        self.by_error: Counter[str] = Counter()

    @property
    def injected(self) -> int:
        return sum(self.by_error.values())

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        if model.name != "TransactWriteItems":
            return None
        body = request_body(params)
        if touches_settlement_page(body) and not self.page_totals:
            return None
        if self.rng.random() >= self.probability:
            return None
        error = self.rng.choice(self.errors)
        self.by_error[error] += 1
        if error != "TransactionConflict":
            return error_response(error, "Rate of requests exceeds the allowed throughput")
        reasons = ["None"] * len(body["TransactItems"])
        reasons[self.rng.randrange(len(reasons))] = "TransactionConflict"
        return error_response(
            "TransactionCanceledException",
            "Transaction cancelled, please refer cancellation reasons for specific reasons",
            reasons=reasons,
        )


class Crasher:
    """Raises :class:`Crash` once, before or after the write ``decide`` picks.

    ``decide(phase, kind, n)`` sees every write: ``phase`` is ``before``/``after``
    the request, ``kind`` is ``member`` (a member's transaction), ``page`` (a page's
    totals transaction), ``run`` (claiming or finishing a run: the transactions that
    move the settlement sequence) or the operation name, and ``n`` counts writes of
    that kind.
    """

    def __init__(self, decide: Callable[[str, str, int], bool]) -> None:
        self.decide = decide
        self.counts: Counter[str] = Counter()
        self.crashed_at: tuple[str, str, int] | None = None
        self._current = ""

    def _maybe(self, phase: str) -> None:
        kind = self._current
        if self.crashed_at is None and self.decide(phase, kind, self.counts[kind]):
            self.crashed_at = (phase, kind, self.counts[kind])
            raise Crash(f"crash {phase} {kind} #{self.counts[kind]}")

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name not in WRITES:
            return
        kind = model.name
        if kind == "TransactWriteItems":
            body = request_body(params)
            if touches_settlement_sequence(body):
                kind = "run"
            else:
                kind = "page" if touches_settlement_page(body) else "member"
        elif kind == "UpdateItem" and settles_a_member(request_body(params)):
            kind = "member"
        self.counts[kind] += 1
        self._current = kind
        self._maybe("before")

    def after(self, model: Any, **_: Any) -> None:
        if model.name in WRITES:
            self._maybe("after")


def install(store: LedgerStore, crasher: Crasher) -> Faults:
    faults = Faults(store)
    faults.on("before-call.dynamodb", crasher.before)
    faults.on("after-call.dynamodb", crasher.after)
    return faults


# -- (a) and (b): conflicts and throttling on every transaction ---------------------------


@pytest.mark.parametrize(
    ("errors", "seed"),
    [
        (("TransactionConflict",), 1),
        (("ProvisionedThroughputExceededException", "ThrottlingException"), 2),
    ],
    ids=["conflicts", "throttling"],
)
def test_transient_transaction_failures_converge_on_the_clean_state(
    module_tables: Tables, clean_history: tuple[list[Any], Dump], errors: tuple[str, ...], seed: int
) -> None:
    """Given the full history and a seeded 35% chance that any transaction (page totals
    included) fails with one of ``errors``
    When the history runs, settlements re-run after a failure
    Then every call returns what the clean run returned and the table holds exactly
    the clean run's items."""
    clean_results, clean_dump = clean_history
    table = module_tables.create()
    store = module_tables.store(table)
    faults = TransactionFaults(random.Random(seed), 0.35, errors, page_totals=True)
    with Faults(store) as hooks:
        hooks.on("before-call.dynamodb.TransactWriteItems", faults)
        results = full_history(ledger_on(store))
    assert faults.injected >= 10
    assert set(faults.by_error) == set(errors)
    assert results == clean_results
    assert table_dump(module_tables.client, table) == clean_dump
    assert_books_balance(ledger_state(store))


def test_endless_conflicts_end_in_busy_and_change_nothing(
    module_tables: Tables, before_settlement: str
) -> None:
    """Given every transaction is cancelled by a conflict
    When a member asks for a transfer
    Then after the retry budget the answer is busy and no item changed."""
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    ledger = ledger_on(store)
    ledger.adjust("A", 5_000, "seed points", "adj", operator="ops")
    before = table_dump(module_tables.client, table)
    faults = TransactionFaults(random.Random(0), 1.0, ("TransactionConflict",))
    with Faults(store) as hooks:
        hooks.on("before-call.dynamodb.TransactWriteItems", faults)
        with pytest.raises(Rejected) as refused:
            ledger.transfer(Transfer("A", "B", 100), "send")
    assert refused.value.code == "busy"
    assert faults.injected == ledger.max_attempts
    assert table_dump(module_tables.client, table) == before


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def test_botocore_retries_a_throttled_read_and_write_on_the_wire(
    module_tables: Tables, before_settlement: str
) -> None:
    """Given the first GetItem and the first TransactWriteItems come back throttled
    from the wire (HTTP 400 ThrottlingException)
    When a purchase runs
    Then botocore's standard retry resends both and the purchase lands once."""
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    throttled: Counter[str] = Counter()

    def throttle_once(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation not in {"GetItem", "TransactWriteItems"} or throttled[operation]:
            return None
        throttled[operation] += 1
        body = json.dumps(
            {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow"}
        ).encode()
        headers = {"x-amzn-RequestId": "fake", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, _RawBody(body))

    with Faults(store) as hooks:
        hooks.on("before-send.dynamodb", throttle_once)
        result = ledger_on(store).purchase(Purchase("B", "o-x", 10_000), "buy-o-x")
    assert throttled == {"GetItem": 1, "TransactWriteItems": 1}
    assert format_cents(result.granted) == "200.00"
    assert [entry.event_key for entry in store.journal("B")][-1] == "buy-o-x"
    assert_books_balance(ledger_state(store))


# -- (c) unprocessed batch items -----------------------------------------------------------


class PartialBatches:
    """BatchWriteItem writes only its first item and returns the rest as UnprocessedItems
    (for the first ``times`` calls)."""

    def __init__(self, table: str, times: int) -> None:
        self.table = table
        self.times = times
        self.items_sent: list[int] = []
        self._held: list[Any] = []

    def trim(self, params: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][self.table]
        self.items_sent.append(len(requests))
        if len(self.items_sent) <= self.times and len(requests) > 1:
            self._held = requests[1:]
            params["RequestItems"][self.table] = requests[:1]

    def report(self, parsed: dict[str, Any], **_: Any) -> None:
        if self._held:
            parsed["UnprocessedItems"] = {self.table: self._held}
            self._held = []


def stalled_batches(table: str, calls: list[int]) -> Callable[..., Any]:
    """A before-call hook: every BatchWriteItem 'succeeds' with all items unprocessed."""

    def hook(params: dict[str, Any], **_: Any) -> Any:
        requests = request_body(params)["RequestItems"][table]
        calls.append(len(requests))
        return FakeHttp(200), {"UnprocessedItems": {table: requests}}

    return hook


def test_unprocessed_page_writes_are_resent_within_one_run(
    module_tables: Tables, before_settlement: str, clean_settlement: tuple[dict[str, Any], Dump]
) -> None:
    """Given DynamoDB processes one page per BatchWriteItem and returns the rest unprocessed
    When the first day is settled
    Then the table adapter resends the unprocessed pages (3 pages: 3 calls of 3, 2, 1 items),
    then puts each page's journal entries in one call of its own (2, 2, 1 members), the run
    finishes first time and the state equals a clean settlement."""
    clean_row, clean_dump = clean_settlement
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    batches = PartialBatches(table, times=2)
    with Faults(store) as hooks:
        hooks.on("before-parameter-build.dynamodb.BatchWriteItem", batches.trim)
        hooks.on("after-call.dynamodb.BatchWriteItem", batches.report)
        row, failures = settle_until_done(ledger_on(store), FIRST_DAY)
    assert batches.items_sent == [3, 2, 1, 2, 2, 1]
    assert (row, failures) == (clean_row, 0)
    assert table_dump(module_tables.client, table) == clean_dump


def test_page_writes_left_unprocessed_fail_the_run_and_a_rerun_recovers(
    module_tables: Tables, before_settlement: str, clean_settlement: tuple[dict[str, Any], Dump]
) -> None:
    """Given BatchWriteItem keeps returning pages unprocessed during the first run
    When the first day is settled, and settled again once DynamoDB recovers
    Then the first run fails before touching any member (the table adapter gives up after
    its retries) and leaves its claim ``computing``; the rerun takes it over and converges
    on the clean settlement."""
    clean_row, clean_dump = clean_settlement
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    calls: list[int] = []
    with Faults(store) as hooks:
        hooks.on("before-call.dynamodb.BatchWriteItem", stalled_batches(table, calls))
        with pytest.raises(Unavailable, match="unprocessed"):
            run_settlement(ledger_on(store), FIRST_DAY)
    assert calls == [3] * BATCH_ATTEMPTS
    claimed = store.settlement_run(FIRST_DAY)
    assert claimed is not None
    assert claimed.status == "computing"
    assert [record.last_settled for record in store.iter_members()] == [None] * len(MEMBERS)
    rerun = module_tables.store(table)
    assert settle_until_done(ledger_on(rerun), FIRST_DAY) == (clean_row, 0)
    assert table_dump(module_tables.client, table) == clean_dump


# -- (d) crashes inside a settlement ---------------------------------------------------------


CRASH_POINTS: dict[str, tuple[str, str, int | None]] = {
    # name: (before/after the request, kind of write, which one of that kind; None: any).
    # A clean run writes: claim (run 1: the sequence moved and the run record created),
    # pages (BatchWriteItem), publish (UpdateItem 1), members 1-2, page 1, members 3-4,
    # page 2, member 5, page 3, finish (run 2: run done and sequence closed).
    "claimed-but-response-lost": ("after", "run", 1),
    "after-claim-before-pages": ("before", "BatchWriteItem", None),
    "after-pages-before-publish": ("before", "UpdateItem", 1),
    "after-publish-before-members": ("before", "member", 1),
    "between-two-members-of-a-page": ("after", "member", 1),
    "after-members-before-page-totals": ("before", "page", 1),
    "between-pages": ("after", "page", 1),
    "last-page-totals-lost": ("after", "page", 3),
    "before-finish": ("before", "run", 2),
}
FINISHED_CRASH_POINTS: dict[str, tuple[str, str, int | None]] = {
    "finished-but-response-lost": ("after", "run", 2),
}


def crash_at(phase: str, kind: str, number: int | None) -> Callable[[str, str, int], bool]:
    def decide(now: str, now_kind: str, n: int) -> bool:
        return (now, now_kind) == (phase, kind) and number in (None, n)

    return decide


def _crash_params() -> Iterator[Any]:
    yield from CRASH_POINTS.items()
    for name, point in FINISHED_CRASH_POINTS.items():
        yield pytest.param(
            name,
            point,
        )


@pytest.mark.parametrize(("name", "point"), list(_crash_params()))
def test_settlement_rerun_after_a_crash_equals_a_clean_run(
    module_tables: Tables,
    before_settlement: str,
    clean_settlement: tuple[dict[str, Any], Dump],
    name: str,
    point: tuple[str, str, int | None],
) -> None:
    """Given five members over three pages and a crash at ``point``
    When the settlement crashes there and is run again
    Then the crash really happened, and afterwards every member, total shard, journal
    entry and page equals a clean settlement's: nothing paid twice, nothing lost."""
    clean_row, clean_dump = clean_settlement
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    crasher = Crasher(crash_at(*point))
    with install(store, crasher), pytest.raises(Crash):
        run_settlement(ledger_on(store), FIRST_DAY)
    assert crasher.crashed_at is not None
    rerun = module_tables.store(table)
    row = run_settlement(ledger_on(rerun), FIRST_DAY).as_json()
    assert table_dump(module_tables.client, table) == clean_dump
    assert row["status"] == "already_settled" if name in FINISHED_CRASH_POINTS else row == clean_row


CHAOS_KINDS = frozenset({"BatchWriteItem", "member", "page"})
"""Writes a random crash picks from: pages, members' transactions, page totals."""


def nth_write(target: int, phase: str) -> Callable[[str, str, int], bool]:
    """Crash ``phase`` the ``target``-th write of the run among :data:`CHAOS_KINDS`."""
    writes = Counter[str]()

    def decide(now: str, kind: str, n: int) -> bool:
        if kind not in CHAOS_KINDS:
            return False
        if now == "before":
            writes["all"] += 1
        return now == phase and writes["all"] == target

    return decide


@pytest.mark.parametrize("seed", [11, 12])
def test_settlement_survives_repeated_random_crashes(
    module_tables: Tables,
    before_settlement: str,
    clean_settlement: tuple[dict[str, Any], Dump],
    seed: int,
) -> None:
    """Given the scheduler re-runs a crashed settlement, and each of the first five runs
    crashes before or after a randomly chosen (seeded) write of pages, member
    transactions or page totals
    When runs are repeated until one finishes
    Then several runs crashed, and the final state equals a clean settlement's."""
    _clean_row, clean_dump = clean_settlement
    table = module_tables.clone(before_settlement)
    rng = random.Random(seed)
    crashes = 0
    for run in range(6):
        store = module_tables.store(table)
        target = rng.randint(1, 3) if run < 5 else 0
        with install(store, Crasher(nth_write(target, rng.choice(["before", "after"])))):
            try:
                run_settlement(ledger_on(store), FIRST_DAY)
                break
            except Crash:
                crashes += 1
    assert crashes >= 3
    finished = store.settlement_run(FIRST_DAY)
    assert finished is not None
    assert finished.status == "done"
    assert table_dump(module_tables.client, table) == clean_dump


def test_a_conflict_on_page_totals_does_not_lose_circulating_points(
    module_tables: Tables, before_settlement: str, clean_settlement: tuple[dict[str, Any], Dump]
) -> None:
    """Given the first page-totals transaction is cancelled by a TransactionConflict
    (a concurrent purchase touching the same system-total shard)
    When the first day is settled
    Then the page totals are retried: circulating points still equal the sum of
    available points, and the state equals a clean run's.

    (Regression: apply_page_totals used to take any cancellation for "already
    applied", silently dropping the page's circulating total.)"""
    _clean_row, clean_dump = clean_settlement
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    faults = TransactionFaults(random.Random(5), 1.0, ("TransactionConflict",), page_totals=True)

    def first_page_only(model: Any, params: dict[str, Any], **kwargs: Any) -> Any:
        if faults.injected or not touches_settlement_page(request_body(params)):
            return None
        return faults(model, params, **kwargs)

    with Faults(store) as hooks:
        hooks.on("before-call.dynamodb.TransactWriteItems", first_page_only)
        assert settle_until_done(ledger_on(store), FIRST_DAY)[1] == 0
    assert faults.injected == 1
    state = ledger_state(store)
    assert state.totals.circulating == sum(member["available"] for member in state.members)
    assert table_dump(module_tables.client, table) == clean_dump


def _crashed_after_first_member(tables: Tables, source: str, bonus: int) -> LedgerStore:
    """A clone of ``source`` where A got ``bonus`` points, then the first settlement
    crashed after A's transaction, before A's page added to circulating."""
    table = tables.clone(source)
    store = tables.store(table)
    if bonus:
        ledger_on(store).adjust("A", bonus, "bonus", "adj-A", operator="ops")
    with install(store, Crasher(crash_at("after", "member", 1))), pytest.raises(Crash):
        run_settlement(ledger_on(store), FIRST_DAY)
    store = tables.store(table)
    state = ledger_state(store)
    assert state.totals.circulating < sum(member["available"] for member in state.members)
    return store


def test_reserve_withdrawals_wait_for_an_unfinished_settlement(
    module_tables: Tables, before_settlement: str
) -> None:
    """Given a reserve-valued plan whose first settlement crashed after member A's
    transaction, before A's page added its released points to circulating (so the
    stored circulating total is behind the members' available points)
    When A asks to withdraw 10 points, then again after the settlement is re-run
    Then the first request is refused as busy and changes nothing; the second is
    priced at reserve / sum of available points (RULES.md §5)."""
    store = _crashed_after_first_member(module_tables, before_settlement, bonus=5_000)
    before = table_dump(module_tables.client, store.table_name)
    with pytest.raises(Rejected) as refused:
        ledger_on(store).request_withdrawal(Withdraw("A", 1_000), "w-A")
    assert refused.value.code == "busy"
    assert table_dump(module_tables.client, store.table_name) == before

    run_settlement(ledger_on(store), FIRST_DAY)
    state = ledger_state(store)
    circulating = sum(member["available"] for member in state.members)
    assert state.totals.circulating == circulating
    quote = ledger_on(store).request_withdrawal(Withdraw("A", 1_000), "w-A")
    gross = 1_000 * state.totals.reserve // circulating
    assert format_cents(quote.gross) == f"{gross // 100}.{gross % 100:02d}"


def test_a_withdrawal_during_the_first_settlement_is_busy_not_no_price(
    module_tables: Tables, before_settlement: str
) -> None:
    """Given the first settlement of a reserve-valued plan crashed after member A's
    transaction: A holds released points, the stored circulating total is still 0
    When A asks to withdraw 10 points
    Then the request is refused as busy (the settlement is running), not no_price."""
    store = _crashed_after_first_member(module_tables, before_settlement, bonus=0)
    assert store.system_totals().circulating == 0
    with pytest.raises(Rejected) as refused:
        ledger_on(store).request_withdrawal(Withdraw("A", 1_000), "w-A")
    assert refused.value.code == "busy"


def test_a_finished_run_whose_answer_was_lost_does_not_block_withdrawals(
    module_tables: Tables, before_settlement: str
) -> None:
    """Given the first settlement finished (run done and sequence closed in one
    transaction) but the function died before it heard the answer, and was run again
    When a member asks for a reserve-priced withdrawal
    Then it is accepted (the settlement is over)."""
    table = module_tables.clone(before_settlement)
    store = module_tables.store(table)
    with install(store, Crasher(crash_at("after", "run", 2))), pytest.raises(Crash):
        run_settlement(ledger_on(store), FIRST_DAY)
    store = module_tables.store(table)
    assert store.open_settlement() is None
    assert run_settlement(ledger_on(store), FIRST_DAY).status == "already_settled"
    quote = ledger_on(store).request_withdrawal(Withdraw("A", 1_000), "w-A")
    assert quote.status == "pending"


# -- (e) committed, but the response was lost -----------------------------------------------------


@pytest.fixture(scope="module")
def service_base(module_tables: Tables, before_settlement: str) -> str:
    """Settled once; A holds adjusted points; B has a pending and C an approved withdrawal."""
    table = module_tables.clone(before_settlement)
    ledger = ledger_on(module_tables.store(table))
    settle_until_done(ledger, FIRST_DAY)
    ledger.adjust("A", 10_000, "bonus", "adj-A", operator="ops")
    ledger.request_withdrawal(Withdraw("B", 1_000), "w-B")
    ledger.request_withdrawal(Withdraw("C", 500), "w-C")
    ledger.decide_withdrawal(request_id_for("w-C"), approve=True, operator="ops")
    return table


SERVICE_CALLS: dict[str, Callable[[Ledger], Any]] = {
    "join": lambda ledger: ledger.join(Join("F", "E"), "join-F"),
    "purchase": lambda ledger: ledger.purchase(
        Purchase("E", "o-e2", 20_000, points=1_000, category="digital"), "buy-o-e2"
    ),
    "transfer": lambda ledger: ledger.transfer(Transfer("A", "E", 2_500), "send"),
    "request_withdrawal": lambda ledger: ledger.request_withdrawal(Withdraw("A", 3_000), "w-A"),
    "approve": lambda ledger: ledger.decide_withdrawal(
        request_id_for("w-B"), approve=True, operator="ops"
    ),
    "reject": lambda ledger: ledger.decide_withdrawal(
        request_id_for("w-B"), approve=False, operator="ops", reason="no"
    ),
    "mark_paid": lambda ledger: ledger.mark_paid(
        request_id_for("w-C"), operator="ops", reference="bank-9"
    ),
    "freeze": lambda ledger: ledger.set_frozen("D", True, "freeze-D", operator="ops"),
    "adjust": lambda ledger: ledger.adjust("B", -500, "correction", "adj-B", operator="ops"),
}


@pytest.fixture(scope="module")
def clean_calls() -> dict[str, tuple[Any, Dump]]:
    """Each service call's clean result and stored items, filled in by the first case."""
    return {}


def _lose_response(kind: str) -> Callable[..., None]:
    """An after-call hook: the first transaction committed, then its response is lost."""
    lost: list[bool] = []

    def hook(model: Any, **_: Any) -> None:
        if model.name != "TransactWriteItems" or lost:
            return
        lost.append(True)
        if kind == "timeout":
            raise ReadTimeoutError(endpoint_url="http://local/")
        raise ClientError(
            {"Error": {"Code": "InternalServerError", "Message": "lost"}}, "TransactWriteItems"
        )

    return hook


LOST_RESPONSE_CASES = [(call, "timeout") for call in SERVICE_CALLS] + [
    (call, "server-error") for call in ("purchase", "transfer", "approve", "mark_paid")
]


@pytest.mark.parametrize(("call", "kind"), LOST_RESPONSE_CASES)
def test_a_lost_response_then_a_retry_with_the_same_key_has_one_effect(
    module_tables: Tables,
    service_base: str,
    clean_calls: dict[str, tuple[Any, Dump]],
    call: str,
    kind: str,
) -> None:
    """Given a call whose transaction commits but whose response is lost (a read timeout or
    a server error, both retried inside the service under the same key)
    When the call returns, and the caller then retries it with the same key
    Then both return the clean call's result and the table equals a clean single call's."""
    if call not in clean_calls:
        clean_table = module_tables.clone(service_base)
        clean_result = SERVICE_CALLS[call](ledger_on(module_tables.store(clean_table)))
        clean_calls[call] = clean_result, table_dump(module_tables.client, clean_table)
    clean_result, clean_dump = clean_calls[call]

    table = module_tables.clone(service_base)
    store = module_tables.store(table)
    with Faults(store) as hooks:
        hooks.on("after-call.dynamodb.TransactWriteItems", _lose_response(kind))
        first = SERVICE_CALLS[call](ledger_on(store))
        result = SERVICE_CALLS[call](ledger_on(store))
    assert first == clean_result
    assert result == clean_result
    assert table_dump(module_tables.client, table) == clean_dump


def test_a_read_timeout_on_a_transaction_is_a_store_error(
    module_tables: Tables, service_base: str
) -> None:
    """Given the response to a committed transfer times out
    When the service call returns or fails
    Then it either absorbed the timeout (returning the transfer) or raised a StoreError,
    never an unrelated AttributeError."""
    table = module_tables.clone(service_base)
    store = module_tables.store(table)
    with Faults(store) as hooks:
        hooks.on("after-call.dynamodb.TransactWriteItems", _lose_response("timeout"))
        try:
            result = SERVICE_CALLS["transfer"](ledger_on(store))
        except StoreError:
            return
    assert (result.sender, result.recipient, format_cents(result.points)) == ("A", "E", "25.00")
