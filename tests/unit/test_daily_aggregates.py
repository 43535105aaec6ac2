"""Daily aggregates: written once as a run finishes, read by the dashboards, never a scan."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from functions.plans import load_plan, preset
from functions.rewards.events import Join, Purchase, Withdraw
from functions.services import dashboard
from functions.services.daily_aggregates import record_daily_aggregate
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.store.errors import UnavailableError
from functions.store.storage import memory_storage
from tests.support.books import ledger_for


def community() -> Ledger:
    """The demo plan (reserve valuation): Ann invited Ben; both bought."""
    ledger = ledger_for(memory_storage().ledger, load_plan(preset("demo")))
    ledger.join(Join("ann", None), "j-ann")
    ledger.join(Join("ben", "ann"), "j-ben")
    ledger.purchase(Purchase("ann", "o1", 900_000, 0), "o1")
    ledger.purchase(Purchase("ben", "o2", 300_000, 0), "o2")
    return ledger


def test_a_settled_date_has_one_aggregate_of_its_run_and_the_platform_accounts() -> None:
    # Given a community and its first settlement
    ledger = community()
    run_settlement(ledger, "2026-01-01")
    store = ledger.store
    run = store.settlement_run("2026-01-01")
    assert run is not None
    # When the date's aggregate is read
    found = store.daily_aggregate("2026-01-01")
    # Then it holds the run's totals and the platform accounts as the run finished
    assert found is not None
    totals, system = json.loads(run.totals), store.system_totals()
    assert (found.members, found.active) == (2, totals["members"])
    assert (found.static, found.accelerated, found.forfeited) == (
        totals["static"],
        totals["paid"],
        totals["forfeited"],
    )
    assert (found.reserve, found.circulating, found.sales) == (
        system.reserve,
        system.circulating,
        system.sales,
    )
    assert Fraction(found.price_num or 0, found.price_den or 1) == Fraction(
        system.reserve, system.circulating
    )
    assert (found.plan, found.valuation, found.run_seq) == ("demo", "reserve", run.run_seq)


def test_the_aggregate_is_written_once_and_never_rewritten() -> None:
    # Given a settled date, then more sales
    ledger = community()
    run_settlement(ledger, "2026-01-01")
    first = ledger.store.daily_aggregate("2026-01-01")
    ledger.purchase(Purchase("ben", "o3", 900_000, 0), "o3")
    run = ledger.store.settlement_run("2026-01-01")
    assert run is not None
    # When the aggregate is recorded again (a retried finish, an operator's button)
    again = record_daily_aggregate(ledger, run)
    # Then the first one stands, unchanged
    assert again == first
    assert ledger.store.daily_aggregate("2026-01-01") == first
    assert len(ledger.store.daily_aggregates(limit=10)) == 1


def test_a_store_failure_recording_the_aggregate_never_holds_the_run_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the aggregate's write failing for good
    ledger = community()

    def unavailable(*_: object) -> bool:
        raise UnavailableError("throttled")

    monkeypatch.setattr(type(ledger.store), "put_daily_aggregate", unavailable)
    # When the date is settled
    row = run_settlement(ledger, "2026-01-01")
    monkeypatch.undo()
    # Then the run is done all the same, its aggregate missing until recorded again
    assert row.status == "settled"
    run = ledger.store.settlement_run("2026-01-01")
    assert run is not None
    assert run.status == "done"
    assert ledger.store.daily_aggregate("2026-01-01") is None
    assert record_daily_aggregate(ledger, run) is not None
    assert ledger.store.daily_aggregate("2026-01-01") is not None


def test_a_crash_while_recording_leaves_the_run_open_and_the_rerun_records_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the process dying as the aggregate is written (not a store error)
    ledger = community()

    def die(*_: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(type(ledger.store), "put_daily_aggregate", die)
    with pytest.raises(KeyboardInterrupt):
        run_settlement(ledger, "2026-01-01")
    monkeypatch.undo()
    # When the date is run again
    open_run = ledger.store.settlement_run("2026-01-01")
    assert open_run is not None
    assert open_run.status == "computed"
    row = run_settlement(ledger, "2026-01-01")
    # Then the run finishes and its aggregate is there: nothing lost by the crash
    assert row.status == "settled"
    assert ledger.store.daily_aggregate("2026-01-01") is not None


def test_the_monthly_pool_report_balances_exactly_across_months() -> None:
    # Given a reserve-valued community settled over the end of January into February,
    # with withdrawals requested, approved, rejected and left pending on both sides
    ledger = community()
    for day in ("2026-01-30", "2026-01-31"):
        run_settlement(ledger, day)
    first = ledger.request_withdrawal(Withdraw("ann", 5_000), "w1")
    ledger.decide_withdrawal(first.request_id, approve=True, operator="ops")
    ledger.purchase(Purchase("ben", "o3", 300_000, 0), "o3")
    for day in ("2026-02-01", "2026-02-02"):
        run_settlement(ledger, day)
    second = ledger.request_withdrawal(Withdraw("ann", 6_000), "w2")
    ledger.decide_withdrawal(second.request_id, approve=False, operator="ops", reason="x")
    ledger.request_withdrawal(Withdraw("ann", 5_500), "w3")
    run_settlement(ledger, "2026-02-03")
    # When January's and February's reports are made from the aggregates
    january = dashboard.pool_report(ledger.store, "2026-01")
    february = dashboard.pool_report(ledger.store, "2026-02")
    # Then each balances to the cent, and February opens where January closed
    assert january is not None
    assert february is not None
    for report in (january, february):
        assert report.closing == report.opening + report.inflows - report.withdrawals
    assert february.opening == january.closing
    assert january.opening == 0
    assert february.days == 3
    assert february.withdrawals > 0
    assert february.closing == ledger.store.system_totals().reserve
    assert dashboard.pool_report(ledger.store, "2026-03") is None


def test_day_rows_give_each_days_flows_from_consecutive_aggregates() -> None:
    # Given three settled days with a sale between the second and the third
    ledger = community()
    run_settlement(ledger, "2026-01-01")
    run_settlement(ledger, "2026-01-02")
    ledger.purchase(Purchase("ben", "o3", 900_000, 0), "o3")
    run_settlement(ledger, "2026-01-03")
    # When the dashboard's rows are read
    rows = dashboard.day_rows(ledger.store, days=2)
    # Then they are newest first, with the cash taken since the day before
    assert [row.aggregate.date for row in rows] == ["2026-01-03", "2026-01-02"]
    assert rows[0].sales == 900_000
    assert rows[1].sales == 0
    assert rows[0].new_members == 0
