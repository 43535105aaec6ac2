"""Small builders shared by the unit tests."""

from __future__ import annotations

import io
import json
from typing import Any

from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.plan import Plan, parse_plan


def plan_of(**sections: Any) -> Plan:
    return parse_plan({"name": "test", **sections})


def run(plan: Plan, *events: dict[str, Any] | str) -> tuple[dict[str, Any], MemoryBook]:
    """Run events (dicts or raw lines) through a fresh book; return the report and the book."""
    book = MemoryBook(plan)
    lines = [event if isinstance(event, str) else json.dumps(event) for event in events]
    out = io.StringIO()
    run_scenario(plan, iter(lines), book, out)
    return json.loads(out.getvalue()), book


def join(member: str, referrer: str | None = None) -> dict[str, Any]:
    return {"type": "join", "member": member, **({"referrer": referrer} if referrer else {})}


def buy(member: str, order: str, amount: str, **extra: str) -> dict[str, Any]:
    return {"type": "purchase", "member": member, "order": order, "amount": amount, **extra}


def settle(date: str) -> dict[str, Any]:
    return {"type": "settle", "date": date}
