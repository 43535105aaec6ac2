"""The plan check: every finding code with a plan that triggers it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.rewards.plan import PlanError, load_plan_text
from functions.rewards.plan_changes import plan_changes
from functions.rewards.plan_check import check_plan_text, differential_reach
from functions.rewards.plan_findings import CheckLimits, Finding, Severity
from functions.rewards.simulation import PlatformState, RecentOrder, StateMember, state_of_book

from .helpers import buy, join, run, settle

PLANS = Path(__file__).resolve().parents[2] / "infra" / "plans"

CLEAN = """
name: clean
grant: {ratio: "0.30"}
valuation: {mode: reserve, reserve_rate: "0.09"}
withdrawal: {fee_rate: "0.20"}
deduction: {max_ratio: "0.50"}
"""
"""Seed 002's plan: nothing to report but the reserve's coverage (an info)."""


def findings(text: str, state: PlatformState | None = None) -> list[Finding]:
    return check_plan_text(text, state=state)[1]


def codes(text: str, state: PlatformState | None = None) -> dict[str, Severity]:
    return {finding.code: finding.severity for finding in findings(text, state)}


def test_a_clean_plan_only_reports_the_reserve_coverage() -> None:
    """Given seed 002's plan, Then the check finds nothing but the coverage info."""
    assert codes(CLEAN) == {"solvency_coverage": Severity.INFO}


@pytest.mark.parametrize(
    ("text", "code", "key"),
    [
        ("name: x\nname: y\n", "duplicate_key", "name"),
        (
            "name: x\nteam:\n  levels: [{name: a, min: '1', rate: '0.1'}]\n"
            "  peer_rate: '0.03'\n  peer_rate: '0.3'\n",
            "duplicate_key",
            "team.peer_rate",
        ),
        ("name: x\ngrant: {ratio: !!float 0.5}\n", "yaml_tag", "grant.ratio"),
        ("name: !custom x\n", "yaml_tag", "name"),
        ("name: x\nshare: ['1.5']\n", "invalid_plan", "share[0]"),
    ],
)
def test_load_errors_are_error_findings_naming_the_key(text: str, code: str, key: str) -> None:
    """Given a plan text with a key given twice, a YAML tag or an invalid value,
    Then loading it fails (the plan is None) with an error finding of that code and key;
    the same text through the plan loader raises PlanError with that code."""
    plan, found = check_plan_text(text)
    assert plan is None
    assert [(f.code, f.severity, f.key) for f in found] == [(code, Severity.ERROR, key)]
    with pytest.raises(PlanError) as refused:
        load_plan_text(text)
    assert refused.value.code == code


@pytest.mark.parametrize("path", sorted(PLANS.glob("*.yaml")), ids=lambda path: path.stem)
def test_the_presets_load_without_load_errors(path: Path) -> None:
    """Given each preset (comments, quoted and plain values), Then it loads: no duplicate
    keys or tags, and the check has no errors."""
    plan, found = check_plan_text(path.read_text())
    assert plan is not None
    assert [f for f in found if f.severity is Severity.ERROR] == []


def test_paid_depth_flags_more_than_three_generations() -> None:
    """Given commission or share over 4 generations, Then paid_depth errors name the key;
    over 3 generations there is nothing to report."""
    four = "[{default: '0.01'}, {default: '0.01'}, {default: '0.01'}, {default: '0.01'}]"
    deep = f"name: x\ncommission: {{rates: {four}}}\nshare: ['0.1', '0.1', '0.1', '0.1']\n"
    assert [(f.code, f.key) for f in findings(deep) if f.code == "paid_depth"] == [
        ("paid_depth", "commission.rates"),
        ("paid_depth", "share"),
    ]
    three = "name: x\ncommission: {rates: [{default: '0.01'}, {}, {}]}\nshare: ['0.1', '0.1']\n"
    assert "paid_depth" not in codes(three)


TEAM = """
name: team
grant: {ratio: "1"}
release: {mode: daily, daily_rate: "0.01"}
team:
  levels: [{name: a, min: "100", rate: "0.10"}, {name: b, min: "300", rate: "0.20"}]
  peer_rate: "0.03"
"""


def test_team_depth_reports_the_depth_the_differential_reaches_on_the_tree() -> None:
    """Given a line m0 ← m1 ← … ← m5 where only m5 buys (so every upline has 100+ of team
    volume: level a at 10 %),
    Then the differential pays m4 (10 %) and m3 the peer bonus: it reaches 2 generations;
    without levels there is no team_depth finding at all."""
    events = [join("m0"), *(join(f"m{i}", f"m{i - 1}") for i in range(1, 6))]
    _, book = run(load_plan_text(TEAM), *events, buy("m5", "o", "100"), settle("2026-01-01"))
    state = state_of_book(book)
    assert differential_reach(load_plan_text(TEAM), state) == 2
    [finding] = [f for f in findings(TEAM, state) if f.code == "team_depth"]
    assert finding.severity is Severity.WARNING
    assert "reaches 2 generation(s) up" in finding.message
    assert "team_depth" not in codes("name: x\nteam: {levels: []}\n")


def test_team_depth_beyond_three_generations_is_said() -> None:
    """Given the same line with a 0 peer rate and rising levels (m1 200, m0 … deeper),
    When m5 releases, Then the reach counts up to the highest paid ancestor."""
    plan = TEAM.replace('peer_rate: "0.03"', 'peer_rate: "0"')
    members = (
        StateMember("m0", None, personal_volume=100_00),
        StateMember("m1", "m0", personal_volume=100_00),
        StateMember("m2", "m1"),
        StateMember("m3", "m2"),
        StateMember("m4", "m3"),
        StateMember("m5", "m4", personal_volume=100_00, grants=((100_00, 1_00),)),
    )
    state = PlatformState(members, "2026-01-01")
    # team volumes: m4..m2 100 (a: 10 %), m1 100 (a), m0 200 ... only m4 earns: a at m4
    assert differential_reach(load_plan_text(plan), state) == 1
    richer = (*members[:1], StateMember("m1", "m0", personal_volume=300_00), *members[2:])
    # m0 now has 400 of team volume (b: 20 %): it earns the 10 % difference 5 generations up
    state = PlatformState(richer, "2026-01-01")
    assert differential_reach(load_plan_text(plan), state) == 5
    [finding] = [f for f in findings(plan, state) if f.code == "team_depth"]
    assert "beyond 3" in finding.message


def test_pay_for_recruitment_flags_a_join_reward() -> None:
    """Given a plan offering a bonus for each referred join, Then pay_for_recruitment (an
    error, the plan cannot load); plans rewarding purchases only have no such finding."""
    found = findings("name: x\nreferral_bonus: '10'\n")
    assert [(f.code, f.severity, f.key) for f in found] == [
        ("pay_for_recruitment", Severity.ERROR, "referral_bonus")
    ]
    for path in PLANS.glob("*.yaml"):
        assert "pay_for_recruitment" not in codes(path.read_text()), path


def test_over_allocation_flags_rates_above_the_whole_cash() -> None:
    """Given 60 % + 60 % commission with a 90 % reserve (accepted by validation: the platform
    would keep -110 % of sales), Then over_allocation is an error; 5 % + 2 % + 9 % is not."""
    over = (
        "name: x\nvaluation: {mode: reserve, reserve_rate: '0.90'}\n"
        "commission: {rates: [{default: '0.60'}, {default: '0.60'}]}\n"
    )
    [finding] = [f for f in findings(over) if f.code == "over_allocation"]
    assert finding.severity is Severity.ERROR
    assert "-1.1" in finding.message
    fine = over.replace("0.90", "0.09").replace(
        "0.60'}, {default: '0.60", "0.05'}, {default: '0.02"
    )
    assert "over_allocation" not in codes(fine)


def test_release_multiple_flags_grants_above_five_times_the_cash() -> None:
    """Given a 5.5x tier, Then release_multiple names it; 5x exactly is within the promise."""
    tiers = "name: x\ngrant: {tiers: [{name: a, min: '1', multiplier: '%s'}]}\n"
    assert codes(tiers % "5.5")["release_multiple"] is Severity.WARNING
    assert "release_multiple" not in codes(tiers % "5")


def test_release_multiple_also_measures_what_was_granted_so_far() -> None:
    """Given a state where 6 points were granted per yuan of sales, Then it is flagged."""
    state = PlatformState((), "2026-01-01", sales=100_00, issuance=600_00)
    assert "release_multiple" in codes(CLEAN, state)
    assert "release_multiple" not in codes(CLEAN, PlatformState((), None, sales=100, issuance=500))


def test_fast_release_flags_grants_emptied_in_under_30_days() -> None:
    """Given 2.5x released at 10 % of the cash a day (25 days), Then fast_release;
    at 1.2 % a day (209 days, seed 004) nothing."""
    plan = "name: x\ngrant: {ratio: '2.5'}\nrelease: {mode: daily, daily_rate: '%s'}\n"
    assert codes(plan % "0.10")["fast_release"] is Severity.WARNING
    assert "fast_release" not in codes(plan % "0.012")
    limits = CheckLimits(min_release_days=300)
    assert "fast_release" in {f.code for f in check_plan_text(plan % "0.012", limits=limits)[1]}


@pytest.mark.parametrize(
    ("section", "flagged"),
    [
        ("merchant: {min_rebate: '0.01', max_rebate: '0.20'}", "merchant.min_rebate"),
        ("merchant: {min_rebate: '0.03', max_rebate: '0.25'}", "merchant.max_rebate"),
        ("withdrawal: {fee_rate: '0.30'}", "withdrawal.fee_rate"),
        ("deduction: {max_ratio: '0.80'}", "deduction.max_ratio"),
        ("merchant: {min_rebate: '0.03', max_rebate: '0.20'}", None),
        ("withdrawal: {fee_rate: '0.20'}\ndeduction: {max_ratio: '0.50'}", None),
    ],
)
def test_out_of_range_flags_values_outside_the_seeds(section: str, flagged: str | None) -> None:
    """Given a fee, deduction or rebate bound, Then out_of_range names it when it is outside
    the seeds' ranges (rebates 3–20 %, fees up to 20 %, deduction up to half an order)."""
    found = [f.key for f in findings(f"name: x\n{section}\n") if f.code == "out_of_range"]
    assert found == ([flagged] if flagged else [])


def test_unreachable_flags_tiers_and_mechanisms_that_can_never_pay() -> None:
    """Given a tier granting nothing, and share/team with immediate release,
    Then unreachable names each; the dividend preset has none."""
    tier = "name: x\ngrant: {tiers: [{name: a, min: '1', multiplier: '1'}, "
    tier += "{name: b, min: '100', multiplier: '0'}]}\n"
    assert [f.key for f in findings(tier) if f.code == "unreachable"] == [
        "grant.tiers[1].multiplier"
    ]
    immediate = "name: x\ngrant: {ratio: '1'}\nshare: ['0.5']\n"
    immediate += "team: {levels: [{name: a, min: '1', rate: '0.1'}]}\n"
    assert [f.key for f in findings(immediate) if f.code == "unreachable"] == ["share", "team"]
    assert "unreachable" not in codes((PLANS / "dividend.yaml").read_text())


def test_solvency_in_fixed_valuation_compares_the_points_with_the_cash_kept() -> None:
    """Given a fixed price and 4x grants (seed 004), Then solvency warns (each yuan can become
    3.8 of withdrawable cash); 0.5x at 0.10 a point does not."""
    assert codes((PLANS / "dividend.yaml").read_text())["solvency"] is Severity.WARNING
    cheap = "name: x\ngrant: {ratio: '0.5'}\nvaluation: {mode: fixed, price: '0.10'}\n"
    assert "solvency" not in codes(cheap)


def test_solvency_with_a_state_projects_the_liability_against_the_operator_cash() -> None:
    """Given a state whose points (available + locked) are worth more than the operator's
    cash after 30 days, Then solvency warns with the figures; with enough cash it is an info."""
    plan = "name: x\ngrant: {ratio: '0.5'}\nvaluation: {mode: fixed, price: '1'}\n"
    members = (StateMember("A", None, available=500_00, grants=((500_00, 10_00),)),)
    poor = PlatformState(members, "2026-01-01", platform=100_00)
    [warning] = [f for f in findings(plan, poor) if f.code == "solvency"]
    assert "worth 1000.00 at 1, against 100.00 of operator cash" in warning.message
    rich = PlatformState(members, "2026-01-01", platform=5_000_00)
    assert codes(plan, rich)["solvency_coverage"] is Severity.INFO


def test_reserve_coverage_reports_the_figures_of_the_state() -> None:
    """Given a reserve of 18 for 60 circulating points (price 0.30) and 20 % fees,
    Then coverage is reported: 14.40 withdrawable against 18.00."""
    state = PlatformState((StateMember("A", None, available=60_00),), None, reserve=18_00)
    [info] = [f for f in findings(CLEAN, state) if f.code == "solvency_coverage"]
    assert "14.40" in info.message
    assert "18.00" in info.message


def test_plan_changes_lists_the_parameters_that_differ() -> None:
    """Given two plans, Then the changes are the differing keys with both values."""
    before = load_plan_text(CLEAN)
    after = load_plan_text(CLEAN.replace('"0.30"', '"0.40"').replace("deduction", "# "))
    assert plan_changes(before, after) == [
        ("deduction.max_ratio", "0.5", "-"),
        ("grant.ratio", "0.3", "0.4"),
    ]


def test_unreachable_levels_with_a_state_are_those_above_all_sales() -> None:
    """Given 1,000 of sales so far, Then levels needing more team volume are an info;
    with 100,000 of sales, none."""
    levels = "name: x\ngrant: {ratio: '1'}\nrelease: {mode: daily, daily_rate: '0.01'}\n"
    levels += "team: {levels: [{name: a, min: '500', rate: '0.1'}, "
    levels += "{name: b, min: '5000', rate: '0.2'}]}\n"
    found = findings(levels, PlatformState((), None, sales=1_000_00))
    assert [(f.key, f.severity) for f in found if f.code == "unreachable"] == [
        ("team.levels[1].min", Severity.INFO)
    ]
    assert "unreachable" not in codes(levels, PlatformState((), None, sales=100_000_00))


def test_the_solvency_projection_repeats_the_recent_orders() -> None:
    """Given an operator holding exactly the points' worth, and an order of 100 on the last
    day (repeated once in the 30 days) under a 2x grant at a fixed 1.00 (200 owed more
    against 100 more cash),
    Then the projection over 30 days warns; without recent orders it covers exactly."""
    plan = "name: x\ngrant: {ratio: '2'}\nvaluation: {mode: fixed, price: '1'}\n"
    members = (StateMember("A", None, available=100_00),)
    order = RecentOrder("2026-01-01", "A", 100_00)
    even = PlatformState(members, "2026-01-01", platform=100_00)
    assert codes(plan, even)["solvency_coverage"] is Severity.INFO
    buying = PlatformState(members, "2026-01-01", platform=100_00, orders=(order,))
    [warning] = [f for f in findings(plan, buying) if "after 30 days" in f.message]
    assert warning.code == "solvency"
    assert "worth 300.00 at 1, against 200.00 of operator cash" in warning.message


def test_every_economics_section_is_live() -> None:
    """Economics (issue 12). Given a plan with release stages, the activity gate, the
    throttle, a global and a region-scoped dividend pool,
    When it is checked,
    Then nothing blocks its publication: the issuance cap and category bonus (live purchases
    apply them), the stages, the gate, the throttle and the pools, global and by region
    (the live settlement applies them) are all live."""
    _plan, findings = check_plan_text(
        """
name: economics
grant:
  ratio: "1"
  issuance_cap: {ratio: "3"}
  category_bonus: {green: "0.20"}
release:
  mode: daily
  stages: [{days: 30, daily_rate: "0.02"}, {daily_rate: "0.01"}]
  requires_activity: {within_settlements: 7}
  throttle: {target_coverage: "1.0", floor: "0.5"}
pools: [{name: all, rate: "0.01"}, {name: local, rate: "0.01", scope: region}]
"""
    )
    errors = [(f.code, f.key) for f in findings if f.severity is Severity.ERROR]
    assert errors == []  # the plan can be published
