"""``jifen plan check`` and ``jifen plan diff`` on files, as operators run them (no table)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.cli import main

ROOT = Path(__file__).resolve().parents[2]
DIVIDEND = str(ROOT / "infra" / "plans" / "dividend.yaml")

HISTORY = "\n".join(
    json.dumps(event)
    for event in [
        {"type": "join", "member": "A"},
        {"type": "join", "member": "B", "referrer": "A"},
        {"type": "join", "member": "C", "referrer": "B"},
        {"type": "purchase", "member": "A", "order": "o-1", "amount": "3000"},
        {"type": "purchase", "member": "B", "order": "o-2", "amount": "9000"},
        {"type": "purchase", "member": "C", "order": "o-3", "amount": "3000"},
        {"type": "settle", "date": "2026-01-01"},
    ]
)


def test_check_exits_0_with_warnings_and_1_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the dividend preset (warnings only) and a plan with a duplicate key (an error),
    When `jifen plan check` runs on each,
    Then the first exits 0 listing its warnings and the second exits 1 naming the key."""
    assert main(["plan", "check", DIVIDEND]) == 0
    out = capsys.readouterr().out
    assert "warning team_depth [team]" in out
    assert "warning solvency [valuation]" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ngrant: {ratio: '1'}\ngrant: {ratio: '2'}\n", encoding="utf-8")
    assert main(["plan", "check", str(bad), "--json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)
    assert finding == {
        "code": "duplicate_key",
        "severity": "error",
        "key": "grant",
        "message": "duplicate key (given twice in one mapping)",
    }


def test_check_measures_the_team_depth_on_a_replayed_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a history (JSON Lines) as the state, When the dividend preset is checked on it,
    Then the team finding says how deep the differential reaches on that tree."""
    history = tmp_path / "history.jsonl"
    history.write_text(HISTORY, encoding="utf-8")
    assert main(["plan", "check", DIVIDEND, "--state", str(history)]) == 0
    assert "on the current tree it reaches 0 generation(s) up" in capsys.readouterr().out


def test_diff_reports_days_members_and_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a state replayed from a history and a candidate halving share,
    When `jifen plan diff` simulates 5 days,
    Then the JSON lists the change, five days of both plans, and A (whose share halves)
    as the member most affected, losing."""
    history = tmp_path / "history.jsonl"
    history.write_text(HISTORY, encoding="utf-8")
    candidate = tmp_path / "candidate.yaml"
    text = (ROOT / "infra" / "plans" / "dividend.yaml").read_text(encoding="utf-8")
    candidate.write_text(text.replace('share: ["0.50", "0.30"]', 'share: ["0.25", "0.15"]'))
    args = ["plan", "diff", DIVIDEND, str(candidate), "--state", str(history), "--days", "5"]
    assert main([*args, "--json", "--top", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == [
        {"key": "share[0]", "current": "0.5", "candidate": "0.25"},
        {"key": "share[1]", "current": "0.3", "candidate": "0.15"},
    ]
    assert [day["current"]["date"] for day in report["days"]] == [
        "2026-01-02",
        "2026-01-03",
        "2026-01-04",
        "2026-01-05",
        "2026-01-06",
    ]
    first = report["days"][0]
    assert first["current"]["released"] != first["candidate"]["released"]
    assert (report["members"], report["lose"], report["gain"]) == (3, 2, 0)
    assert report["most_affected"][0]["member"] == "A"
    assert main(args) == 0  # the text table renders too
    assert "most affected" in capsys.readouterr().out


def test_diff_needs_a_state(capsys: pytest.CaptureFixture[str]) -> None:
    """Given no state, When diff runs, Then exit 2 says what to give."""
    assert main(["plan", "diff", DIVIDEND, DIVIDEND]) == 2
    assert "--from-table or --state" in capsys.readouterr().err


def test_scripted_purchases_are_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a script of one purchase on the second simulated day,
    When diff runs with it, Then that day shows one purchase and its cash under both plans."""
    history = tmp_path / "history.jsonl"
    history.write_text(HISTORY, encoding="utf-8")
    script = tmp_path / "orders.jsonl"
    script.write_text('{"date": "2026-01-03", "member": "C", "amount": "3000"}\n')
    args = ["plan", "diff", DIVIDEND, DIVIDEND, "--state", str(history), "--days", "3"]
    assert main([*args, "--purchases", str(script), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [day["current"]["purchases"] for day in report["days"]] == [0, 1, 0]
    assert report["days"][1]["candidate"]["cash"] == "3000.00"
    assert (report["gain"], report["lose"]) == (0, 0)
