"""The engine's faster tree passes settle exactly as the member-by-member passes do.

``settle`` runs the tree passes as numpy operations a depth layer at a time
(``tree_arrays``), and a run of narrow layers member by member; the scalar passes
(``settle(..., scalar=True)``) are the oracle. Within the scalar passes, parents and
releases packed in ``array("q")`` blocks are held to plain lists the same way. Every
comparison is figure for figure on random forests: wide and deep, in join order and not,
under every preset plan and under random team policies.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.plans import PLANS_DIR, load_plan
from functions.rewards import settlement as engine
from functions.rewards import tree_arrays
from functions.rewards.plan import Plan, parse_plan
from functions.rewards.settlement import SettlementInput, settle
from functions.rewards.tree import TreeError

PRESETS = sorted(path.name for path in PLANS_DIR.glob("*.yaml"))
EVERY_LAYER_IN_ARRAYS = -1
EVERY_LAYER_BY_MEMBER = 10**9


def _forest(rng: random.Random, members: int, *, shuffled: bool = False) -> SettlementInput:
    """A random forest, each member with zero to three grants: a bushy part and, half the
    time, a line of single invitations hanging from it; optionally renumbered so that
    referrers do not come before their invitees."""
    bushy = members - (rng.randrange(members) if rng.random() < 0.5 else 0)
    parents = [-1 if index == 0 or rng.random() < 0.05 else rng.randrange(index)
               for index in range(bushy)]  # fmt: skip
    for index in range(bushy, members):
        parents.append(index - 1 if index > bushy else rng.randrange(bushy))
    if shuffled:
        numbering = list(range(members))
        rng.shuffle(numbering)
        renumbered = [0] * members
        for old, parent in enumerate(parents):
            renumbered[numbering[old]] = numbering[parent] if parent >= 0 else -1
        parents = renumbered
    volumes = [rng.choice((0, 300_000, 900_000, 5_100_000, 21_000_000)) for _ in range(members)]
    grants = [
        [(rng.randrange(1, 10_000_000), rng.randrange(1, 200_000)) for _ in range(rng.randrange(4))]
        for _ in range(members)
    ]
    return SettlementInput(parents=parents, personal_volume=volumes, grants=grants)


@pytest.mark.parametrize(
    "narrow", [EVERY_LAYER_IN_ARRAYS, tree_arrays.NARROW_LAYER, EVERY_LAYER_BY_MEMBER]
)
@pytest.mark.parametrize("preset", PRESETS)
def test_layered_passes_settle_exactly_as_the_scalar_passes(
    preset: str, narrow: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a preset plan and random forests of up to 600 members (some with long lines,
    some numbered out of join order), layers stepped in arrays (rows in blocks of three),
    member by member, or mixed
    When each is settled by the layered passes and by the scalar passes
    Then both results are equal, figure for figure."""
    monkeypatch.setattr(tree_arrays, "NARROW_LAYER", narrow)
    monkeypatch.setattr(tree_arrays, "STEP_BLOCK", 3)  # a wide layer's rows in several blocks
    plan = load_plan(PLANS_DIR / preset)
    rng = random.Random(f"{preset}/{narrow}")
    for round_ in range(16):
        state = _forest(rng, rng.randrange(1, 600), shuffled=round_ % 4 == 3)
        static = engine._release(state.grants)[0]
        assert engine._array_passes(plan, state.parents, state.personal_volume, static)
        assert settle(plan, state) == settle(plan, state, scalar=True)


TEAM_RATES = ["0", "0.05", "0.10", "0.10", "0.20", "0.20", "0.44", "0.5"]


@st.composite
def team_plans(draw: st.DrawFn) -> Plan:
    """A plan with random share rates and team levels: equal neighbouring rates (peer
    bonus), dips, and a level a member reaches with its first invitee's volume."""
    count = draw(st.integers(1, 8))
    mins = sorted(draw(st.sets(st.integers(1, 60_000), min_size=count, max_size=count)))
    data: dict[str, Any] = {
        "name": "random-team",
        "release": {"mode": "daily", "daily_rate": draw(st.sampled_from(["0.012", "0.1", "1"]))},
        "share": draw(st.lists(st.sampled_from(["0.5", "0.3", "0.07", "0.01"]), max_size=4)),
        "team": {
            "levels": [
                {"name": f"L{i}", "min": str(low), "rate": draw(st.sampled_from(TEAM_RATES))}
                for i, low in enumerate(mins)
            ],
            "peer_rate": draw(st.sampled_from(["0", "0.03", "0.1", "0.333"])),
        },
    }
    return parse_plan(data)


@settings(derandomize=True, deadline=None, max_examples=60,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    plan=team_plans(),
    seed=st.integers(0, 2**32),
    members=st.integers(1, 300),
    narrow=st.sampled_from([EVERY_LAYER_IN_ARRAYS, 2, EVERY_LAYER_BY_MEMBER]),
)
def test_layered_passes_match_the_scalar_passes_under_random_team_policies(
    plan: Plan, seed: int, members: int, narrow: int
) -> None:
    """Given a random team policy and a random forest
    When it is settled by the layered passes and by the scalar passes
    Then every member's team volume, level, share, differential and peer bonus agree."""
    rng = random.Random(seed)
    state = _forest(rng, members, shuffled=rng.random() < 0.3)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(tree_arrays, "NARROW_LAYER", narrow)
        layered = settle(plan, state)
    assert layered == settle(plan, state, scalar=True)


def test_a_release_past_64_bits_takes_the_scalar_passes() -> None:
    """Given members whose grants release more in one day than 64 bits hold
    When the run is settled
    Then the layered passes decline it and the result is the scalar passes' to the cent."""
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    huge = 2**62
    state = SettlementInput(
        parents=[-1, 0, 1],
        personal_volume=[0, 5_100_000, 5_100_000],
        grants=[[], [(huge, huge)], [(huge, huge)]],
    )
    static = [0, huge, huge]
    assert engine._array_passes(plan, state.parents, state.personal_volume, static) is None
    result = settle(plan, state)
    assert result == settle(plan, state, scalar=True)
    assert result.share[0] == huge * 3 // 10 + huge // 2


def test_a_negative_volume_takes_the_scalar_passes() -> None:
    """Given a member whose personal volume is negative (no bound on the partial sums)
    When the layered passes are asked
    Then they decline, and settle's figures are the scalar passes'."""
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    state = SettlementInput(parents=[-1, 0], personal_volume=[0, -5], grants=[[], [(100, 10)]])
    assert engine._array_passes(plan, state.parents, state.personal_volume, [0, 10]) is None
    assert settle(plan, state) == settle(plan, state, scalar=True)


def test_a_large_rate_numerator_is_checked_against_the_day_release() -> None:
    """Given a day's release and rates whose product passes 64 bits, and one whose does not
    Then ``fits`` says so, whatever the release (even none)."""
    assert tree_arrays.fits(2**40, 2**22)
    assert not tree_arrays.fits(2**40, 2**23)
    assert not tree_arrays.fits(0, 2**64)


def test_layers_group_members_by_depth_in_member_order() -> None:
    """Given a forest numbered out of join order
    When it is layered
    Then each layer holds the members at that depth, in member order, and each referrer's
    slot is its place among its layer's referrers (-1 for members nobody joined under)."""
    parents = np.asarray([2, -1, 1, 2, -1, 0, 3], dtype=np.int64)
    layers = tree_arrays.layers_of(parents)
    assert layers.starts == [0, 2, 3, 5, 7]
    assert layers.members.tolist() == [1, 4, 2, 0, 3, 5, 6]
    assert layers.slot.tolist() == [0, 0, 0, 1, -1, -1, -1]
    assert layers.referrer_counts == [1, 1, 2, 0]


@pytest.mark.parametrize("parents", [[1, 0], [0], [-1, 5], [-1, -2]])
def test_a_cycle_or_an_unknown_parent_is_not_a_forest(parents: list[int]) -> None:
    """Given parents with a cycle, a self-reference or an unknown member
    When they are layered
    Then it is a TreeError, as in the scalar passes."""
    with pytest.raises(TreeError):
        tree_arrays.layers_of(np.asarray(parents, dtype=np.int64))


def test_an_empty_membership_settles_to_nothing() -> None:
    """Given no members
    When a run is settled
    Then every figure is empty, as in the scalar passes."""
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    state = SettlementInput(parents=[], personal_volume=[], grants=[])
    assert settle(plan, state) == settle(plan, state, scalar=True)
    assert settle(plan, state).static == []


@pytest.mark.parametrize("preset", PRESETS)
def test_packed_scalar_passes_settle_exactly_as_lists_do(
    preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a preset plan and twenty random forests of up to 400 members
    When each is settled by the scalar passes with packed arrays, and again with the
    limit set to 0 (lists)
    Then both results are equal, figure for figure."""
    plan = load_plan(PLANS_DIR / preset)
    rng = random.Random(preset)
    for _ in range(20):
        state = _forest(rng, rng.randrange(1, 400))
        packed = settle(plan, state, scalar=True)
        with monkeypatch.context() as patched:
            patched.setattr(engine, "INT64_LIMIT", 0)
            plain = settle(plan, state, scalar=True)
        assert packed == plain
