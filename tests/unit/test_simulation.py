"""The dry run is the engine: a simulated day equals a scenario's day on the same state."""

from __future__ import annotations

import json

from functions.rewards.plan import load_plan_text
from functions.rewards.simulation import (
    PlatformState,
    RecentOrder,
    StateMember,
    repeat_recent,
    simulate,
    state_of_book,
)
from functions.rewards.snapshot_json import state_as_json, state_from_json

from .helpers import buy, join, run, settle

PLAN = load_plan_text(
    "name: p\ngrant: {ratio: '2'}\nrelease: {mode: daily, daily_rate: '0.01'}\nshare: ['0.5']\n"
)


def test_simulated_days_equal_the_scenario_runner_on_the_same_history() -> None:
    """Given a state replayed from a history, When three days are simulated,
    Then each day's figures are what the scenario runner reports for the same history
    continued by those settlements (released, forfeited, circulating, locked)."""
    history = [join("A"), join("B", "A"), buy("A", "o-1", "1000"), buy("B", "o-2", "500")]
    history.append(settle("2026-01-01"))
    _, book = run(PLAN, *history)
    days = simulate(PLAN, state_of_book(book), 3).days
    for count in (1, 2, 3):
        later = [settle(f"2026-01-0{day + 1}") for day in range(1, count + 1)]
        report, _ = run(PLAN, *history, *later)
        row = report["settlements"][-1]
        figures = days[count - 1].as_json()
        assert figures["date"] == row["date"]
        released = int(row["static"].replace(".", "")) + int(row["paid"].replace(".", ""))
        assert figures["released"].replace(".", "") == str(released)
        assert figures["forfeited"] == row["forfeited"]
        assert figures["circulating"] == report["totals"]["circulating"]
        assert figures["locked"] == report["totals"]["locked"]


def test_repeat_replays_the_last_30_days_day_by_day() -> None:
    """Given orders on the 2nd and the 30th day before the start,
    Then the simulation's day 28 repeats the first and day 0 the second (and day 30 again)."""
    orders = (
        RecentOrder("2026-01-02", "A", 100_00),
        RecentOrder("2026-01-30", "A", 200_00),
        RecentOrder("2025-12-01", "A", 999_00),  # outside the window: never repeated
    )
    state = PlatformState((StateMember("A", None),), "2026-01-31", orders=orders)
    purchases = repeat_recent(state, 31, "2026-02-01")
    assert [p.amount for p in purchases.on(0)] == [100_00]
    assert [p.amount for p in purchases.on(28)] == [200_00]
    assert [p.amount for p in purchases.on(30)] == [100_00]
    assert sum(len(purchases.on(day)) for day in range(31)) == 3


def test_a_snapshot_reads_back_as_the_same_state() -> None:
    """Given a state, When written as a snapshot and read back, Then it is equal."""
    _, book = run(PLAN, join("A"), join("B", "A"), buy("B", "o", "100"), settle("2026-01-01"))
    state = state_of_book(book)
    assert state_from_json(json.loads(json.dumps(state_as_json(state)))) == state
