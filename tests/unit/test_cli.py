"""The ``jifen scenario`` command as operators run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _jifen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "functions.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        check=False,
    )


def test_scenario_prints_the_report(tmp_path: Path) -> None:
    """Given the dividend preset and a short history,
    When `jifen scenario` runs,
    Then it exits 0 and prints one JSON document with the documented sections."""
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type": "join", "member": "A"}\n'
        '{"type": "purchase", "member": "A", "order": "o-1", "amount": "3000"}\n'
        '{"type": "settle", "date": "2026-01-01"}\n'
    )
    done = _jifen("scenario", str(ROOT / "infra/plans/dividend.yaml"), str(events))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"plan", "members", "totals", "settlements", "rejected"}
    assert report["members"]["A"]["available"] == "36.00"


def test_events_can_come_from_stdin() -> None:
    """Given events on standard input, When EVENTS is '-', Then they are read from it."""
    done = _jifen(
        "scenario",
        str(ROOT / "infra/plans/value.yaml"),
        "-",
        stdin='{"type": "join", "member": "A"}\n',
    )
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)["members"]) == ["A"]


def test_an_invalid_plan_exits_2_naming_the_key(tmp_path: Path) -> None:
    """Given a plan with an unknown key, When the scenario runs, Then exit 2 names the key."""
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: bad\nshare: ['0.5']\nteam: {levels: [], pear_rate: '0.03'}\n")
    events = tmp_path / "events.jsonl"
    events.write_text("")
    done = _jifen("scenario", str(plan), str(events))
    assert done.returncode == 2
    assert "team.pear_rate" in done.stderr
    assert done.stdout == ""


def test_help_explains_the_command() -> None:
    """Given an operator, When they ask for help, Then the formats are explained."""
    done = _jifen("scenario", "--help")
    assert done.returncode == 0
    assert "JSON Lines" in done.stdout
    assert "exits 2" in done.stdout
