"""Plan validation: an invalid plan is refused naming its key."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from functions.rewards.plan import PlanError, load_plan_text

PLANS = Path(__file__).resolve().parents[2] / "infra" / "plans"


@pytest.mark.parametrize("path", sorted(PLANS.glob("*.yaml")), ids=lambda path: path.stem)
def test_preset_plans_are_valid(path: Path) -> None:
    """Given a preset plan, When it is loaded, Then it validates and keeps its file name."""
    assert load_plan_text(path.read_text()).name == path.stem


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name: x\nbonus: {}", "bonus"),
        ("name: x\ngrant: {ratio: '0.3', extra: 1}", "grant.extra"),
        ("name: x\nshare: ['0.5', '1.01']", "share[1]"),
        ("name: x\nshare: ['-0.5']", "share[0]"),
        ("name: x\nshare: ['abc']", "share[0]"),
        ("name: x\nrelease: {mode: daily}", "release"),
        ("name: x\nrelease: {mode: weekly}", "release.mode"),
        (
            "name: x\ngrant: {tiers: [{name: a, min: '9', multiplier: '2'}, "
            "{name: b, min: '3', multiplier: '3'}]}",
            "grant.tiers",
        ),
        ("name: x\nteam: {levels: [{name: a, min: '1', rate: '1.5'}]}", "team.levels[0].rate"),
        ("name: x\nvaluation: {mode: reserve}", "valuation"),
        ("name: x\nwithdrawal: {fee_rate: '0.2', min_points: '1.001'}", "withdrawal.min_points"),
        ("grant: {ratio: '1'}", "name"),
    ],
)
def test_invalid_plans_name_the_key(text: str, key: str) -> None:
    """Given a plan with one fault, When it is loaded, Then PlanError names the key."""
    with pytest.raises(PlanError) as caught:
        load_plan_text(text)
    assert caught.value.key == key


def test_unquoted_numbers_are_read_exactly() -> None:
    """Given unquoted YAML decimals, When loaded, Then they are exact (never through a float)."""
    plan = load_plan_text("name: x\nrelease: {mode: daily, daily_rate: 0.012}\ngrant: {ratio: 0.1}")
    assert plan.release.daily_rate == Fraction(12, 1000)
    assert plan.grant is not None
    assert plan.grant.ratio == Fraction(1, 10)
