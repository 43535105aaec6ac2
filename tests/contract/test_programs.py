"""The engagement programs' events on both table adapters (issue 13).

Each history runs through the engine's :class:`MemoryBook` and through the live
services (:class:`DynamoBackend`) on the in-memory twin and on DynamoDB; the reports
must be byte-identical, the books must balance and ``jifen verify`` must find nothing.
Then the transactions themselves: a replayed key changes nothing, and a decision made
on a stale read (another draw, another redemption in between) is refused by the
conditions and decided again.
"""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import pytest

from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.catalog import CatalogItem
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.plan import Plan, parse_plan
from functions.rewards.scenario import ScenarioBackend
from functions.services.daily_aggregates import record_daily_aggregate
from functions.services.ledger import Ledger
from functions.services.programs.month_close import MonthCloseBlocked, run_month_close
from functions.services.scenario_backend import DynamoBackend
from functions.services.settlement import run_settlement
from functions.services.settlement_compute import prepare_run
from functions.services.verify import verify
from functions.store.items import member_key
from functions.store.storage import Storage
from functions.store.table import Update
from tests.support.books import assert_books_balance, ledger_state


def ev(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


SEED_LOTTERY = {
    "cost": "500",
    "min_available": "500",
    "pool_rate": "0.10",
    "every": "10",
    "prize": "500",
    "exit_refund_rate": "0.60",
}
STAKING = {"rates": ["0.10", "0.20", "0.70"], "terms": ["1", "2"], "early_exit_penalty": "0.05"}
ELEVEN = ["A", *(f"m{i}" for i in range(10))]


def _months(customers: list[str], amount: str, months: int) -> list[str]:
    """Each customer buys ``amount`` twice on a business day of each month, then it closes."""
    lines: list[str] = []
    for month in range(1, months + 1):
        lines.append(ev(type="settle", date=f"2026-{month:02d}-01"))
        lines += [
            ev(type="purchase", member=name, order=f"{name}-{month}-{n}", amount=amount)
            for name in customers
            for n in (1, 2)
        ]
        lines.append(ev(type="close_month", month=f"2026-{month:02d}"))
    return lines


def _star_tree(depth: int) -> list[str]:
    """R over three members, each over three, ``depth`` levels; the leaves buy and stake."""
    lines = [ev(type="join", member="R")]
    level = ["R"]
    for _ in range(depth):
        below = []
        for parent in level:
            for number in range(1, 4):
                name = f"{parent}{number}" if parent != "R" else "ABC"[number - 1]
                lines.append(ev(type="join", member=name, referrer=parent))
                below.append(name)
        level = below
    lines.append(ev(type="purchase", member="R", order="o-R", amount="10"))
    for leaf in level:
        lines.append(ev(type="purchase", member=leaf, order=f"o-{leaf}", amount="100"))
        lines.append(ev(type="stake", member=leaf, points="100", term=1))
    return lines


HISTORIES: dict[str, tuple[dict[str, Any], list[str]]] = {
    # seed 002: A draws, ten others draw, A wins 500 and 50 stays in the pool
    "seed-lottery": (
        {"name": "lottery", "grant": {"ratio": "1"}, "lottery": SEED_LOTTERY},
        [ev(type="join", member=name) for name in ELEVEN]
        + [ev(type="purchase", member=n, order=f"o{n}", amount="1000") for n in ELEVEN]
        + [ev(type="draw", member=name) for name in ELEVEN]
        + [ev(type="draw", member="m9"), ev(type="draw", member="m9")],
    ),
    # exit refunds spare points, which pay first; the spend feeds the pool; invite draw
    "exit-spare-invite": (
        {
            "name": "lottery",
            "grant": {"ratio": "1"},
            "deduction": {"max_ratio": "0.5"},
            "lottery": SEED_LOTTERY,
        },
        [
            ev(type="join", member="A"),
            ev(type="join", member="B", referrer="A"),
            ev(type="purchase", member="A", order="o1", amount="1000"),
            ev(type="draw", member="A"),
            ev(type="lottery_exit", member="A"),
            ev(type="lottery_exit", member="A"),
            ev(type="purchase", member="A", order="o2", amount="800", points="400"),
            ev(type="purchase", member="B", order="o3", amount="10"),
            ev(type="purchase", member="B", order="o4", amount="10"),
            ev(type="draw", member="A"),
            ev(type="draw", member="B"),
        ],
    ),
    # stakes lock points; an early exit burns its penalty; staking needs a purchase
    "stake-unstake": (
        {"name": "stake", "grant": {"ratio": "1"}, "staking": STAKING},
        [
            ev(type="join", member="A"),
            ev(type="join", member="B", referrer="A"),
            ev(type="stake", member="B", points="10", term=1),
            ev(type="purchase", member="A", order="o1", amount="1000"),
            ev(type="stake", member="A", points="300", term=2),
            ev(type="stake", member="A", points="200", term=1),
            ev(type="stake", member="A", points="200", term=3),
            ev(type="stake", member="A", points="900", term=1),
            ev(type="unstake", member="A", stake=1),
            ev(type="unstake", member="A", stake=1),
            ev(type="stake", member="A", points="100", term=1),
        ],
    ),
    # stakes mature with the run; stars pay the team by differential, 伯乐奖 from 3★
    "stakes-settle-stars": (
        {
            "name": "stars",
            "grant": {"ratio": "1"},
            "staking": {
                **STAKING,
                "stars": {"direct": "3", "rates": ["0.03", "0.06", "0.09"], "bole_from": "3"},
            },
        },
        [
            *_star_tree(3),
            ev(type="stake", member="R", points="1", term=1),
            ev(type="settle", date="2026-01-01"),
            ev(type="settle", date="2026-01-01"),
            ev(type="stake", member="A11", points="50", term=2),
            ev(type="settle", date="2026-01-02"),
            ev(type="unstake", member="A11"),
            ev(type="stake", member="A11", points="40", term=1),
            ev(type="settle", date="2026-01-03"),
        ],
    ),
    # seed 002 catalog: spare (coins) pays first; a per-member limit; stock never below 0
    "catalog-coins": (
        {"name": "catalog", "grant": {"ratio": "1", "coins_ratio": "0.5"}, "catalog": {}},
        [
            ev(type="join", member="A"),
            ev(type="join", member="B"),
            ev(type="purchase", member="A", order="o1", amount="800"),
            ev(type="purchase", member="B", order="o2", amount="3000"),
            ev(type="list_item", item="trip", name="Travel voucher 300", price="1000", stock=2),
            ev(type="redeem", member="A", item="trip"),
            ev(type="redeem", member="A", item="trip"),
            ev(type="redeem", member="B", item="trip"),
            ev(type="redeem", member="B", item="trip"),
            ev(type="redeem", member="B", item="nothing"),
            ev(type="list_item", item="cup", name="杯子", price="5", stock=9, limit=1),
            ev(type="redeem", member="B", item="cup"),
            ev(type="redeem", member="B", item="cup"),
        ],
    ),
    # seed 003: the monthly ladder, team performance, partner after three months, automatic
    # promotion; a month closes once, in order
    "roles-months": (
        {
            "name": "distribution",
            "grant": {"ratio": "0.1"},
            "roles": {
                "ladder": [{"min": "0", "rate": "0.05"}, {"min": "50000", "rate": "0.08"}],
                "team_rate": "0.02",
                "partner": {"months": "3", "threshold": "50000"},
                "promote": {"purchases": "2", "average": "300"},
            },
        },
        [
            ev(type="join", member="P"),
            ev(type="join", member="C1", referrer="P"),
            ev(type="join", member="C2", referrer="P"),
            ev(type="join", member="E", referrer="C1"),
            ev(type="promote", member="P", role="promoter"),
            *_months(["C1", "C2", "E"], "30000", 4),
            ev(type="close_month", month="2026-02"),
            ev(type="close_month", month="2026-04"),
            ev(type="close_month", month="2026-01"),
            ev(type="purchase", member="E", order="late", amount="400"),
            ev(type="close_month", month="2026-05"),
            ev(type="close_month", month="2026-07"),
            ev(type="close_month", month="2026-06"),
        ],
    ),
    # seed 003: only promoters earn the commission once the plan's roles gate it
    "roles-gate": (
        {
            "name": "roles",
            "grant": {"ratio": "1"},
            "commission": {"rates": [{"default": "0.10"}]},
            "roles": {"gate_commission": True},
        },
        [
            ev(type="join", member="P"),
            ev(type="join", member="C", referrer="P"),
            ev(type="purchase", member="C", order="o1", amount="100"),
            ev(type="promote", member="P", role="promoter"),
            ev(type="purchase", member="C", order="o2", amount="100"),
            ev(type="promote", member="nobody", role="promoter"),
        ],
    ),
}


def _report(plan: Plan, lines: list[str], backend: ScenarioBackend) -> str:
    out = io.StringIO()
    run_scenario(plan, iter(lines), backend, out)
    return out.getvalue()


def _ledger(storage: Storage, plan: Plan) -> Ledger:
    return Ledger(storage.ledger, plan, clock=itertools.count(1).__next__)


@pytest.mark.parametrize("name", list(HISTORIES))
def test_program_histories_give_the_engine_report(storage: Storage, name: str) -> None:
    """Given a program history (lottery, spare points, stakes, catalog, roles)
    When it runs through the in-memory book and through the live services
    Then both reports are byte-identical, the books balance and verify finds nothing."""
    raw, lines = HISTORIES[name]
    plan = parse_plan(raw)
    expected = _report(plan, lines, MemoryBook(plan))

    actual = _report(plan, lines, DynamoBackend(_ledger(storage, plan)))

    assert actual == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)
    assert audit.ok, audit.render()


def test_seed_lottery_example_holds_live(storage: Storage) -> None:
    """Given the seed's lottery on the live services
    When A and ten others draw
    Then the eleventh draw pays A 500 and leaves 50 in the pool."""
    raw, lines = HISTORIES["seed-lottery"]
    plan = parse_plan(raw)
    report = json.loads(_report(plan, lines[:-2], DynamoBackend(_ledger(storage, plan))))
    assert report["members"]["A"]["won"] == "500.00"
    assert report["totals"]["lottery_pool"] == "50.00"
    assert report["totals"]["waiting"] == 10


def _lottery_ledger(storage: Storage, members: int) -> Ledger:
    plan = parse_plan({"name": "lottery", "grant": {"ratio": "1"}, "lottery": SEED_LOTTERY})
    ledger = _ledger(storage, plan)
    backend = DynamoBackend(ledger)
    lines = [ev(type="join", member=f"m{i}") for i in range(members)]
    lines += [
        ev(type="purchase", member=f"m{i}", order=f"o{i}", amount="2000") for i in range(members)
    ]
    _report(plan, lines, backend)
    return ledger


def test_a_replayed_draw_changes_nothing(storage: Storage) -> None:
    """Given a member's draw committed under a key
    When the same key is used again
    Then the first result comes back and no second entry, cost or queue place is made."""
    ledger = _lottery_ledger(storage, 1)
    first = ledger.draw("m0", "draw-1")

    again = ledger.draw("m0", "draw-1")

    assert again == first
    assert storage.ledger.lottery_draws() == 1
    assert [entry.seq for entry in storage.ledger.waiting_entries()] == [1]
    assert storage.ledger.get_member("m0").available == 150000  # type: ignore[union-attr]


def test_a_draw_decided_on_a_stale_counter_is_decided_again(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given m0's draw whose first read of the draw counter misses m1's draw made meanwhile
    When it commits
    Then the counter's condition refuses it and the retry queues it after m1's, as number 2."""
    ledger = _lottery_ledger(storage, 2)
    store = storage.ledger
    ledger.draw("m1", "draw-m1")
    stale = [0]  # the counter as it was before m1's draw
    real = store.lottery_draws
    monkeypatch.setattr(store, "lottery_draws", lambda: stale.pop() if stale else real())
    monkeypatch.setattr(ledger, "sleep", lambda _s: None)

    result = ledger.draw("m0", "draw-m0")

    assert result.entry == 2
    assert [(e.seq, e.member) for e in store.waiting_entries()] == [(1, "m1"), (2, "m0")]


def test_stock_never_goes_below_zero_on_a_stale_read(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given one voucher left, and B's redemption reading the item as it was before A's
    When B's redemption commits after A's
    Then the stock condition refuses it, the retry sees none left: out_of_stock, stock 0."""
    plan = parse_plan({"name": "catalog", "grant": {"ratio": "1"}, "catalog": {}})
    ledger = _ledger(storage, plan)
    lines = [ev(type="join", member=m) for m in "AB"]
    lines += [ev(type="purchase", member=m, order=f"o{m}", amount="100") for m in "AB"]
    lines.append(ev(type="list_item", item="cup", name="Cup", price="10", stock=1))
    _report(plan, lines, DynamoBackend(ledger))
    store = storage.ledger
    before = store.catalog_item("cup")
    assert before is not None
    ledger.redeem("A", "cup", "redeem-a", make_code=lambda: "CODE-A")
    stale: list[CatalogItem] = [before]
    real = store.catalog_item
    monkeypatch.setattr(store, "catalog_item", lambda item: stale.pop() if stale else real(item))
    monkeypatch.setattr(ledger, "sleep", lambda _s: None)

    with pytest.raises(Rejected) as refused:
        ledger.redeem("B", "cup", "redeem-b")

    assert refused.value.code == RejectCode.OUT_OF_STOCK
    after = real("cup")
    assert after is not None
    assert (after.stock, after.redeemed) == (0, 1)
    assert [(r.member, r.code) for r in store.redemptions("cup")] == [("A", "CODE-A")]
    assert store.get_member("B").available == 10000  # type: ignore[union-attr]


def test_pool_codes_are_handed_out_in_order(storage: Storage) -> None:
    """Given an item with a pool of two voucher codes
    When two members redeem it
    Then each gets the code numbered like its redemption, and the journal holds no code."""
    plan = parse_plan({"name": "catalog", "grant": {"ratio": "1"}, "catalog": {}})
    ledger = _ledger(storage, plan)
    lines = [ev(type="join", member=m) for m in "AB"]
    lines += [ev(type="purchase", member=m, order=f"o{m}", amount="100") for m in "AB"]
    lines.append(ev(type="list_item", item="trip", name="Trip", price="10", stock=2))
    _report(plan, lines, DynamoBackend(ledger))
    storage.ledger.add_catalog_codes("trip", 1, ["TRIP-ONE", "TRIP-TWO"])

    codes = [ledger.redeem(m, "trip", f"r-{m}").code for m in "AB"]

    assert codes == ["TRIP-ONE", "TRIP-TWO"]
    journal = [entry for m in "AB" for entry in storage.ledger.journal(m)]
    assert not any("TRIP-" in entry.details for entry in journal)


def test_an_interrupted_month_close_finishes_once_on_rerun(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a month close whose worker dies after paying the first member, before the
    page is marked applied
    When the close runs again
    Then it finishes: every member paid once, the month closed, a third run a no-op."""
    raw, lines = HISTORIES["roles-months"]
    plan = parse_plan(raw)
    ledger = _ledger(storage, plan)
    month_one = lines[: lines.index(ev(type="close_month", month="2026-01"))]
    _report(plan, month_one, DynamoBackend(ledger))
    store = storage.ledger
    real = store.commit
    calls: list[str] = []

    def dies_after_one(change: Any) -> Any:
        if calls:
            raise RuntimeError("worker died")
        calls.append(change.event_key)
        return real(change)

    monkeypatch.setattr(store, "commit", dies_after_one)
    with pytest.raises(RuntimeError):
        run_month_close(ledger, "2026-01")
    monkeypatch.setattr(store, "commit", real)

    row = run_month_close(ledger, "2026-01")

    assert row["status"] == "closed"
    assert row["ladder"] == "9600.00"
    assert store.get_member("P").commission == 960000  # type: ignore[union-attr]
    assert run_month_close(ledger, "2026-01")["status"] == "already_closed"
    audit = verify(store)
    assert audit.ok, audit.render()


def test_the_days_aggregate_shows_the_lottery_pool(storage: Storage) -> None:
    """Given the seed lottery's eleven draws (50 left in the pool) and a settlement
    When the date's aggregate is written
    Then its public program figures show the pool, which the board lists."""
    raw, lines = HISTORIES["seed-lottery"]
    plan = parse_plan(raw)
    ledger = _ledger(storage, plan)
    _report(plan, [*lines[:-2], ev(type="settle", date="2026-01-01")], DynamoBackend(ledger))
    run = storage.ledger.settlement_run("2026-01-01")
    assert run is not None

    aggregate = record_daily_aggregate(ledger, run)

    assert aggregate is not None
    assert json.loads(aggregate.programs) == {"lottery": 5000}


def test_verify_catches_an_altered_program_counter(storage: Storage) -> None:
    """Given the seed lottery's history, verified clean
    When A's ``drawn`` counter is raised in the raw table
    Then verify reports A's released identity as broken (programs' flows included)."""
    raw, lines = HISTORIES["seed-lottery"]
    plan = parse_plan(raw)
    _report(plan, lines, DynamoBackend(_ledger(storage, plan)))
    assert verify(storage.ledger).ok

    storage.table.write(Update(member_key("A"), add={"drawn": 100}))

    audit = verify(storage.ledger)
    found = {(m.check, m.subject, m.account) for m in audit.mismatches}
    assert ("statistics", "A", "released") in found


def test_leaving_with_a_draw_that_just_won_is_decided_again(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given A's waiting draw, and A's exit reading A's draws before the draw that makes A
    win commits
    When the exit commits
    Then the entry's condition refuses it, and decided again A has no waiting draw:
    no_entry; A keeps the prize and gets no refund."""
    raw, lines = HISTORIES["seed-lottery"]
    plan = parse_plan(raw)
    ledger = _ledger(storage, plan)
    _report(plan, lines[:-3], DynamoBackend(ledger))  # ten draws: A's turn is next
    store = storage.ledger
    stale = [store.member_entries("A")]
    ledger.draw("m9", "draw-winning")
    real = store.member_entries
    monkeypatch.setattr(store, "member_entries", lambda m: stale.pop() if stale else real(m))
    monkeypatch.setattr(ledger, "sleep", lambda _s: None)

    with pytest.raises(Rejected) as refused:
        ledger.lottery_exit("A", "exit-a")

    assert refused.value.code == RejectCode.NO_ENTRY
    record = store.get_member("A")
    assert record is not None
    assert (record.programs.won, record.programs.spare) == (50_000, 0)


def test_ending_a_stake_waits_for_an_open_settlement_run(storage: Storage) -> None:
    """Given B's open stake and a settlement run claimed and computed (it counted the stake)
    When B ends the stake early
    Then it is refused busy and the stake stays open; after the run it can end."""
    raw, lines = HISTORIES["stake-unstake"]
    plan = parse_plan(raw)
    ledger = _ledger(storage, plan)
    _report(plan, lines[:5], DynamoBackend(ledger))  # A stakes 300 for 2 settlements
    assert prepare_run(ledger, "2026-01-01") is not None

    with pytest.raises(Rejected) as refused:
        ledger.unstake("A", "end-early")

    assert refused.value.code == RejectCode.BUSY
    record = storage.ledger.get_member("A")
    assert record is not None
    assert [s.seq for s in record.programs.stakes] == [1]
    run_settlement(ledger, "2026-01-01")
    assert ledger.unstake("A", "end-after").stake == 1


def test_a_month_waits_for_the_unfinished_close_of_an_earlier_one(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given January's close interrupted after its claim (worker died while computing)
    When February is closed, then January, then February
    Then February is blocked by January (nothing paid), January's rerun takes the run
    over and closes it, and February closes after it."""
    raw, lines = HISTORIES["roles-months"]
    plan = parse_plan(raw)
    ledger = _ledger(storage, plan)
    upto = lines.index(ev(type="close_month", month="2026-01"))
    _report(plan, [*lines[:upto], ev(type="settle", date="2026-02-01")], DynamoBackend(ledger))
    store = storage.ledger
    real = store.iter_members

    def dies() -> Any:
        raise RuntimeError("worker died")

    monkeypatch.setattr(store, "iter_members", dies)
    with pytest.raises(RuntimeError):
        run_month_close(ledger, "2026-01")
    monkeypatch.setattr(store, "iter_members", real)

    with pytest.raises(MonthCloseBlocked) as blocked:
        run_month_close(ledger, "2026-02")

    assert blocked.value.blocked_by == "2026-01"
    assert store.close_run("2026-02") is None
    assert run_month_close(ledger, "2026-01")["status"] == "closed"
    assert run_month_close(ledger, "2026-02")["status"] == "closed"
