"""The live services, on either storage adapter, and the engine's book print the same report.

Seeded random histories (joins under random uplines, purchases with and without
points and categories, repeated orders, settlements including repeated dates,
withdrawals, transfers, freezes, and invalid or blank lines) run through
``run_scenario`` twice: once over the engine's :class:`MemoryBook`, once over
:class:`DynamoBackend` (the live services) on fresh storage with a sequence clock (so
join order is the same) — the in-memory twin and DynamoDB (the local endpoint) in turn,
which makes this the storage contract at the level of whole histories.
The plans are the three presets and random ones that switch on reserve
valuation, commission, deduction, share and team levels with a peer bonus.
"""

from __future__ import annotations

import io
import itertools
import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.events import Join
from functions.rewards.money import format_cents
from functions.rewards.plan import Plan, canonical_plan_text, load_plan_text, parse_plan
from functions.rewards.scenario import ScenarioBackend
from functions.services.ledger import Ledger
from functions.services.scenario_backend import DynamoBackend
from functions.services.verify import verify
from functions.store.storage import Storage
from tests.integration.ledger_state import Tables, table_dump
from tests.support.books import assert_books_balance, ledger_state

PLANS_DIR = Path(__file__).resolve().parents[2] / "infra" / "plans"
EVENTS_PER_SCENARIO = 40
NAMES = [f"m{number}" for number in range(10)] + ["用户甲", "x y"]
INVALID_LINES = [
    "not json",
    "[1, 2]",
    "{}",
    "",
    "   ",
    '{"type": "explode", "member": "m0"}',
    '{"type": "join", "member": ""}',
    '{"type": "purchase", "member": "m0", "order": "bad", "amount": 12.5}',
    '{"type": "purchase", "member": "m1", "order": "bad", "amount": "1.005"}',
    '{"type": "purchase", "member": "m1", "order": "bad", "amount": "0"}',
    '{"type": "purchase", "member": "m1", "order": "bad", "amount": "5", "category": 3}',
    '{"type": "withdraw", "member": "m0", "points": "0"}',
    '{"type": "withdraw", "member": "m0", "points": "-1"}',
    '{"type": "transfer", "from": "m0", "to": "m0", "points": "1"}',
    '{"type": "transfer", "from": "m0", "points": "1"}',
    '{"type": "settle", "date": "2026-02-30"}',
    '{"type": "settle"}',
    '{"type": "freeze"}',
]


def _decimal_text(cents: int, rng: random.Random) -> str:
    """An amount written the ways producers write it: "12", "12.5" or "12.50"."""
    text = format_cents(cents)
    if text.endswith(".00") and rng.random() < 0.5:
        return text[:-3]
    if text.endswith("0") and rng.random() < 0.3:
        return text[:-1]
    return text


def random_plan(rng: random.Random, name: str, musts: frozenset[str]) -> Plan:
    """A valid plan; every mechanism in ``musts`` is on, the others by chance."""

    def wanted(feature: str, chance: float = 0.5) -> bool:
        return feature in musts or rng.random() < chance

    data: dict[str, Any] = {"name": name}
    if rng.random() < 0.5:
        data["grant"] = {"ratio": rng.choice(["0.30", "1", "2.5", "0.07", "0.333"])}
    else:
        lows = rng.sample(["0", "50", "300", "1000", "2500.50"], rng.randint(1, 3))
        mins = sorted(lows, key=Decimal)
        data["grant"] = {
            "tiers": [
                {"name": f"t{n}", "min": low, "multiplier": rng.choice(["0.5", "1.5", "2.5", "4"])}
                for n, low in enumerate(mins)
            ]
        }
    if wanted("daily", 0.6):
        data["release"] = {
            "mode": "daily",
            "daily_rate": rng.choice(["0.012", "0.05", "0.1", "0.333", "1"]),
        }
    if wanted("share", 0.5):
        data["share"] = rng.sample(["0.50", "0.30", "0.1", "0.05"], rng.randint(1, 3))
    if wanted("team", 0.5):
        count = rng.randint(1, 3)
        mins = sorted(rng.sample(["100", "500", "1500", "4000", "9000"], count), key=Decimal)
        rates = sorted(rng.sample(["0.05", "0.10", "0.20", "0.26", "0.5"], count), key=Decimal)
        data["team"] = {
            "levels": [
                {"name": f"L{n}", "min": low, "rate": rate}
                for n, (low, rate) in enumerate(zip(mins, rates, strict=True))
            ],
            "peer_rate": rng.choice(["0.03", "0.1"]) if "team" in musts else "0",
        }
    if wanted("reserve"):
        data["valuation"] = {"mode": "reserve", "reserve_rate": rng.choice(["0.09", "0.2", "0.5"])}
    else:
        data["valuation"] = {"mode": "fixed", "price": rng.choice(["1.00", "0.37", "2"])}
    data["withdrawal"] = {
        "fee_rate": rng.choice(["0", "0.05", "0.20", "0.333"]),
        "min_points": rng.choice(["0", "1", "10.50"]),
    }
    if wanted("deduction"):
        data["deduction"] = {"max_ratio": rng.choice(["0.5", "0.25", "1"])}
    if wanted("commission"):
        generations = [{"default": "0.08", "digital": "0.03"}, {"default": "0.02", "food": "0.1"}]
        data["commission"] = {"rates": generations[: rng.randint(1, 2)]}
    return parse_plan(data)


def random_history(rng: random.Random, size: int) -> list[str]:
    """``size`` JSON lines; names and orders repeat on purpose, some lines are invalid.

    The first third mostly grows the referral tree and buys; the rest mixes every
    event with frequent settlements; the history ends by settling a new date twice.
    """
    joined: list[str] = []
    orders: list[str] = []
    dates: list[str] = []
    lines: list[str] = []

    def someone() -> str:
        if joined and rng.random() < 0.95:
            return rng.choice(joined)
        return rng.choice([*NAMES, "ghost"])

    def points() -> str:
        return _decimal_text(rng.choice([rng.randint(1, 3_000), rng.randint(100, 60_000)]), rng)

    def settle(repeat: bool) -> dict[str, Any]:
        if not (repeat and dates):
            dates.append(f"2026-03-{len(dates) + 1:02d}")
        return {"type": "settle", "date": rng.choice(dates) if repeat else dates[-1]}

    def join() -> dict[str, Any]:
        unused = [name for name in NAMES if name not in joined]
        name = rng.choice(unused) if unused and rng.random() < 0.9 else rng.choice(NAMES)
        event: dict[str, Any] = {"type": "join", "member": name}
        if joined and rng.random() < 0.85:
            # mostly under a recent member, so the tree grows deep as well as wide
            event["referrer"] = rng.choice(joined[-3:]) if rng.random() < 0.95 else "ghost"
        if name not in joined and event.get("referrer") != "ghost":
            joined.append(name)
        return event

    def purchase() -> dict[str, Any]:
        if orders and rng.random() < 0.08:
            order = rng.choice(orders)
        else:
            order = f"o-{len(orders)}"
            orders.append(order)
        low, high = rng.choice([(100, 10_000), (10_000, 300_000), (300_000, 1_200_000)])
        amount = rng.randint(low, high)
        event = {
            "type": "purchase",
            "member": someone(),
            "order": order,
            "amount": _decimal_text(amount, rng),
        }
        if rng.random() < 0.25:
            event["points"] = _decimal_text(rng.randint(0, amount // 2 + 50), rng)
        if rng.random() < 0.3:
            event["category"] = rng.choice(["digital", "food", "books"])
        return event

    for position in range(size - 2):
        roll = rng.random()
        event: dict[str, Any]
        if len(joined) < 2 or (position < size // 3 and roll < 0.55):
            event = join()
        elif roll < 0.40:
            event = purchase()
        elif roll < 0.55:
            event = settle(repeat=rng.random() < 0.2)
        elif roll < 0.67:
            event = {"type": "withdraw", "member": someone(), "points": points()}
        elif roll < 0.78:
            sender = someone()
            recipient = someone()
            if recipient == sender:
                recipient = "ghost"
            event = {"type": "transfer", "from": sender, "to": recipient, "points": points()}
        elif roll < 0.84:
            event = {"type": "freeze", "member": someone()}
        elif roll < 0.90:
            event = {"type": "unfreeze", "member": someone()}
        elif roll < 0.93:
            event = join()
        else:
            lines.append(rng.choice(INVALID_LINES))
            continue
        lines.append(json.dumps(event, ensure_ascii=False))
    final = settle(repeat=False)
    lines += [json.dumps(final), json.dumps(final)]
    return lines


def _preset(name: str) -> Plan:
    return load_plan_text((PLANS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def _scenarios() -> Iterator[Any]:
    for number, name in enumerate(("dividend", "commission", "value")):
        yield pytest.param(name, None, 100 + number, id=f"preset-{name}")
    musts = [
        frozenset({"reserve", "deduction", "commission"}),
        frozenset({"daily", "team", "share"}),
        frozenset({"daily", "team", "reserve", "commission"}),
        frozenset({"daily", "share", "deduction", "reserve"}),
        frozenset(),
    ]
    for number, must in enumerate(musts):
        yield pytest.param(None, must, 200 + number, id=f"random-{number}")


def _report(plan: Plan, lines: list[str], backend: ScenarioBackend) -> str:
    out = io.StringIO()
    run_scenario(plan, iter(lines), backend, out)
    return out.getvalue()


@pytest.mark.parametrize(("preset", "musts", "seed"), list(_scenarios()))
def test_live_report_equals_the_engine_report(
    storage: Storage, preset: str | None, musts: frozenset[str] | None, seed: int
) -> None:
    """Given a seeded random plan (or a preset) and a seeded random history
    When the history runs through the in-memory book and through the DynamoDB services
    Then both reports are byte-identical, and the DynamoDB journal balances."""
    rng = random.Random(seed)
    plan = _preset(preset) if preset else random_plan(rng, f"random-{seed}", musts or frozenset())
    lines = random_history(rng, EVENTS_PER_SCENARIO)

    expected = _report(plan, lines, MemoryBook(plan))
    ledger = Ledger(storage.ledger, plan, clock=itertools.count(1).__next__)
    actual = _report(plan, lines, DynamoBackend(ledger))

    assert actual == expected
    report = json.loads(actual)
    assert report["members"], "the history must create members"
    assert_books_balance(ledger_state(storage.ledger))


def test_histories_exercise_every_kind_of_event() -> None:
    """Given the seeds the equivalence cases use
    When their histories are generated
    Then together they contain every event type, repeated orders and settle dates,
    blank and invalid lines, and purchases paying with points."""
    seen: set[str] = set()
    for param in _scenarios():
        _preset_name, musts, seed = param.values
        rng = random.Random(seed)
        if musts is not None:
            random_plan(rng, "probe", musts)
        lines = random_history(rng, EVENTS_PER_SCENARIO)
        events = [json.loads(line) for line in lines if line not in INVALID_LINES]
        seen.update(event["type"] for event in events)
        settles = [event["date"] for event in events if event["type"] == "settle"]
        if len(settles) != len(set(settles)):
            seen.add("repeated-settle")
        orders = [event["order"] for event in events if event["type"] == "purchase"]
        if len(orders) != len(set(orders)):
            seen.add("repeated-order")
        if any(event.get("points") for event in events if event["type"] == "purchase"):
            seen.add("deduction")
        if any(not line.strip() for line in lines):
            seen.add("blank")
        if any(line in INVALID_LINES and line.strip() for line in lines):
            seen.add("invalid")
    assert seen >= {
        "join",
        "purchase",
        "settle",
        "withdraw",
        "transfer",
        "freeze",
        "unfreeze",
        "repeated-settle",
        "repeated-order",
        "deduction",
        "blank",
        "invalid",
    }


EDGE_PLAN = parse_plan(
    {"name": "edge", "grant": {"ratio": "1"}, "commission": {"rates": [{"default": "0.1"}]}}
)
EDGE_CASES = {
    # regression: MemoryBook looked up the unknown buyer's uplines before the rules
    # could reject it, and crashed with KeyError (fixed in MemoryBook.ancestors)
    "unknown-buyer-with-commission": [
        '{"type": "join", "member": "A"}',
        '{"type": "purchase", "member": "ghost", "order": "o-1", "amount": "100"}',
        '{"type": "purchase", "member": "A", "order": "o-1", "amount": "100"}',
    ],
    "settle-before-anyone-joined": [
        '{"type": "settle", "date": "2026-01-01"}',
        '{"type": "settle", "date": "2026-01-01"}',
        '{"type": "join", "member": "A"}',
    ],
}
# Former bugs, fixed: the DynamoDB run crashed on these while memory accepted them; the
# engine now refuses such names as invalid_event for both backends.
EDGE_FIXED = {
    "member-named-like-the-platform-account": (
        [
            '{"type": "join", "member": "@system"}',
            '{"type": "purchase", "member": "@system", "order": "o-1", "amount": "100"}',
        ],
        "the store sends every posting whose owner is '@system' (ledger.SYSTEM) to the "
        "platform totals, so a member of that name crashes the DynamoDB run with "
        "KeyError(Bucket.AVAILABLE); the memory book accepts the name",
    ),
    "member-name-longer-than-a-dynamodb-key": (
        [
            json.dumps({"type": "join", "member": "x" * 1100}),
            '{"type": "join", "member": "A"}',
        ],
        "names go into sort keys (gsi1sk, CHILD#...) limited to 1024 bytes: DynamoDB "
        "refuses the join (ValidationException) and the run dies with TransactWriteError, "
        "while the memory book accepts any length",
    ),
    "order-id-longer-than-a-dynamodb-key": (
        [
            '{"type": "join", "member": "A"}',
            json.dumps({"type": "purchase", "member": "A", "order": "o" * 2100, "amount": "1"}),
        ],
        "order ids go into the partition key ORDER#<order> limited to 2048 bytes: the "
        "DynamoDB run dies with TransactWriteError, the memory book accepts the order",
    ),
    "name-with-a-lone-surrogate": (
        ['{"type": "join", "member": "\\ud800"}', '{"type": "join", "member": "A"}'],
        'JSON "\\ud800" decodes to a string UTF-8 cannot encode: the DynamoDB run dies '
        "with UnicodeEncodeError and the memory report cannot be written as UTF-8 "
        "(the CLI crashes on stdout); such names should be invalid_event",
    ),
}


def _edge_params() -> Iterator[Any]:
    for name, lines in EDGE_CASES.items():
        yield pytest.param(lines, id=name)
    for name, (lines, _why_it_broke) in EDGE_FIXED.items():
        yield pytest.param(lines, id=name)


@pytest.mark.parametrize("lines", list(_edge_params()))
def test_edge_histories_give_equal_reports(storage: Storage, lines: list[str]) -> None:
    """Given a short history probing one edge of names, orders or settlement
    When it runs through the memory book and through the DynamoDB services
    Then both print the same UTF-8 report."""
    expected = _report(EDGE_PLAN, lines, MemoryBook(EDGE_PLAN))
    expected.encode("utf-8")
    ledger = Ledger(storage.ledger, EDGE_PLAN, clock=itertools.count(1).__next__)
    assert _report(EDGE_PLAN, lines, DynamoBackend(ledger)) == expected


def test_two_dynamodb_stores_in_one_process_keep_their_own_tables(
    contract_tables: Tables,
) -> None:
    """Given two stores built one after the other on two tables
    When the first store's ledger creates a member
    Then that member is in the first table, and not in the second.

    (Regression: the pynamodb models were bound to the latest store's table globally.)"""
    first_table, second_table = contract_tables.create(), contract_tables.create()
    first = contract_tables.store(first_table)
    contract_tables.store(second_table)
    Ledger(first, EDGE_PLAN).join(Join("A"), "join-A")
    assert "M#A ACCOUNT" in table_dump(contract_tables.client, first_table)
    assert "M#A ACCOUNT" not in table_dump(contract_tables.client, second_table)


# -- refunds (economics, issue 12) ---------------------------------------------------------

REFUND_PLAN = parse_plan(
    {
        "name": "refunds",
        "grant": {"ratio": "0.30"},
        "release": {"mode": "daily", "daily_rate": "0.10"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "deduction": {"max_ratio": "0.50"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
        "share": ["0.50"],
        "commission": {"rates": [{"default": "0.08"}, {"default": "0.02"}]},
        "refund": {"window_settlements": 2},
    }
)


def _refund_history() -> list[str]:
    """A history whose refunds void locked grants, take released points back, leave debt
    that the next settlement repays, take commission back, and are refused for an
    unknown order, a repeat, a closed window and a debtor's withdrawal."""
    events: list[dict[str, Any]] = [
        {"type": "join", "member": "A"},
        {"type": "join", "member": "B", "referrer": "A"},
        {"type": "join", "member": "C", "referrer": "B"},
        {"type": "purchase", "member": "A", "order": "o-1", "amount": "500"},
        {"type": "purchase", "member": "C", "order": "o-2", "amount": "1000"},
        {"type": "purchase", "member": "C", "order": "o-3", "amount": "800"},
        {"type": "settle", "date": "2026-03-01"},
        {"type": "transfer", "from": "C", "to": "A", "points": "150"},
        {"type": "refund", "order": "o-2"},
        {"type": "refund", "order": "o-2"},
        {"type": "refund", "order": "o-404"},
        {"type": "withdraw", "member": "C", "points": "1"},
        {"type": "settle", "date": "2026-03-02"},
        {"type": "transfer", "from": "A", "to": "C", "points": "20"},
        {"type": "settle", "date": "2026-03-03"},
        {"type": "refund", "order": "o-1"},
        {"type": "purchase", "member": "B", "order": "o-4", "amount": "300", "points": "0"},
        {"type": "refund", "order": "o-4"},
        {"type": "withdraw", "member": "C", "points": "1"},
    ]
    return [json.dumps(event) for event in events]


def test_refund_histories_give_equal_reports(storage: Storage) -> None:
    """Given a history with refunds, debt and its repayment (and refused refunds)
    When it runs through the memory book and through the live services on each storage
    Then both reports are byte-identical (refund fields included), the books balance and
    jifen verify finds nothing."""
    lines = _refund_history()
    expected = _report(REFUND_PLAN, lines, MemoryBook(REFUND_PLAN))
    report = json.loads(expected)
    assert report["totals"]["refunds"] == 2
    assert {row["code"] for row in report["rejected"]} == {
        "already_refunded",
        "unknown_order",
        "refund_window_closed",
        "in_debt",
    }
    ledger = Ledger(storage.ledger, REFUND_PLAN, clock=itertools.count(1).__next__)
    assert _report(REFUND_PLAN, lines, DynamoBackend(ledger)) == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)  # jifen verify stays clean after refunds and debt
    assert audit.ok, audit


def _gift_history() -> list[str]:
    """Gifts of locked grants (the oldest, a chosen order, a grant given on twice), their
    refusals, settlements releasing them for their new holders, and a refund of a gifted
    order that voids the remainder at its last holder."""
    events: list[dict[str, Any]] = [
        {"type": "join", "member": "A"},
        {"type": "join", "member": "B", "referrer": "A"},
        {"type": "join", "member": "C", "referrer": "B"},
        {"type": "purchase", "member": "A", "order": "o-1", "amount": "1000"},
        {"type": "purchase", "member": "A", "order": "o-2", "amount": "400"},
        {"type": "purchase", "member": "C", "order": "o-3", "amount": "700"},
        {"type": "settle", "date": "2026-03-01"},
        {"type": "transfer", "from": "A", "to": "B", "locked": True},
        {"type": "transfer", "from": "C", "to": "A", "locked": True, "order": "o-3"},
        {"type": "transfer", "from": "C", "to": "A", "locked": True},
        {"type": "transfer", "from": "A", "to": "B", "locked": True, "order": "o-9"},
        {"type": "settle", "date": "2026-03-02"},
        {"type": "transfer", "from": "B", "to": "C", "locked": True, "order": "o-1"},
        {"type": "refund", "order": "o-1"},
        {"type": "refund", "order": "o-3"},
        {"type": "settle", "date": "2026-03-03"},
    ]
    return [json.dumps(event) for event in events]


def test_gift_histories_give_equal_reports(storage: Storage) -> None:
    """Given a history with gifts of locked points and refunds of gifted orders
    When it runs through the memory book and through the live services on each storage
    Then both reports are byte-identical, the books balance and jifen verify is clean."""
    lines = _gift_history()
    expected = _report(REFUND_PLAN, lines, MemoryBook(REFUND_PLAN))
    report = json.loads(expected)
    assert {row["code"] for row in report["rejected"]} == {
        "insufficient_points",
        "unknown_order",
    }
    assert report["totals"]["voided"] != "0.00"
    ledger = Ledger(storage.ledger, REFUND_PLAN, clock=itertools.count(1).__next__)
    assert _report(REFUND_PLAN, lines, DynamoBackend(ledger)) == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)
    assert audit.ok, audit


# -- release stages, the activity gate and the throttle (economics, issue 12) ---------------

CONTROLS_PLAN = parse_plan(
    {
        "name": "release-controls",
        "grant": {"ratio": "2"},
        "release": {
            "mode": "daily",
            "stages": [{"days": 2, "daily_rate": "0.04"}, {"daily_rate": "0.02"}],
            "requires_activity": {"within_settlements": 2},
            "throttle": {"target_coverage": "1.0", "floor": "0.5"},
        },
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "deduction": {"max_ratio": "0.50"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
        "share": ["0.50"],
        "team": {"levels": [{"name": "L1", "min": "500", "rate": "0.10"}], "peer_rate": "0.03"},
        "refund": {"window_settlements": 3},
    }
)


def _controls_history() -> list[str]:
    """Staged grants moving through their stages, members waiting at the gate (and the
    acceleration into a gated member forfeited), a referral and a purchase reopening it,
    runs the throttle scales (little cash, a refund taking cash back), a staged grant
    gifted on with its counter, a grant whose daily amount floors to 0 (its counter moves
    while no points do), and a repeated date."""
    events: list[dict[str, Any]] = [
        {"type": "join", "member": "A"},
        {"type": "join", "member": "B", "referrer": "A"},
        {"type": "join", "member": "C", "referrer": "B"},
        {"type": "purchase", "member": "A", "order": "o-1", "amount": "1000"},
        {"type": "purchase", "member": "B", "order": "o-2", "amount": "600"},
        {"type": "purchase", "member": "C", "order": "o-3", "amount": "400"},
        {"type": "settle", "date": "2026-03-01"},
        {"type": "purchase", "member": "C", "order": "o-4", "amount": "120"},
        {"type": "settle", "date": "2026-03-02"},
        {"type": "settle", "date": "2026-03-02"},
        {"type": "transfer", "from": "B", "to": "C", "locked": True, "order": "o-2"},
        {"type": "settle", "date": "2026-03-03"},
        {"type": "join", "member": "D", "referrer": "A"},
        {"type": "purchase", "member": "D", "order": "o-5", "amount": "300"},
        {"type": "join", "member": "E", "referrer": "D"},
        {"type": "purchase", "member": "E", "order": "o-7", "amount": "0.20"},
        {"type": "refund", "order": "o-4"},
        {"type": "settle", "date": "2026-03-04"},
        {"type": "settle", "date": "2026-03-05"},
        {"type": "purchase", "member": "B", "order": "o-6", "amount": "20", "points": "5"},
        {"type": "settle", "date": "2026-03-06"},
        {"type": "settle", "date": "2026-03-07"},
        {"type": "withdraw", "member": "A", "points": "10"},
    ]
    return [json.dumps(event) for event in events]


def test_release_control_histories_give_equal_reports(storage: Storage) -> None:
    """Given a history under release stages, the activity gate and the throttle together
    When it runs through the memory book and through the live services on each storage
    Then both reports are byte-identical (throttle factors and gated counts on every
    settlement row), the books balance and jifen verify finds nothing."""
    lines = _controls_history()
    expected = _report(CONTROLS_PLAN, lines, MemoryBook(CONTROLS_PLAN))
    rows = [row for row in json.loads(expected)["settlements"] if row["status"] == "settled"]
    assert any(row["gated"] for row in rows)  # the history exercises what it claims to
    assert any(row["throttle"] not in ("1", "0.5") for row in rows)
    assert any(row["throttle"] == "0.5" for row in rows)
    assert any(row["forfeited"] != "0.00" for row in rows)
    ledger = Ledger(storage.ledger, CONTROLS_PLAN, clock=itertools.count(1).__next__)
    assert _report(CONTROLS_PLAN, lines, DynamoBackend(ledger)) == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)
    assert audit.ok, audit


# -- dividend pools in the live settlement (economics, issue 12) ----------------------------

POOLS_PLAN = parse_plan(
    {
        **json.loads(canonical_plan_text(CONTROLS_PLAN)),
        "name": "pools",
        "commission": {"rates": [{"default": "0.05"}]},
        "pools": [
            {"name": "all", "rate": "0.013"},
            {"name": "all-cash", "rate": "0.007", "pay_as": "cash"},
            {
                "name": "leaders",
                "rate": "0.021",
                "mode": "weighted",
                "eligible": {"min_level": "L1"},
            },
            {
                "name": "leaders-cash",
                "rate": "0.011",
                "mode": "weighted",
                "pay_as": "cash",
                "eligible": {"min_level": "L1"},
            },
        ],
    }
)


def test_pool_histories_give_equal_reports(storage: Storage) -> None:
    """Given the release-control history under a plan with four global dividend pools
    (equal and weighted, points and cash) and commission a refund takes back
    When it runs through the memory book and through the live services on each storage
    Then both reports are byte-identical (payouts, carried balances, the members' pool
    figures), the books balance and jifen verify finds nothing."""
    lines = _controls_history()
    expected = _report(POOLS_PLAN, lines, MemoryBook(POOLS_PLAN))
    report = json.loads(expected)
    rows = [row for row in report["settlements"] if row["status"] == "settled"]
    paid = {pool["name"] for row in rows for pool in row["pools"] if pool["paid"] != "0.00"}
    assert paid == {"all", "all-cash", "leaders", "leaders-cash"}
    assert report["totals"]["pool_balance"] != "0.00"  # floored remainders carried on
    ledger = Ledger(storage.ledger, POOLS_PLAN, clock=itertools.count(1).__next__)
    assert _report(POOLS_PLAN, lines, DynamoBackend(ledger)) == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)
    assert audit.ok, audit


REGION_PLAN = parse_plan(
    {
        **json.loads(canonical_plan_text(POOLS_PLAN)),
        "name": "region-pools",
        "pools": [
            {"name": "all", "rate": "0.013"},
            {"name": "local", "rate": "0.031", "scope": "region"},
            {"name": "local-cash", "rate": "0.017", "scope": "region", "pay_as": "cash"},
            {
                "name": "local-leaders",
                "rate": "0.023",
                "scope": "region",
                "mode": "weighted",
                "eligible": {"min_level": "L1"},
            },
        ],
    }
)


def _region_history() -> list[str]:
    """Members joining with and without a region, an operator moving one (and clearing
    another's), a refund of an order counted in the region its buyer has since left."""
    events: list[dict[str, Any]] = [
        {"type": "join", "member": "A", "region": "north"},
        {"type": "join", "member": "B", "referrer": "A", "region": "north"},
        {"type": "join", "member": "C", "referrer": "A", "region": "south"},
        {"type": "join", "member": "D", "referrer": "B"},
        {"type": "purchase", "member": "D", "order": "o-1", "amount": "1000"},
        {"type": "purchase", "member": "C", "order": "o-2", "amount": "503"},
        {"type": "purchase", "member": "B", "order": "o-3", "amount": "251"},
        {"type": "settle", "date": "2026-03-01"},
        {"type": "set_region", "member": "D", "region": "north"},
        {"type": "purchase", "member": "C", "order": "o-4", "amount": "200"},
        {"type": "set_region", "member": "C", "region": "north"},
        {"type": "purchase", "member": "D", "order": "o-5", "amount": "77"},
        {"type": "settle", "date": "2026-03-02"},
        {"type": "refund", "order": "o-4"},
        {"type": "set_region", "member": "B", "region": None},
        {"type": "purchase", "member": "A", "order": "o-6", "amount": "333"},
        {"type": "settle", "date": "2026-03-03"},
        {"type": "set_region", "member": "nobody", "region": "north"},
        {"type": "settle", "date": "2026-03-04"},
    ]
    return [json.dumps(event) for event in events]


def test_region_pool_histories_give_equal_reports(storage: Storage) -> None:
    """Given a history of members in regions (set at join, changed and cleared by an
    operator, a refund after the buyer moved) under global and region-scoped pools
    When it runs through the memory book and through the live services on each storage
    Then both reports are byte-identical (per-region payouts and carried balances, the
    members' regions), the books balance and jifen verify finds nothing."""
    lines = _region_history()
    expected = _report(REGION_PLAN, lines, MemoryBook(REGION_PLAN))
    report = json.loads(expected)
    rows = [row for row in report["settlements"] if row["status"] == "settled"]
    scoped = {(pool["name"], pool.get("region")) for row in rows for pool in row["pools"]}
    assert ("local", "north") in scoped
    assert ("local-cash", "south") in scoped
    assert any(pool["name"] == "local-leaders" for row in rows for pool in row["pools"])
    assert {row["code"] for row in report["rejected"]} == {"unknown_member"}
    assert {name: m["region"] for name, m in report["members"].items()} == {
        "A": "north",
        "B": None,
        "C": "north",
        "D": "north",
    }
    ledger = Ledger(storage.ledger, REGION_PLAN, clock=itertools.count(1).__next__)
    assert _report(REGION_PLAN, lines, DynamoBackend(ledger)) == expected
    assert_books_balance(ledger_state(storage.ledger))
    audit = verify(storage.ledger)
    assert audit.ok, audit
