"""A plan change end to end on the local endpoint: published through ``jifen plan``, applied
by the live services across the switch, and equal to the scenario runner fed the same history.

The live side runs as the deployed stack does: the ledger reads the versions from the
table (bootstrapping version 1 from its plan file, caching them), and every purchase,
withdrawal and settlement takes the version of its business date — the local date of its
timestamp in Asia/Shanghai, from a clock walking through the days. The dates are in 2099,
because the command line refuses an effective date that is not after today.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from functions.cli import main
from functions.commands.scenario import run_scenario
from functions.rewards.book import MemoryBook
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.plan import parse_plan
from functions.rewards.report import write_report
from functions.rewards.versions import version_rows
from functions.services.ledger import Ledger, request_id_for
from functions.services.plan_sources import StoredPlans
from functions.services.scenario_backend import DynamoBackend
from functions.services.settlement import run_settlement
from functions.services.verify import verify
from tests.support.books import assert_books_balance, ledger_state, no_sleep

from .ledger_state import Tables

ZONE = ZoneInfo("Asia/Shanghai")
V1: dict[str, Any] = {
    "name": "launch",
    "grant": {"tiers": [{"name": "junior", "min": "1000", "multiplier": "2.5"}]},
    "release": {"mode": "daily", "daily_rate": "0.012"},
    "share": ["0.50", "0.30"],
    "withdrawal": {"fee_rate": "0.05"},
}
V2: dict[str, Any] = {
    "name": "tuned",
    "grant": {"tiers": [{"name": "junior", "min": "1000", "multiplier": "2"}]},
    "release": {"mode": "daily", "daily_rate": "0.02"},
    "share": ["0.20"],
    "withdrawal": {"fee_rate": "0.10"},
}
SWITCH = "2099-03-03"


class DayClock:
    """Microseconds within a business day (Asia/Shanghai), one step per reading."""

    def __init__(self) -> None:
        self.now = 0

    def on(self, day: str, hour: int = 12) -> None:
        moment = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=ZONE)
        self.now = int(moment.timestamp()) * 1_000_000

    def __call__(self) -> int:
        self.now += 1
        return self.now


def _events() -> list[tuple[str, dict[str, Any]]]:
    """The history as (business day, event); the plan event marks where v2 is published."""
    day1, day2, day3, day4 = "2099-03-01", "2099-03-02", SWITCH, "2099-03-04"
    plan_event = {"type": "plan", "plan": V2, "effective_from": SWITCH}
    return [
        (day1, {"type": "join", "member": "A"}),
        (day1, {"type": "join", "member": "B", "referrer": "A"}),
        (day1, {"type": "join", "member": "C", "referrer": "B"}),
        (day1, {"type": "purchase", "member": "A", "order": "o-1", "amount": "3000"}),
        (day1, {"type": "purchase", "member": "B", "order": "o-2", "amount": "3000"}),
        (day1, {"type": "settle", "date": day1}),
        (day2, {"type": "purchase", "member": "C", "order": "o-3", "amount": "1000"}),
        (day2, plan_event),
        (day2, {"type": "purchase", "member": "C", "order": "o-4", "amount": "2000"}),
        (day2, {"type": "withdraw", "member": "A", "points": "20"}),
        (day2, {"type": "settle", "date": day2}),
        (day3, {"type": "purchase", "member": "C", "order": "o-5", "amount": "2000"}),
        (day3, {"type": "withdraw", "member": "A", "points": "20"}),
        (day3, {"type": "settle", "date": day3}),
        (day4, {"type": "settle", "date": day4}),
    ]


def _scenario_report(lines: list[str]) -> dict[str, Any]:
    plan = parse_plan(V1)
    out = io.StringIO()
    run_scenario(plan, iter(lines), MemoryBook(plan), out)
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


def test_a_plan_published_through_the_cli_applies_from_its_date_like_the_scenario(
    dynamodb_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Given a live table trading on v1 (bootstrapped from its plan file) and 2099-03-01
    settled,
    When v2 is published with `jifen plan publish` on 03-02, effective 03-03, and the
    members keep buying, withdrawing and being settled up to 03-04,
    Then orders and withdrawals of 03-02 used v1 and those of 03-03 v2, 03-02's settlement
    v1 and 03-03's v2, grants kept their terms — the live report equals the scenario
    runner's on the same history with a plan event — a date already settled is refused
    by the command line, `plan show`, `plan diff --from-table` and `plan check` read the
    table, and the table verifies clean, plans' chain included."""
    tables = Tables(dynamodb_endpoint)
    try:
        table = tables.create()
        store = tables.store(table)
        v1_file, v2_file = tmp_path / "launch.yaml", tmp_path / "tuned.yaml"
        v1_file.write_text(yaml.safe_dump(V1), encoding="utf-8")
        v2_file.write_text(yaml.safe_dump(V2), encoding="utf-8")
        monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
        monkeypatch.setenv("JIFEN_TABLE_NAME", table)
        monkeypatch.setenv("JIFEN_PLAN_PATH", str(v1_file))
        monkeypatch.setenv("JIFEN_TIME_ZONE", "Asia/Shanghai")

        clock = DayClock()
        plan = parse_plan(V1)
        plans = StoredPlans(store, plan, clock=clock)
        ledger = Ledger(store, plan, clock=clock, sleep=no_sleep, plans=plans, zone=ZONE)
        rows = []
        lines = []
        for day, event in _events():
            lines.append(json.dumps(event))
            clock.on(day)
            key = f"line-{len(lines)}"
            kind = event["type"]
            if kind == "join":
                ledger.join(Join(event["member"], event.get("referrer")), key)
            elif kind == "purchase":
                amount = int(event["amount"]) * 100
                ledger.purchase(Purchase(event["member"], event["order"], amount), key)
            elif kind == "withdraw":
                points = int(event["points"]) * 100
                ledger.request_withdrawal(Withdraw(event["member"], points), key)
                ledger.decide_withdrawal(request_id_for(key), approve=True, operator="ops")
            elif kind == "settle":
                clock.on(event["date"], hour=23)
                rows.append(run_settlement(ledger, event["date"]).as_json())
            else:
                refused = ["plan", "publish", str(v2_file), "--effective-from", "2099-03-01"]
                assert main([*refused, "--reason", "too late"]) == 1
                assert "effective_date_passed" in capsys.readouterr().err
                published = ["plan", "publish", str(v2_file), "--effective-from", SWITCH]
                published += ["--reason", "tune the release", "--operator", "ops"]
                assert main(published) == 1  # warnings first need an acknowledgement
                assert "--acknowledge-warnings" in capsys.readouterr().err
                assert main([*published, "--acknowledge-warnings"]) == 0
                assert "published v2 'tuned'" in capsys.readouterr().out

        assert main(["plan", "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(v["version"], v["name"], v["effective_from"]) for v in listed] == [
            (1, "launch", None),
            (2, "tuned", SWITCH),
        ]

        assert main(["plan", "show", "v2"]) == 0
        assert "# v2 tuned, in effect from 2099-03-03; ops: tune the release" in (
            capsys.readouterr().out
        )
        dry_run = ["plan", "diff", "v1", "current", "--from-table", "--days", "3"]
        assert main([*dry_run, "--purchases", "repeat", "--json"]) == 0
        diff = json.loads(capsys.readouterr().out)
        assert [day["current"]["date"] for day in diff["days"]] == [
            "2099-03-05",
            "2099-03-06",
            "2099-03-07",
        ]
        assert diff["members"] == 3
        assert main(["plan", "check", "current", "--from-table"]) == 0
        assert "reaches" not in capsys.readouterr().out  # no team levels: no team_depth

        backend = DynamoBackend(ledger)
        live = io.StringIO()
        write_report(
            live,
            plan=backend.current_plan().name,
            members=backend.member_lines(),
            totals=backend.totals(),
            settlements=rows,
            rejected=[],
            plan_versions=version_rows(backend.plan_history()),
        )
        expected = _scenario_report(lines)
        assert json.loads(live.getvalue()) == expected
        assert expected["rejected"] == []
        # the switch really changed things: 03-03's order granted 2x, its share is 20 %
        grants = {g.order: (g.points, g.daily) for g in store.get_member("C").grants}  # type: ignore[union-attr]
        assert grants["o-4"] == (500_000, 2_400)  # v1 on 03-02: 2.5x, 1.2 % a day
        assert grants["o-5"][1] == 4_000  # v2 on 03-03: 2 % a day of 2000

        report = verify(store)
        assert report.ok, report.render()
        assert report.counts["plan_versions"] == 2
        assert_books_balance(ledger_state(store))
    finally:
        tables.drop_all()
