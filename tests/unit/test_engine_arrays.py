"""The engine's tree passes on machine-integer arrays give what they give on plain lists.

``settle`` walks the tree with parents and releases packed in ``array("q")`` blocks (the
10M-member settlement is bound by memory latency, bench/settle.py); when a day's release
could overflow 64 bits it keeps Python lists. The list path is the oracle here: both run
on the same random forests under every preset plan and must agree on every figure.
"""

from __future__ import annotations

import random

import pytest

from functions.plans import PLANS_DIR, load_plan
from functions.rewards import settlement as engine
from functions.rewards.settlement import SettlementInput, settle

PRESETS = sorted(path.name for path in PLANS_DIR.glob("*.yaml"))


def _forest(rng: random.Random, members: int) -> SettlementInput:
    """A random forest in join order, each member with zero to three grants."""
    parents = [-1 if index == 0 or rng.random() < 0.05 else rng.randrange(index)
               for index in range(members)]  # fmt: skip
    volumes = [rng.choice((0, 300_000, 900_000, 5_100_000)) for _ in range(members)]
    grants = [
        [(rng.randrange(1, 10_000_000), rng.randrange(1, 200_000)) for _ in range(rng.randrange(4))]
        for _ in range(members)
    ]
    return SettlementInput(parents=parents, personal_volume=volumes, grants=grants)


@pytest.mark.parametrize("preset", PRESETS)
def test_packed_tree_passes_settle_exactly_as_lists_do(
    preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a preset plan and twenty random forests of up to 400 members
    When each is settled with the packed arrays, and again with the limit set to 0 (lists)
    Then both results are equal, figure for figure."""
    plan = load_plan(PLANS_DIR / preset)
    rng = random.Random(preset)
    for _ in range(20):
        state = _forest(rng, rng.randrange(1, 400))
        packed = settle(plan, state)
        with monkeypatch.context() as patched:
            patched.setattr(engine, "INT64_LIMIT", 0)
            plain = settle(plan, state)
        assert packed == plain
