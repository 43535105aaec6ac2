"""The worked examples of docs/rules-programs.md (seeds 002, 003, 000), pinned.

Each example runs through the engine (the scenario runner on the in-memory book) and
through the independent oracle; both must give the figures the page states.
"""

from __future__ import annotations

import io
import json
from typing import Any

from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.plan import parse_plan

from .oracle import run_oracle


def ev(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


def both(plan: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    """The engine's report; the oracle's must be the same (rejection messages aside)."""
    parsed = parse_plan(plan)
    out = io.StringIO()
    run_scenario(parsed, iter(lines), MemoryBook(parsed), out)
    report: dict[str, Any] = json.loads(out.getvalue())
    oracle = run_oracle(plan, lines)
    strip = [{"line": row["line"], "code": row["code"]} for row in report["rejected"]]
    assert {**report, "rejected": strip} == {
        **oracle,
        "rejected": [{"line": r["line"], "code": r["code"]} for r in oracle["rejected"]],
    }
    return report


SEED_LOTTERY = {
    "cost": "500",
    "min_available": "500",
    "pool_rate": "0.10",
    "every": "10",
    "prize": "500",
    "exit_refund_rate": "0.60",
}


def test_seed_lottery_example_a_wins_after_ten_more_draws() -> None:
    """Given the seed's lottery (cost 500, 10 % to the pool, every 10, prize 500),
    When A draws and ten other members draw after it,
    Then A wins 500 and 50 stays in the pool; nobody else has won yet."""
    plan = {"name": "lottery", "grant": {"ratio": "1"}, "lottery": SEED_LOTTERY}
    names = ["A", *(f"m{i}" for i in range(10))]
    lines = [ev(type="join", member=name) for name in names]
    lines += [ev(type="purchase", member=name, order=f"o{name}", amount="1000") for name in names]
    lines += [ev(type="draw", member=name) for name in names[:10]]
    before = both(plan, lines)
    assert before["members"]["A"]["won"] == "0.00"
    assert before["totals"]["lottery_pool"] == "500.00"  # ten draws: A's turn needs one more

    report = both(plan, [*lines, ev(type="draw", member="m9")])
    assert report["members"]["A"]["won"] == "500.00"
    assert report["members"]["A"]["available"] == "1000.00"  # 1000 − 500 + 500
    assert report["totals"]["lottery_pool"] == "50.00"
    assert report["totals"]["prizes"] == "500.00"
    assert report["totals"]["waiting"] == 10
    assert report["totals"]["burned"] == "4950.00"  # 90 % of eleven draws


def test_lottery_exit_refunds_spare_points_and_deduction_feeds_the_pool() -> None:
    """Given a member with a waiting draw of 500,
    When it leaves the queue, then pays 400 of an order with points,
    Then it gets 300 spare points (60 %), which pay first; 10 % of the 400 goes to the pool."""
    plan = {
        "name": "lottery",
        "grant": {"ratio": "1"},
        "deduction": {"max_ratio": "0.5"},
        "lottery": SEED_LOTTERY,
    }
    lines = [
        ev(type="join", member="A"),
        ev(type="purchase", member="A", order="o1", amount="1000"),
        ev(type="draw", member="A"),
        ev(type="lottery_exit", member="A"),
    ]
    report = both(plan, lines)
    assert report["members"]["A"]["spare"] == "300.00"
    assert report["members"]["A"]["waiting"] == 0
    report = both(
        plan, [*lines, ev(type="purchase", member="A", order="o2", amount="800", points="400")]
    )
    member = report["members"]["A"]
    assert (member["spare"], member["available"]) == ("0.00", "800.00")  # 500 − 100 + 400
    assert report["totals"]["spare_spent"] == "300.00"
    assert report["totals"]["lottery_pool"] == "90.00"  # 50 from the draw + 40 of the spend


def test_invitee_first_purchase_gives_a_free_draw() -> None:
    """Given B joined through A's link,
    When B buys twice,
    Then A holds one free draw, and a draw uses it: no cost, nothing into the pool."""
    plan = {"name": "lottery", "grant": {"ratio": "1"}, "lottery": SEED_LOTTERY}
    lines = [
        ev(type="join", member="A"),
        ev(type="join", member="B", referrer="A"),
        ev(type="purchase", member="A", order="o1", amount="600"),
        ev(type="purchase", member="B", order="o2", amount="10"),
        ev(type="purchase", member="B", order="o3", amount="10"),
    ]
    assert both(plan, lines)["members"]["A"]["free_draws"] == 1
    report = both(plan, [*lines, ev(type="draw", member="A")])
    assert report["members"]["A"]["free_draws"] == 0
    assert report["members"]["A"]["available"] == "600.00"
    assert report["totals"]["lottery_pool"] == "0.00"


STAKING = {
    "rates": ["0.10", "0.20", "0.70"],
    "terms": ["1", "2"],
    "stars": {"direct": "3", "rates": ["0.03", "0.06", "0.09", "0.12", "0.15"], "bole_from": "3"},
}


def test_seed_staking_bonuses_cycle_ten_twenty_seventy() -> None:
    """Given stakes of 1000 points for one settlement each,
    When four are opened and matured one after the other,
    Then they earn 100, 200, 700 and 100 again (the seed's 10 %, 20 %, 70 % cycle)."""
    plan = {"name": "stake", "grant": {"ratio": "1"}, "staking": STAKING}
    lines = [ev(type="join", member="A"), ev(type="purchase", member="A", order="o", amount="1000")]
    bonuses = []
    for day in range(1, 5):
        lines += [
            ev(type="stake", member="A", points="1000", term=1),
            ev(type="settle", date=f"2026-01-0{day}"),
        ]
        bonuses.append(both(plan, lines)["settlements"][-1]["stake_bonus"])
    assert bonuses == ["100.00", "200.00", "700.00", "100.00"]
    assert both(plan, lines)["members"]["A"]["available"] == "2100.00"


def test_an_early_exit_does_not_advance_the_cycle() -> None:
    """Given a member who opens a stake and ends it early (penalty 5 %),
    When it opens another and it matures,
    Then the exit burned 50 and the new stake earns the first rate (10 %), not the second."""
    plan = {
        "name": "stake",
        "grant": {"ratio": "1"},
        "staking": {**STAKING, "early_exit_penalty": "0.05"},
    }
    lines = [
        ev(type="join", member="A"),
        ev(type="purchase", member="A", order="o", amount="1000"),
        ev(type="stake", member="A", points="1000", term=2),
        ev(type="unstake", member="A"),
        ev(type="stake", member="A", points="950", term=1),
        ev(type="settle", date="2026-01-01"),
    ]
    report = both(plan, lines)
    assert report["totals"]["burned"] == "50.00"
    assert report["settlements"][0]["stake_bonus"] == "95.00"


def _star_tree(per_leaf: str, depth: int) -> list[str]:
    """R over three children each over three, ``depth`` levels; the leaves stake."""
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
    for leaf in level:
        lines.append(ev(type="purchase", member=leaf, order=f"o-{leaf}", amount=per_leaf))
        lines.append(ev(type="stake", member=leaf, points=per_leaf, term=1))
    lines.append(ev(type="settle", date="2026-01-01"))
    return lines


def test_stars_pay_the_team_by_differential() -> None:
    """Given R refers A, B, C and each of them three members who stake 1000 each,
    When the settlement runs,
    Then A, B, C are 1★ and earn 3 % of 3000 = 90 each; R is 2★ and earns the difference
    (6 % − 3 %) of 9000 = 270."""
    plan = {"name": "stars", "grant": {"ratio": "1"}, "staking": STAKING}
    report = both(plan, _star_tree("1000", 2))
    rewards = {name: report["members"][name]["star_reward"] for name in ("R", "A", "B", "C")}
    assert rewards == {"R": "270.00", "A": "90.00", "B": "90.00", "C": "90.00"}
    assert report["settlements"][0]["star_reward"] == "540.00"


def test_bole_reward_from_three_stars() -> None:
    """Given three levels of three under R and 27 stakers of 100,
    When the settlement runs,
    Then each 1★ earns 9, each 2★ 27, R (3★) 81 and the 伯乐奖 9 % × 81 = 7.29."""
    plan = {"name": "stars", "grant": {"ratio": "1"}, "staking": STAKING}
    report = both(plan, _star_tree("100", 3))
    assert report["members"]["A1"]["star_reward"] == "9.00"
    assert report["members"]["A"]["star_reward"] == "27.00"
    assert report["members"]["R"]["star_reward"] == "81.00"
    assert report["members"]["R"]["bole_reward"] == "7.29"
    assert report["members"]["A"]["bole_reward"] == "0.00"


ROLES = {
    "ladder": [{"min": "0", "rate": "0.05"}, {"min": "50000", "rate": "0.08"}],
    "team_rate": "0.02",
    "partner": {"months": "3", "threshold": "50000"},
}


def _month(customers: list[str], amount: str, month: int) -> list[str]:
    """Each customer buys ``amount`` on a business day of 2026-``month``."""
    lines = [ev(type="settle", date=f"2026-{month:02d}-01")]
    lines += [
        ev(type="purchase", member=name, order=f"{name}-{month}", amount=amount)
        for name in customers
    ]
    return [*lines, ev(type="close_month", month=f"2026-{month:02d}")]


def test_monthly_ladder_and_partner_after_three_months() -> None:
    """Given promoter P with two direct customers,
    When they buy 60,000 in a month three months running, then 30,000,
    Then P earns 8 % (4,800) a month, becomes a partner from the fourth month, and earns
    5 % (1,500) plus 2 % of its team's 30,000 (600) in that month."""
    plan = {"name": "distribution", "grant": {"ratio": "0.1"}, "roles": ROLES}
    lines = [
        ev(type="join", member="P"),
        ev(type="join", member="C1", referrer="P"),
        ev(type="join", member="C2", referrer="P"),
        ev(type="promote", member="P", role="promoter"),
    ]
    for month in (1, 2, 3):
        lines += _month(["C1", "C2"], "30000", month)
    report = both(plan, lines)
    assert [row["ladder"] for row in report["month_closes"]] == ["4800.00"] * 3
    assert report["members"]["P"]["role"] == "partner"
    assert report["month_closes"][2]["partners"] == 1
    report = both(plan, [*lines, *_month(["C1", "C2"], "15000", 4)])
    assert report["month_closes"][3]["ladder"] == "1500.00"
    assert report["month_closes"][3]["team_bonus"] == "600.00"
    assert report["members"]["P"]["commission"] == "16500.00"


def test_partner_team_performance_counts_the_whole_team() -> None:
    """Given partner Q whose direct customer D buys 60,000 and D's invitee E 140,000,
    When the month closes,
    Then Q earns the ladder 8 % × 60,000 = 4,800 and team 2 % × 200,000 = 4,000."""
    plan = {"name": "distribution", "grant": {"ratio": "0.1"}, "roles": ROLES}
    lines = [
        ev(type="join", member="Q"),
        ev(type="join", member="D", referrer="Q"),
        ev(type="join", member="E", referrer="D"),
        ev(type="promote", member="Q", role="partner"),
        ev(type="settle", date="2026-01-01"),
        ev(type="purchase", member="D", order="d", amount="60000"),
        ev(type="purchase", member="E", order="e", amount="140000"),
        ev(type="close_month", month="2026-01"),
        ev(type="close_month", month="2026-01"),
    ]
    report = both(plan, lines)
    assert report["members"]["Q"]["ladder"] == "4800.00"
    assert report["members"]["Q"]["team_bonus"] == "4000.00"
    assert report["month_closes"][1]["status"] == "already_closed"


def test_commission_is_gated_by_role() -> None:
    """Given a commission plan whose roles gate it,
    When a member's invitee buys before and after the member is made a promoter,
    Then only the second purchase pays the member its commission."""
    plan = {
        "name": "gated",
        "commission": {"rates": [{"default": "0.10"}]},
        "roles": ROLES,
    }
    lines = [
        ev(type="join", member="P"),
        ev(type="join", member="C", referrer="P"),
        ev(type="purchase", member="C", order="o1", amount="100"),
        ev(type="promote", member="P", role="promoter"),
        ev(type="purchase", member="C", order="o2", amount="100"),
    ]
    assert both(plan, lines)["members"]["P"]["commission"] == "10.00"


def test_seed_catalog_example_spare_points_pay_first() -> None:
    """Given a travel voucher at 1000 points and a member with 400 spare (coins) and 800
    available points,
    When the member redeems it,
    Then spare is 0, available 200, 1000 burned, stock one less."""
    plan = {
        "name": "catalog",
        "grant": {"ratio": "1", "coins_ratio": "0.5"},
        "catalog": {},
    }
    lines = [
        ev(type="join", member="A"),
        ev(type="purchase", member="A", order="o1", amount="800"),
        ev(
            type="list_item", item="trip", name="Travel voucher 300", price="1000", stock=2, limit=1
        ),
        ev(type="redeem", member="A", item="trip"),
        ev(type="redeem", member="A", item="trip"),
    ]
    report = both(plan, lines)
    member = report["members"]["A"]
    assert (member["spare"], member["available"]) == ("0.00", "200.00")
    assert report["totals"]["coins"] == "400.00"
    assert report["totals"]["burned"] == "1000.00"
    assert report["catalog"]["trip"] == {
        "name": "Travel voucher 300",
        "price": "1000.00",
        "stock": 1,
        "redeemed": 1,
    }
    assert [(row["line"], row["code"]) for row in report["rejected"]] == [(5, "limit_reached")]


def test_coins_are_granted_beside_points() -> None:
    """Given coins_ratio 0.05,
    When a member buys 1000 in cash,
    Then it gets 50 coins (spare) beside its 300 points; coins never circulate."""
    plan = {"name": "coins", "grant": {"ratio": "0.3", "coins_ratio": "0.05"}}
    report = both(
        plan,
        [ev(type="join", member="A"), ev(type="purchase", member="A", order="o", amount="1000")],
    )
    assert report["members"]["A"]["spare"] == "50.00"
    assert report["totals"]["circulating"] == "300.00"
    assert report["totals"]["coins"] == "50.00"


def test_a_plan_without_programs_prints_no_program_fields() -> None:
    """Given a plan with none of the program sections,
    When a history runs, including program events,
    Then no program field appears and the program events are refused program_off."""
    plan = {"name": "plain", "grant": {"ratio": "1"}}
    lines = [
        ev(type="join", member="A"),
        ev(type="draw", member="A"),
        ev(type="stake", member="A", points="1", term=1),
        ev(type="close_month", month="2026-01"),
        ev(type="redeem", member="A", item="x"),
        ev(type="settle", date="2026-01-01"),
    ]
    report = both(plan, lines)
    assert set(report) == {"plan", "members", "totals", "settlements", "rejected"}
    assert "spare" not in report["members"]["A"]
    assert "members" in report["settlements"][0]
    assert "matured" not in report["settlements"][0]
    assert [row["code"] for row in report["rejected"]] == ["program_off"] * 4
