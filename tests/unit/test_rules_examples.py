"""The worked examples of RULES.md and SCENARIOS.md, as golden tests."""

from __future__ import annotations

from functions.rewards.plan import load_plan_text
from functions.rewards.settlement import SettlementInput, settle

from .helpers import buy, join, plan_of, run
from .helpers import settle as settle_on

DIVIDEND = load_plan_text(
    """
name: dividend
grant:
  tiers:
    - {name: junior, min: "3000", multiplier: "2.5"}
    - {name: middle, min: "9000", multiplier: "3"}
release: {mode: daily, daily_rate: "0.012"}
share: ["0.50", "0.30"]
"""
)


def test_share_example_matches_the_documented_output() -> None:
    """Given A refers B and each buys 3000 on a 2.5x tier with 1.2% daily release,
    When one settlement runs,
    Then the report is exactly the one SCENARIOS.md shows."""
    report, _ = run(
        DIVIDEND,
        join("A"),
        join("B", "A"),
        buy("A", "o-1", "3000.00"),
        buy("B", "o-2", "3000.00"),
        settle_on("2026-01-01"),
    )
    assert report["plan"] == "dividend"
    assert report["members"]["A"] == {
        "available": "54.00",
        "locked": "7446.00",
        "released": "54.00",
        "forfeited": "0.00",
        "personal_volume": "3000.00",
        "team_volume": "3000.00",
        "level": None,
        "frozen": False,
        "withdrawn_cash": "0.00",
        "commission": "0.00",
    }
    assert report["members"]["B"]["available"] == "36.00"
    assert report["members"]["B"]["locked"] == "7464.00"
    assert report["totals"] == {
        "granted": "15000.00",
        "released": "90.00",
        "forfeited": "0.00",
        "locked": "14910.00",
        "circulating": "90.00",
        "burned": "0.00",
        "reserve": "0.00",
        "price": "1.00",
        "withdrawn_cash": "0.00",
        "fees": "0.00",
        "commission": "0.00",
    }
    row = report["settlements"][0]
    assert (row["date"], row["status"], row["static"], row["share"], row["paid"]) == (
        "2026-01-01",
        "settled",
        "72.00",
        "18.00",
        "18.00",
    )
    assert (row["team"], row["peer"], row["forfeited"]) == ("0.00", "0.00", "0.00")


def test_grants_release_separately_and_the_oldest_pays_acceleration_first() -> None:
    """Given A buys 3000 (7500 points, 36/day) then 9000 (27000, 108/day) and B under A buys 3000,
    When one settlement runs,
    Then A releases 144 statically and the share of 18 comes out of the first grant."""
    _, book = run(
        DIVIDEND,
        join("A"),
        join("B", "A"),
        buy("A", "o-1", "3000"),
        buy("A", "o-2", "9000"),
        buy("B", "o-3", "3000"),
        settle_on("2026-01-01"),
    )
    a = book.index["A"]
    assert book.grants[a] == [(750000 - 3600 - 1800, 3600), (2700000 - 10800, 10800)]
    assert book.members[a].released == 14400 + 1800


def test_team_differential_example_from_seed_004() -> None:
    """Given A (50%) refers B (44%) refers C (10%), and C's downline releases 10000 today,
    When settlement computes team rewards,
    Then C earns 1000, B 3400 and A 600."""
    plan = plan_of(
        team={
            "levels": [
                {"name": "bronze", "min": "100", "rate": "0.10"},
                {"name": "star", "min": "200", "rate": "0.44"},
                {"name": "king", "min": "300", "rate": "0.50"},
            ],
            "peer_rate": "0.03",
        }
    )
    # members: 0 A, 1 B (A), 2 C (B), 3 D (C, releases 10000), 4 E (B), 5 F (A)
    state = SettlementInput(
        parents=[-1, 0, 1, 2, 1, 0],
        personal_volume=[0, 0, 0, 10000, 10000, 10000],
        grants=[[(10**9, 0)], [(10**9, 0)], [(10**9, 0)], [(10**8, 1_000_000)], [], []],
    )
    result = settle(plan, state)
    assert result.level[:3] == [2, 1, 0]
    assert result.team[:3] == [60000, 340000, 100000]
    assert result.peer == [0] * 6
    assert result.paid[:3] == [60000, 340000, 100000]


def test_equal_levels_pay_the_peer_bonus_once() -> None:
    """Given A and B both at 10% and C at no level, with C releasing 10000,
    When settlement runs,
    Then B earns the 10% differential and A the 3% peer bonus.
    And with a third 10% member above, only the first peer is paid."""
    plan = plan_of(
        team={"levels": [{"name": "bronze", "min": "100", "rate": "0.10"}], "peer_rate": "0.03"}
    )
    locked = (10**9, 0)
    # 0 Z (above A), 1 A, 2 B, 3 C releases 10000
    state = SettlementInput(
        parents=[-1, 0, 1, 2],
        personal_volume=[0, 0, 0, 10000],
        grants=[[locked], [locked], [locked], [(10**8, 1_000_000)]],
    )
    result = settle(plan, state)
    assert result.team == [0, 0, 100000, 0]
    assert result.peer == [0, 30000, 0, 0]


def test_reserve_valuation_withdrawal_example_from_seed_002() -> None:
    """Given two purchases of 100 at ratio 0.30 with a 9% reserve and 20% fee,
    When A withdraws 30 points,
    Then gross 9.00, net 7.20, fee 1.80 and the price rises from 0.30 to 0.36."""
    plan = plan_of(
        grant={"ratio": "0.30"},
        valuation={"mode": "reserve", "reserve_rate": "0.09"},
        withdrawal={"fee_rate": "0.20"},
    )
    before, _ = run(plan, join("A"), join("B"), buy("A", "o-1", "100"), buy("B", "o-2", "100"))
    assert (before["totals"]["reserve"], before["totals"]["circulating"]) == ("18.00", "60.00")
    assert before["totals"]["price"] == "0.30"
    after, _ = run(
        plan,
        join("A"),
        join("B"),
        buy("A", "o-1", "100"),
        buy("B", "o-2", "100"),
        {"type": "withdraw", "member": "A", "points": "30"},
    )
    totals = after["totals"]
    assert totals["reserve"] == "10.80"
    assert totals["circulating"] == "30.00"
    assert totals["price"] == "0.36"
    assert (totals["withdrawn_cash"], totals["fees"], totals["burned"]) == ("7.20", "1.80", "30.00")
    assert after["members"]["A"]["withdrawn_cash"] == "7.20"


def test_acceleration_beyond_locked_points_is_forfeited() -> None:
    """Given A holds no locked points and B under A releases 36,
    When settlement runs,
    Then A's 18 share is forfeited, not paid."""
    report, _ = run(
        DIVIDEND, join("A"), join("B", "A"), buy("B", "o-1", "3000"), settle_on("2026-01-01")
    )
    assert report["members"]["A"]["forfeited"] == "18.00"
    assert report["members"]["A"]["available"] == "0.00"
    assert report["settlements"][0]["forfeited"] == "18.00"
    assert report["settlements"][0]["paid"] == "0.00"


def test_a_repeated_settlement_date_changes_nothing() -> None:
    """Given one settlement already ran for a date,
    When the same date is settled again,
    Then it reports already_settled and no balance moves."""
    events = [join("A"), buy("A", "o-1", "3000"), settle_on("2026-01-01")]
    once, _ = run(DIVIDEND, *events)
    twice, _ = run(DIVIDEND, *events, settle_on("2026-01-01"))
    assert twice["members"] == once["members"]
    assert twice["totals"] == once["totals"]
    assert twice["settlements"][1]["status"] == "already_settled"


def test_commission_pays_two_generations_by_category() -> None:
    """Given C's referrer B and B's referrer A on the seed-003 commission plan,
    When C buys 200 of digital goods and 100 uncategorised,
    Then B earns 3% + 8% and A earns 2% of each."""
    plan = plan_of(
        commission={"rates": [{"default": "0.08", "digital": "0.03"}, {"default": "0.02"}]}
    )
    report, _ = run(
        plan,
        join("A"),
        join("B", "A"),
        join("C", "B"),
        buy("C", "o-1", "200", category="digital"),
        buy("C", "o-2", "100"),
    )
    assert report["members"]["B"]["commission"] == "14.00"
    assert report["members"]["A"]["commission"] == "6.00"
    assert report["totals"]["commission"] == "20.00"
