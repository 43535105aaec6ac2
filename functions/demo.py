"""``jifen demo``: a simulated community on the seed-004 dividend plan, summarised."""

from __future__ import annotations

import io
import json
from typing import Any, TextIO

from functions.cli import PLANS_DIR, load_plan, run_scenario
from functions.rewards.book import MemoryBook
from functions.simulation import community_history


def run_demo(*, members: int, days: int, seed: int, out: TextIO) -> int:
    """Run the history through the engine, print the JSON report, then a summary."""
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    lines = (json.dumps(event) for event in community_history(members, days, seed))
    buffer = io.StringIO()
    run_scenario(plan, lines, MemoryBook(plan), buffer)
    out.write(buffer.getvalue())
    out.write(summarise(json.loads(buffer.getvalue())))
    return 0


def summarise(report: dict[str, Any]) -> str:
    """A few lines an operator reads first: size, money, release pace, rejections."""
    totals = report["totals"]
    members = report["members"]
    settled = [row for row in report["settlements"] if row["status"] == "settled"]
    levels: dict[str, int] = {}
    for member in members.values():
        if member["level"]:
            levels[member["level"]] = levels.get(member["level"], 0) + 1
    codes: dict[str, int] = {}
    for row in report["rejected"]:
        codes[row["code"]] = codes.get(row["code"], 0) + 1
    volume = sum(_cents(member["personal_volume"]) for member in members.values())
    lines = [
        "",
        f"== Jifen demo: plan {report['plan']!r} ==",
        f"members            {len(members)}",
        f"sales (cash)       {_yuan(volume)}",
        f"points granted     {totals['granted']}",
        f"released           {totals['released']}   locked {totals['locked']}",
        f"circulating        {totals['circulating']}   price {totals['price']}",
        f"withdrawn (net)    {totals['withdrawn_cash']}   fees {totals['fees']}",
        f"forfeited by cap   {totals['forfeited']}",
        f"team levels        {', '.join(f'{k} {v}' for k, v in sorted(levels.items())) or '-'}",
        f"rejected events    {sum(codes.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(codes.items())) or 'none'})",
        "releases per day   (static + accelerated paid)",
    ]
    for row in settled:
        static, paid = _cents(row["static"]), _cents(row["paid"])
        lines.append(
            f"  {row['date']}  {_yuan(static + paid):>12}  "
            f"= static {row['static']} + share/team/peer {row['paid']}"
        )
    return "\n".join(lines) + "\n"


def _cents(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction or "0")


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
