"""Settlement dates are applied in order, whatever crashes and whatever runs next.

The failures of a single run and its rerun are in ``test_reliability.py``. These cases
add what comes *after* a failure: the next business day's run, reserve-priced
withdrawals in between, a date before the last one settled, and days never settled.
Every case ends by comparing every stored item with a clean run of the same days, and
with a clean ``jifen verify``.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from functions.cli import main
from functions.config import REPO_ROOT, Settings
from functions.handlers import settlement as handlers
from functions.rewards.errors import Rejected
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.plan import Plan, load_plan_text
from functions.runtime import Runtime
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.services.settlement_compute import SettlementBlocked
from functions.services.settlement_fanout import settle_scheduled
from functions.services.settlement_notices import DiscardingQueue
from functions.services.verify import verify
from functions.store.commit import Commit
from functions.store.ledger_store import LedgerStore
from functions.store.ports import LedgerPort
from functions.store.records import JournalEntry
from functions.store.storage import dynamodb_ledger
from local.lambda_fakes import LambdaContext
from tests.support.books import ledger_for

from .lambda_env import handler_settings
from .ledger_state import Tables, table_dump
from .test_reliability import (
    PLAN_DATA,
    Crash,
    Crasher,
    install,
    ledger_on,
    setup_history,
)

Dump = dict[str, dict[str, Any]]
pytestmark = pytest.mark.usefixtures("small_settlement_pages")
DAY_0, DAY_1, DAY_2, DAY_3 = "2026-03-31", "2026-04-01", "2026-04-02", "2026-04-03"
WITHDRAWAL = Withdraw("A", 1_000)
"""A reserve-priced withdrawal: its price depends on every settled day before it."""


@pytest.fixture(scope="module")
def day_0_settled(module_tables: Tables) -> str:
    """Five members with grants, the day before DAY_1 settled cleanly (cloned by each case)."""
    table = module_tables.create()
    ledger = ledger_on(module_tables.store(table))
    setup_history(ledger)
    assert run_settlement(ledger, DAY_0).status == "settled"
    return table


def scheduled(ledger: Ledger, target: str) -> dict[str, Any]:
    """What the daily schedule does for ``target`` (yesterday): catch up, or say why not."""
    return settle_scheduled(ledger, target, queue=DiscardingQueue(), starter=None)


def withdraw(ledger: Ledger) -> str:
    """Request :data:`WITHDRAWAL`; its status, or the rejection code."""
    try:
        return str(ledger.request_withdrawal(WITHDRAWAL, "w-A").status)
    except Rejected as refused:
        return refused.code.value


@pytest.fixture(scope="module")
def clean_days(module_tables: Tables, day_0_settled: str) -> Dump:
    """DAY_1 and DAY_2 settled without faults, then the withdrawal: every stored item."""
    table = module_tables.clone(day_0_settled)
    ledger = ledger_on(module_tables.store(table))
    assert run_settlement(ledger, DAY_1).status == "settled"
    assert run_settlement(ledger, DAY_2).status == "settled"
    assert withdraw(ledger) == "pending"
    report = verify(ledger.store)
    assert report.ok, report.render()
    return table_dump(module_tables.client, table)


def at_write(target: int, phase: str) -> Callable[[str, str, int], bool]:
    """Crash ``phase`` the ``target``-th write of any kind."""
    writes = Counter[str]()

    def decide(now: str, _kind: str, _n: int) -> bool:
        if now == "before":
            writes["all"] += 1
        return now == phase and writes["all"] == target

    return decide


def writes_of_a_clean_run(tables: Tables, source: str) -> int:
    table = tables.clone(source)
    store = tables.store(table)
    counter = Crasher(lambda *_: False)
    with install(store, counter):
        run_settlement(ledger_on(store), DAY_1)
    return sum(counter.counts.values())


def assert_every_crash_then_rerun_converges(
    tables: Tables,
    source: str,
    ledger_of: Callable[[LedgerStore], Ledger],
    day: str,
    next_day: str,
    clean: Dump,
) -> None:
    """Crash ``day``'s run before and after each of its writes in turn (on a clone of
    ``source``), rerun it and settle ``next_day``: every stored item must equal ``clean``
    (the sweeps of runs with pools, stages, the gate and the throttle)."""
    counter = Crasher(lambda *_: False)
    probe = tables.store(tables.clone(source))
    with install(probe, counter):
        run_settlement(ledger_of(probe), day)
    writes = sum(counter.counts.values())
    assert writes >= 8
    for target in range(1, writes + 1):
        for phase in ("before", "after"):
            table = tables.clone(source)
            store = tables.store(table)
            with install(store, Crasher(at_write(target, phase))), pytest.raises(Crash):
                run_settlement(ledger_of(store), day)
            ledger = ledger_of(tables.store(table))
            assert run_settlement(ledger, day).status in {"settled", "already_settled"}
            assert run_settlement(ledger, next_day).status == "settled"
            assert table_dump(tables.client, table) == clean, (target, phase)


def test_a_crash_at_any_write_then_the_next_day_then_the_rerun_equals_the_clean_days(
    module_tables: Tables, day_0_settled: str, clean_days: Dump
) -> None:
    """Given DAY_1's run crashes before or after each of its writes in turn
    When the schedule then fires for DAY_2, a reserve withdrawal is asked for, DAY_1 is
    rerun by hand, and the schedule and the withdrawal are retried
    Then DAY_2 never ran while DAY_1 was unfinished (blocked, nothing changed), the
    withdrawal waited, and every stored item equals the clean DAY_1, DAY_2, withdrawal
    run (whose table verifies clean)."""
    writes = writes_of_a_clean_run(module_tables, day_0_settled)
    assert writes >= 12  # claim, pages, publish, 5 members, 3 page totals, finish
    blocked_cases = 0
    for target in range(1, writes + 1):
        for phase in ("before", "after"):
            table = module_tables.clone(day_0_settled)
            store = module_tables.store(table)
            crasher = Crasher(at_write(target, phase))
            with install(store, crasher), pytest.raises(Crash):
                run_settlement(ledger_on(store), DAY_1)
            store = module_tables.store(table)
            ledger = ledger_on(store)
            crashed = table_dump(module_tables.client, table)

            next_day = scheduled(ledger, DAY_2)
            if next_day["status"] == "blocked":
                # DAY_1 was claimed: nothing of DAY_2 may happen, and the price is in flux
                blocked_cases += 1
                assert next_day == {"date": DAY_2, "status": "blocked", "blocked_by": DAY_1}
                assert withdraw(ledger) == "busy"
                assert table_dump(module_tables.client, table) == crashed
            else:
                # DAY_1 was never claimed (or already finished): the schedule caught it up
                assert next_day["status"] == "settled", (target, phase, next_day)

            assert run_settlement(ledger, DAY_1).status in {"settled", "already_settled"}
            assert scheduled(ledger, DAY_2)["status"] in {"settled", "already_settled"}
            assert withdraw(ledger) == "pending"
            assert table_dump(module_tables.client, table) == clean_days, (target, phase)
    assert blocked_cases >= 2 * writes - 3


def test_a_date_before_the_last_settled_one_is_refused_and_changes_nothing(
    module_tables: Tables, day_0_settled: str
) -> None:
    """Given DAY_2 was settled while DAY_1 never was (an operator ran DAY_2 by hand)
    When DAY_1 is asked for, by hand or through the service
    Then it is refused with the stable code settlement_out_of_order, nothing changes,
    and a date already settled still answers already_settled."""
    table = module_tables.clone(day_0_settled)
    ledger = ledger_on(module_tables.store(table))
    assert run_settlement(ledger, DAY_2).status == "settled"
    before = table_dump(module_tables.client, table)
    with pytest.raises(Rejected) as refused:
        run_settlement(ledger, DAY_1)
    assert refused.value.code == "settlement_out_of_order"
    assert DAY_2 in refused.value.message
    assert table_dump(module_tables.client, table) == before
    assert run_settlement(ledger, DAY_0).status == "already_settled"
    assert run_settlement(ledger, DAY_2).status == "already_settled"
    assert table_dump(module_tables.client, table) == before


def test_the_schedule_catches_up_days_never_settled_in_order(
    module_tables: Tables, day_0_settled: str, clean_days: Dump
) -> None:
    """Given DAY_0 is the last date settled (the schedule was off for two days)
    When the schedule fires for DAY_2
    Then DAY_1 and then DAY_2 are settled, exactly as if each had run on its own day."""
    table = module_tables.clone(day_0_settled)
    ledger = ledger_on(module_tables.store(table))
    outcome = scheduled(ledger, DAY_2)
    assert outcome["status"] == "settled"
    assert outcome["date"] == DAY_2
    assert outcome["caught_up"] == [DAY_1]
    assert withdraw(ledger) == "pending"
    assert table_dump(module_tables.client, table) == clean_days


def test_a_catch_up_stops_when_the_invocation_runs_out_of_time(
    module_tables: Tables, day_0_settled: str
) -> None:
    """Given two days never settled and an invocation with little time left
    When the schedule fires for DAY_2
    Then DAY_1 is settled, DAY_2 is left for the next tick (status behind), nothing is
    half done; the next tick settles DAY_2."""
    table = module_tables.clone(day_0_settled)
    store = module_tables.store(table)
    ledger = ledger_on(store)
    outcome = settle_scheduled(
        ledger,
        DAY_2,
        queue=DiscardingQueue(),
        starter=None,
        time_left_s=lambda: 10.0,
        time_budget_s=60.0,
    )
    assert outcome == {
        "date": DAY_2,
        "status": "behind",
        "next": DAY_2,
        "target": DAY_2,
        "caught_up": [DAY_1],
    }
    assert store.open_settlement() is None
    assert scheduled(ledger, DAY_2)["status"] == "settled"
    assert scheduled(ledger, DAY_3)["status"] == "settled"


def test_an_unfinished_run_blocks_every_later_date_until_it_is_finished(
    module_tables: Tables, day_0_settled: str
) -> None:
    """Given DAY_1's run crashed after its first member transaction
    When DAY_2 and DAY_3 are asked for, by hand and by the schedule
    Then each is blocked by DAY_1 and nothing changes; once DAY_1 is finished, they run."""
    table = module_tables.clone(day_0_settled)
    store = module_tables.store(table)
    first_member = Crasher(lambda phase, kind, _n: (phase, kind) == ("after", "member"))
    with install(store, first_member), pytest.raises(Crash):
        run_settlement(ledger_on(store), DAY_1)
    store = module_tables.store(table)
    ledger = ledger_on(store)
    assert store.open_settlement() == DAY_1
    crashed = table_dump(module_tables.client, table)
    for date in (DAY_2, DAY_3):
        with pytest.raises(SettlementBlocked) as blocked:
            run_settlement(ledger, date)
        assert blocked.value.blocked_by == DAY_1
        assert scheduled(ledger, date) == {"date": date, "status": "blocked", "blocked_by": DAY_1}
    assert table_dump(module_tables.client, table) == crashed
    assert run_settlement(ledger, DAY_1).status == "settled"
    assert scheduled(ledger, DAY_3)["caught_up"] == [DAY_2]
    assert verify(store).ok


# -- through the real handler, with a function killed mid-run ------------------------------

COMMUNITY = 14
"""Members in a binary referral tree, each with one 3,000 yuan order (demo plan)."""
HANDLER_DAY_1, HANDLER_DAY_2 = "2024-05-01", "2024-05-02"


def scheduled_event(date: str) -> dict[str, Any]:
    """The scheduler's event of 00:30 (Asia/Shanghai) the morning after ``date``."""
    day = dt.date.fromisoformat(date)
    return {
        "version": "0",
        "id": f"tick-{date}",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": f"{day.isoformat()}T16:30:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/settle"],
        "detail": {},
    }


def context() -> Any:
    """A settlement invocation with its whole 15 minutes ahead."""
    return LambdaContext("settle", memory_limit_in_mb=1024, remaining_ms=900_000)


def seed_community(ledger: Ledger) -> list[str]:
    names = [f"m{index:02d}" for index in range(COMMUNITY)]
    for index, name in enumerate(names):
        referrer = names[(index - 1) // 2] if index else None
        ledger.join(Join(name, referrer), f"join:{name}")
        ledger.purchase(Purchase(name, f"order-{name}", 300_000), f"order:{name}")
    return names


def balances(store: LedgerPort) -> dict[str, tuple[int, int, int, int]]:
    """Each member's (available, locked, released, settlement entries)."""
    return {
        record.member: (
            record.available,
            record.locked,
            record.released,
            sum(1 for entry in store.journal(record.member) if entry.kind == "settlement"),
        )
        for record in store.iter_members()
    }


def settle_then_die(settings: Settings, date: str, after_members: int) -> None:
    """In a child process (a container of its own): run the handler for ``date``; SIGKILL
    after ``after_members`` member transactions committed (as a Lambda timeout ends a
    function)."""
    real_commit = LedgerStore.commit
    committed = Counter[str]()

    def commit_then_maybe_die(store: LedgerStore, commit: Commit) -> JournalEntry:
        entry = real_commit(store, commit)
        if commit.kind == "settlement":
            committed["members"] += 1
            if committed["members"] == after_members:
                os.kill(os.getpid(), signal.SIGKILL)
        return entry

    LedgerStore.commit = commit_then_maybe_die  # type: ignore[method-assign,assignment]
    handlers.handle(Runtime(settings), {"date": date}, context())


@pytest.fixture
def community(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    module_tables: Tables,
) -> tuple[dict[str, tuple[int, int, int, int]], Plan, Settings]:
    """The handler's table holds the community; the clean two days' balances, computed on
    a clone through the services, and the function's settings come with it."""
    plan = load_plan_text((REPO_ROOT / "infra" / "plans" / "demo.yaml").read_text())
    client, table = dynamodb_table
    seed_community(ledger_for(dynamodb_ledger(table, dynamodb_endpoint), plan))
    clean_table = module_tables.clone(table)
    clean_store = module_tables.store(clean_table)
    clean = ledger_for(clean_store, plan)
    assert run_settlement(clean, HANDLER_DAY_1).status == "settled"
    assert run_settlement(clean, HANDLER_DAY_2).status == "settled"
    clean_balances = balances(clean_store)
    settings = handler_settings(dynamodb_endpoint, (client, table), "infra/plans/demo.yaml")
    return clean_balances, plan, settings


def test_a_killed_run_then_the_next_days_schedule_releases_nothing_twice(
    community: tuple[dict[str, tuple[int, int, int, int]], Plan, Settings],
) -> None:
    """Given the settlement function for DAY 1 is killed (SIGKILL, a Lambda timeout) after
    5 of 14 member transactions
    When the schedule fires for DAY 2, a member asks for a reserve-priced withdrawal, an
    operator reruns DAY 1, the withdrawal is asked again and the schedule fires again
    Then DAY 2 is blocked by DAY 1 and the withdrawal waits while DAY 1 is unfinished; the
    rerun applies the 9 members left; the withdrawal is priced from the whole
    circulating total; every member ends with one settlement entry per day and the
    clean run's balances, and verify is clean."""
    clean_balances, _plan, settings = community
    child = multiprocessing.get_context("fork").Process(
        target=settle_then_die, args=(settings, HANDLER_DAY_1, 5)
    )
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL
    runtime = Runtime(settings)  # the next container of the function
    store = runtime.ledger.store
    assert store.open_settlement() == HANDLER_DAY_1

    blocked = handlers.handle(runtime, scheduled_event(HANDLER_DAY_2), context())
    assert blocked == {"date": HANDLER_DAY_2, "status": "blocked", "blocked_by": HANDLER_DAY_1}
    with pytest.raises(Rejected) as waiting:
        runtime.ledger.request_withdrawal(Withdraw("m00", 5_000), "w-m00")
    assert waiting.value.code == "busy"
    assert "settlement" in waiting.value.message

    rerun = handlers.handle(runtime, {"date": HANDLER_DAY_1}, context())
    assert rerun["status"] == "settled"
    assert rerun["members_applied"] == COMMUNITY - 5
    totals = store.system_totals()
    members = list(store.iter_members())
    available = sum(record.available for record in members)
    assert totals.circulating == available
    quote = runtime.ledger.request_withdrawal(Withdraw("m00", 5_000), "w-m00")
    assert quote.gross == 5_000 * totals.reserve // available

    after = handlers.handle(runtime, scheduled_event(HANDLER_DAY_2), context())
    assert after["status"] == "settled"
    assert after["date"] == HANDLER_DAY_2
    final = balances(store)
    withdrawn = 5_000
    assert final["m00"][0] + withdrawn == clean_balances["m00"][0]
    assert {name: row for name, row in final.items() if name != "m00"} == {
        name: row for name, row in clean_balances.items() if name != "m00"
    }
    assert final["m00"][1:] == clean_balances["m00"][1:]
    assert verify(store).ok


def test_an_operator_sees_the_unfinished_run_and_finishes_it_from_the_command_line(
    module_tables: Tables,
    day_0_settled: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Given DAY_1's run crashed after its first member transaction
    When the operator asks `jifen settlement status`, then `jifen settlement run DAY_2`,
    then `jifen settlement run DAY_1`
    Then status names DAY_1 as open with its pages and progress and the next step; DAY_2
    is refused as blocked (exit 1, nothing done); DAY_1 is finished (exit 0) and status
    then shows it done."""
    table = module_tables.clone(day_0_settled)
    store = module_tables.store(table)
    first_member = Crasher(lambda phase, kind, _n: (phase, kind) == ("after", "member"))
    with install(store, first_member), pytest.raises(Crash):
        run_settlement(ledger_on(store), DAY_1)
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", module_tables.endpoint)
    monkeypatch.setenv("JIFEN_TABLE_NAME", table)
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(PLAN_DATA), encoding="utf-8")
    monkeypatch.setenv("JIFEN_PLAN_PATH", str(plan_file))
    monkeypatch.delenv("JIFEN_NOTIFY_QUEUE_URL", raising=False)
    monkeypatch.setenv("JIFEN_PROOF_DIR", str(tmp_path / "proofs"))

    assert main(["settlement", "status"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_date"] == DAY_1
    assert status["open"] is True
    assert status["run"]["status"] == "computed"
    assert status["run"]["pages"] == 3
    assert status["run"]["pages_applied"] == 0
    assert status["next_step"] == f"jifen settlement run {DAY_1}"

    assert main(["settlement", "run", DAY_2]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "date": DAY_2,
        "status": "blocked",
        "blocked_by": DAY_1,
    }
    assert main(["settlement", "run", DAY_1]) == 0
    finished = json.loads(capsys.readouterr().out)
    assert finished["status"] == "settled"
    assert finished["members_applied"] == 4
    assert finished["after_finish"]["status"] == "published"  # the day's proof of liabilities
    assert main(["settlement", "status"]) == 0
    assert json.loads(capsys.readouterr().out) == {"last_date": DAY_1, "seq": 2, "open": False}
    # the listing's migration (issue 16) finds nothing to move on a table written now
    assert main(["settlement", "migrate-roster"]) == 0
    assert json.loads(capsys.readouterr().out) == {"moved": 0}
