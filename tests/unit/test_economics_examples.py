"""The worked examples of docs/rules-programs.md (economics controls, issue 12), pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.rewards.plan import load_plan_text

from .helpers import buy, join, plan_of, run
from .helpers import settle as settle_on


def _region_join(member: str, region: str, referrer: str | None = None) -> dict[str, Any]:
    return {**join(member, referrer), "region": region}


def test_refund_example_claws_back_takes_commission_back_and_leaves_debt() -> None:
    """Given the refund example: A refers B, both buy, one settlement, B gives 80 away,
    When B's order is refunded, B tries to withdraw, buys again and a settlement runs,
    Then 900 is voided, 20 taken back, B owes 80 (then 50), A's commission returns 100,
    A keeps its acceleration, and the totals reconcile with voided and clawed back."""
    plan = plan_of(
        grant={"ratio": "1"},
        release={"mode": "daily", "daily_rate": "0.10"},
        share=["0.50"],
        commission={"rates": [{"default": "0.10"}]},
        refund={"window_settlements": 7},
    )
    report, _ = run(
        plan,
        join("A"),
        join("B", "A"),
        buy("A", "o-1", "200"),
        buy("B", "o-2", "1000"),
        settle_on("2026-01-01"),
        {"type": "transfer", "from": "B", "to": "A", "points": "80"},
        {"type": "refund", "order": "o-2"},
        {"type": "withdraw", "member": "B", "points": "1"},
        buy("B", "o-3", "300"),
        settle_on("2026-01-02"),
    )
    assert [(row["line"], row["code"]) for row in report["rejected"]] == [(8, "in_debt")]
    assert "80.00" in report["rejected"][0]["message"]
    a, b = report["members"]["A"], report["members"]["B"]
    assert (b["available"], b["locked"], b["debt"]) == ("0.00", "270.00", "50.00")
    assert (a["available"], a["commission"], a["commission_debt"]) == ("185.00", "30.00", "0.00")
    assert a["released"] == "105.00"  # 20 + 50 share + 20 + 15 share: the 50 stays A's
    totals = report["totals"]
    assert (totals["granted"], totals["released"], totals["locked"]) == (
        "1500.00",
        "235.00",
        "365.00",
    )
    assert (totals["voided"], totals["clawed_back"], totals["circulating"]) == (
        "900.00",
        "50.00",
        "185.00",
    )
    assert (totals["refunds"], totals["refunded"], totals["debt"]) == (1, "1000.00", "50.00")


def test_refund_window_and_repeat_are_refused_and_change_nothing() -> None:
    """Given a plan whose refunds close after 1 settlement,
    When an order is refunded twice, an unknown order is refunded, and an order two runs old,
    Then the rejections come in the documented order and each changes nothing."""
    plan = plan_of(grant={"ratio": "1"}, refund={"window_settlements": 1})
    events: list[dict[str, Any]] = [
        join("A"),
        buy("A", "o-1", "10"),
        buy("A", "o-2", "10"),
        {"type": "refund", "order": "o-1"},
    ]
    before, _ = run(plan, *events)
    after, _ = run(
        plan,
        *events,
        {"type": "refund", "order": "o-1"},
        {"type": "refund", "order": "o-9"},
        settle_on("2026-01-01"),
        settle_on("2026-01-02"),
        {"type": "refund", "order": "o-2"},
    )
    assert [row["code"] for row in after["rejected"]] == [
        "already_refunded",
        "unknown_order",
        "refund_window_closed",
    ]
    assert after["members"] == before["members"]
    assert after["totals"] == before["totals"]


def test_stages_and_activity_gate_example() -> None:
    """Given two stages (2 days at 2%, then 1%) and the gate within 2 settlements,
    When A buys 1000 and six settlements run, B joining under A before the fourth,
    Then runs release 20, 20, 0 (gated), 10, 10, 0 (gated): A holds 60 and 940 locked."""
    plan = plan_of(
        grant={"ratio": "1"},
        release={
            "mode": "daily",
            "stages": [{"days": 2, "daily_rate": "0.02"}, {"daily_rate": "0.01"}],
            "requires_activity": {"within_settlements": 2},
        },
    )
    report, _ = run(
        plan,
        join("A"),
        buy("A", "o-1", "1000"),
        settle_on("2026-01-01"),
        settle_on("2026-01-02"),
        settle_on("2026-01-03"),
        join("B", "A"),
        settle_on("2026-01-04"),
        settle_on("2026-01-05"),
        settle_on("2026-01-06"),
    )
    rows = report["settlements"]
    assert [row["static"] for row in rows] == ["20.00", "20.00", "0.00", "10.00", "10.00", "0.00"]
    assert [row["gated"] for row in rows] == [0, 0, 1, 0, 0, 1]
    a = report["members"]["A"]
    assert (a["available"], a["locked"]) == ("60.00", "940.00")


def test_throttle_example() -> None:
    """Given ratio 2, 10% daily, throttle target 1.0 floor 0.5,
    When cash covers run 1 fully, run 2 by 150 of 214.99 and run 3 by 30 of 217.99,
    Then the factors are 1, 0.6977 (floored to four places) and the floor 0.5."""
    plan = plan_of(
        grant={"ratio": "2"},
        release={
            "mode": "daily",
            "daily_rate": "0.10",
            "throttle": {"target_coverage": "1.0", "floor": "0.5"},
        },
    )
    report, _ = run(
        plan,
        join("A"),
        join("B"),
        buy("A", "o-1", "1000"),
        buy("B", "o-2", "999.99"),
        settle_on("2026-01-01"),
        buy("A", "o-3", "150"),
        settle_on("2026-01-02"),
        buy("A", "o-4", "30"),
        settle_on("2026-01-03"),
    )
    rows = report["settlements"]
    assert [(row["throttle"], row["static"]) for row in rows] == [
        ("1", "199.99"),
        ("0.6977", "149.99"),
        ("0.5", "108.99"),
    ]
    # A: 100 + (69.77 + 10.46) + (50 + 7.50 + 1.50); B: 99.99 + 69.76 + 49.99
    assert report["members"]["A"]["released"] == "239.23"
    assert report["members"]["B"]["released"] == "219.74"


def test_issuance_cap_and_category_bonus_example() -> None:
    """Given ratio 4 released at once, issuance cap 3 and a 20% bonus on green,
    When A buys 1000 and B buys 500 and 100 of green,
    Then the grants are cut to 3000, 1500 and 300: capped 2080 and bonus 480 in totals."""
    plan = plan_of(
        grant={"ratio": "4", "issuance_cap": {"ratio": "3"}, "category_bonus": {"green": "0.20"}}
    )
    report, _ = run(
        plan,
        join("A"),
        join("B"),
        buy("A", "o-1", "1000"),
        buy("B", "o-2", "500", category="green"),
        buy("B", "o-3", "100", category="green"),
    )
    assert report["members"]["A"]["available"] == "3000.00"
    assert report["members"]["B"]["available"] == "1800.00"
    totals = report["totals"]
    assert (totals["granted"], totals["capped"], totals["bonus"]) == (
        "4800.00",
        "2080.00",
        "480.00",
    )


def test_dividend_pools_example() -> None:
    """Given pools all (1% equal points), leaders (2% weighted cash, bronze) and region (3%),
    When D buys 1000, C 500 and B 250 and two settlements run,
    Then the shares, carried remainders and member breakdowns are the documented ones."""
    plan = plan_of(
        team={"levels": [{"name": "bronze", "min": "100", "rate": "0"}]},
        pools=[
            {"name": "all", "rate": "0.01"},
            {
                "name": "leaders",
                "rate": "0.02",
                "mode": "weighted",
                "pay_as": "cash",
                "eligible": {"min_level": "bronze"},
            },
            {"name": "region", "rate": "0.03", "scope": "region"},
        ],
    )
    report, _ = run(
        plan,
        _region_join("A", "north"),
        _region_join("B", "north", "A"),
        _region_join("C", "south", "A"),
        _region_join("D", "north", "B"),
        buy("D", "o-1", "1000"),
        buy("C", "o-2", "500"),
        buy("B", "o-3", "250"),
        settle_on("2026-01-01"),
        settle_on("2026-01-02"),
    )
    first, second = report["settlements"]
    assert first["pools"] == [
        {"name": "all", "intake": "17.50", "paid": "17.48", "balance": "0.02", "members": 4},
        {"name": "leaders", "intake": "35.00", "paid": "34.99", "balance": "0.01", "members": 2},
        {
            "name": "region",
            "region": "north",
            "intake": "37.50",
            "paid": "37.50",
            "balance": "0.00",
            "members": 3,
        },
        {
            "name": "region",
            "region": "south",
            "intake": "15.00",
            "paid": "15.00",
            "balance": "0.00",
            "members": 1,
        },
    ]
    assert [(pool["name"], pool["balance"]) for pool in second["pools"]] == [
        ("all", "0.02"),
        ("leaders", "0.01"),
    ]
    members = report["members"]
    assert {name: (m["pool_points"], m["pool_cash"]) for name, m in members.items()} == {
        "A": ("16.87", "22.27"),
        "B": ("16.87", "12.72"),
        "C": ("19.37", "0.00"),
        "D": ("16.87", "0.00"),
    }
    totals = report["totals"]
    assert (totals["pool_points"], totals["pool_cash"], totals["pool_balance"]) == (
        "69.98",
        "34.99",
        "0.03",
    )


def test_gift_of_locked_points_example() -> None:
    """Given stages 1 day at 10% then 5%, A buys 1000 and 400, and one settlement runs,
    When A gifts its oldest grant to B, a settlement runs and A's 1000 order is refunded,
    Then B releases 50 (stage 2) and A 20; the refund voids B's 850 and takes 150 from A."""
    plan = plan_of(
        grant={"ratio": "1"},
        release={
            "mode": "daily",
            "stages": [{"days": 1, "daily_rate": "0.10"}, {"daily_rate": "0.05"}],
        },
    )
    events: list[dict[str, Any]] = [
        join("A"),
        join("B"),
        buy("A", "o-1", "1000"),
        buy("A", "o-2", "400"),
        settle_on("2026-01-01"),
        {"type": "transfer", "from": "A", "to": "B", "locked": True},
        settle_on("2026-01-02"),
    ]
    gifted, _ = run(plan, *events)
    assert (gifted["members"]["B"]["available"], gifted["members"]["B"]["locked"]) == (
        "50.00",
        "850.00",
    )
    assert gifted["members"]["A"]["available"] == "160.00"
    refunded, _ = run(plan, *events, {"type": "refund", "order": "o-1"})
    a, b = refunded["members"]["A"], refunded["members"]["B"]
    assert (a["available"], a["locked"], a["debt"]) == ("10.00", "340.00", "0.00")
    assert (b["available"], b["locked"]) == ("50.00", "0.00")
    assert (refunded["totals"]["voided"], refunded["totals"]["clawed_back"]) == (
        "850.00",
        "150.00",
    )


def test_a_plan_without_economics_sections_reports_no_new_fields() -> None:
    """Given a plan with none of the economics sections,
    When a history with a purchase and a settlement runs,
    Then neither members, totals nor settlement rows carry any economics field."""
    report, _ = run(
        plan_of(grant={"ratio": "1"}, release={"mode": "daily", "daily_rate": "0.10"}),
        join("A"),
        buy("A", "o-1", "100"),
        settle_on("2026-01-01"),
    )
    new = {"debt", "region", "pool_points", "capped", "bonus", "refunds", "throttle", "gated"}
    assert not new & set(report["members"]["A"])
    assert not new & set(report["totals"])
    assert not new & set(report["settlements"][0])


def test_the_readme_economics_scenario() -> None:
    """Given the preset infra/plans/scenarios/economics.yaml and its history,
    When the scenario runs,
    Then the throttle and the pools do what the README's table shows."""
    folder = Path(__file__).resolve().parents[2] / "infra" / "plans" / "scenarios"
    plan = load_plan_text((folder / "economics.yaml").read_text(encoding="utf-8"))
    lines = (folder / "economics.jsonl").read_text(encoding="utf-8").splitlines()
    report, _ = run(plan, *lines)
    assert report["rejected"] == []
    rows = report["settlements"]
    assert [(row["static"], row["throttle"]) for row in rows] == [
        ("80.00", "1"),
        ("49.99", "0.606"),
        ("11.25", "0.5"),
    ]
    pools = [
        [(p["name"], p["intake"], p["paid"], p["balance"], p["members"]) for p in row["pools"]]
        for row in rows
    ]
    assert pools == [
        [("all", "16.00", "15.99", "0.01", 3), ("leaders", "32.00", "32.00", "0.00", 1)],
        [("all", "0.50", "0.51", "0.00", 3), ("leaders", "1.00", "0.00", "1.00", 0)],
        [("leaders", "0.00", "0.00", "1.00", 0)],
    ]


def test_points_an_order_spends_leave_room_under_the_issuance_cap() -> None:
    """Given ratio 2 at once, an issuance cap of 1 and points paying up to half an order,
    When A buys 10.00 (20 points cut to the room of 10) and then 10.00 paying 5 points,
    Then the second grant of 10 fits whole (room: 15 of sales less the 5 A still holds
    after burning 5): the oracle found the engine counting spent points as outstanding."""
    plan = plan_of(
        grant={"ratio": "2", "issuance_cap": {"ratio": "1"}},
        deduction={"max_ratio": "0.50"},
    )
    report, _ = run(
        plan,
        join("A"),
        buy("A", "o-1", "10"),
        buy("A", "o-2", "10", points="5"),
    )
    totals = report["totals"]
    assert (totals["granted"], totals["capped"], totals["burned"]) == ("20.00", "10.00", "5.00")
    assert report["members"]["A"]["available"] == "15.00"
