"""The programs' presets and the README's scenario (issue 13) say what they do.

The README's distribution history is read from the README itself and run on the preset
through the engine, so the figures the README quotes cannot drift.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from functions.commands.scenario import run_scenario
from functions.config import REPO_ROOT
from functions.rewards.book import MemoryBook
from functions.rewards.plan import load_plan_text

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PLANS = REPO_ROOT / "infra" / "plans"


def _report(preset: str, lines: list[str]) -> dict[str, Any]:
    plan = load_plan_text((PLANS / f"{preset}.yaml").read_text(encoding="utf-8"))
    out = io.StringIO()
    run_scenario(plan, iter(lines), MemoryBook(plan), out)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def test_the_readme_distribution_scenario_gives_the_figures_it_quotes() -> None:
    """Given the README's history on distribution.yaml
    When it runs
    Then P has 9,600 commission of which the ladder's 4,800, and one closed month."""
    match = re.search(r"<<'LINES'\n(.*?)\nLINES\n", README, re.S)
    assert match is not None, "the README's scenario block"
    lines = match.group(1).splitlines()

    report = _report("distribution", lines)

    member = report["members"]["P"]
    assert (member["commission"], member["ladder"], member["role"]) == (
        "9600.00",
        "4800.00",
        "promoter",
    )
    assert [row["status"] for row in report["month_closes"]] == ["closed"]
    assert report["rejected"] == []


def test_the_advanced_preset_runs_the_seed_lottery_example() -> None:
    """Given advanced.yaml (the seed's lottery numbers)
    When A and ten other members draw, each holding 1,500 points
    Then A wins 500 and 50 stays in the pool (seed 002's worked example)."""
    names = ["A", *(f"m{i}" for i in range(10))]
    lines = [json.dumps({"type": "join", "member": name}) for name in names]
    lines += [
        json.dumps({"type": "purchase", "member": n, "order": f"o-{n}", "amount": "5000"})
        for n in names
    ]
    lines += [json.dumps({"type": "draw", "member": name}) for name in names]

    report = _report("advanced", lines)

    assert report["members"]["A"]["won"] == "500.00"
    assert report["totals"]["lottery_pool"] == "50.00"
