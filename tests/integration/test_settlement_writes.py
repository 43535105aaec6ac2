"""A settled member-day costs one member ``UpdateItem`` and a share of a ``BatchWriteItem``.

The guarantees of a run (once per member per run, convergence after any crash) are swept
write by write in ``test_settlement_order.py``; these cases pin the new write order
itself: which requests a run sends, the window between a member's update and its entry,
and the refusal to write an entry that does not match its chain.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from typing import Any

import pytest

from functions.services.settlement import run_settlement, settlement_commit
from functions.services.settlement_compute import SettlementBlocked
from functions.services.settlement_results import decode_page
from functions.services.verify import verify
from functions.store import member_listing
from functions.store.errors import ConflictError, UnavailableError
from functions.store.items import journal_key, member_key
from functions.store.member_roll import RollPart
from functions.store.settlement_writes import EntryMismatchError
from functions.store.table import Update

from .ledger_state import Faults, Tables, table_dump
from .test_reliability import (
    FIRST_DAY,
    MEMBERS,
    SECOND_DAY,
    Crash,
    Crasher,
    install,
    ledger_on,
    setup_history,
)

Dump = dict[str, dict[str, Any]]


def before_the_entries(phase: str, kind: str, n: int) -> bool:
    """Crash before the second BatchWriteItem: the page went first, the entries next."""
    return (phase, kind, n) == ("before", "BatchWriteItem", 2)


@pytest.fixture(scope="module")
def history(module_tables: Tables) -> str:
    """Five members with grants, nothing settled yet (cloned by each case)."""
    table = module_tables.create()
    setup_history(ledger_on(module_tables.store(table)))
    return table


@pytest.fixture(scope="module")
def clean(module_tables: Tables, history: str) -> Dump:
    table = module_tables.clone(history)
    assert run_settlement(ledger_on(module_tables.store(table)), FIRST_DAY).status == "settled"
    return table_dump(module_tables.client, table)


def test_a_run_sends_one_update_per_member_and_batches_their_entries(
    module_tables: Tables, history: str
) -> None:
    """Given five members whose grants release
    When the day is settled
    Then every member is written by one UpdateItem and no member write is a transaction:
    the only transactions are the claim, the page totals and the finish; the entries go
    in BatchWriteItem requests (page writes and entries)."""
    store = module_tables.store(module_tables.clone(history))
    sent = Counter[str]()
    transaction_items = Counter[int]()

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        sent[model.name] += 1
        if model.name == "TransactWriteItems":
            transaction_items[len(params["TransactItems"])] += 1

    with Faults(store) as hooks:
        hooks.on("before-parameter-build.dynamodb", count)
        assert run_settlement(ledger_on(store), FIRST_DAY).status == "settled"
    assert sent["UpdateItem"] == len(MEMBERS) + 1  # the members, and the run's publish
    assert sent["PutItem"] == 1  # the day's aggregate figures
    assert sent["BatchWriteItem"] == 2  # the page, then its entries
    assert sum(transaction_items.values()) == sent["TransactWriteItems"]
    assert max(transaction_items) <= 2  # claim, page totals, finish: never a member's
    assert verify(store).ok


def test_a_crash_between_the_updates_and_the_entries_is_repaired_by_the_rerun(
    module_tables: Tables, history: str, clean: Dump
) -> None:
    """Given the run dies right before a page's entries are put (its members are updated,
    pointing at entries that do not exist yet)
    When the date is run again
    Then the rerun settles nobody twice, rebuilds the missing entries byte for byte, and
    the table equals the clean run's (whose verify is clean)."""
    table = module_tables.clone(history)
    store = module_tables.store(table)
    entries = Crasher(before_the_entries)
    with install(store, entries), pytest.raises(Crash):
        run_settlement(ledger_on(store), FIRST_DAY)
    updated = [m for m, _ in MEMBERS if (record := store.get_member(m)) and record.settled_seq]
    assert updated  # members point at entries the crash never wrote
    assert not verify(store).ok
    assert run_settlement(ledger_on(store), FIRST_DAY).status == "settled"
    assert table_dump(module_tables.client, table) == clean
    assert verify(store).ok


def test_an_entry_that_does_not_rebuild_to_its_chain_is_never_written(
    module_tables: Tables, history: str
) -> None:
    """Given a member updated by the run whose entry is missing, and whose recorded time of
    the entry was altered (so the rebuilt MAC cannot match the member's head)
    When the date is run again
    Then the rerun refuses with EntryMismatchError and writes no entry for that member."""
    table = module_tables.clone(history)
    store = module_tables.store(table)
    entries = Crasher(before_the_entries)
    with install(store, entries), pytest.raises(Crash):
        run_settlement(ledger_on(store), FIRST_DAY)
    victim = next(m for m, _ in MEMBERS if (record := store.get_member(m)) and record.settled_seq)
    record = store.get_member(victim)
    assert record is not None
    store.table.write(Update(member_key(victim), add={"settled_at": 1}))
    with pytest.raises(EntryMismatchError):
        run_settlement(ledger_on(store), FIRST_DAY)
    assert store.table.get(journal_key(victim, record.journal_seq)) is None


def test_a_settlement_commit_is_not_a_transaction_but_keeps_its_conditions(
    module_tables: Tables, history: str
) -> None:
    """Given a member already settled by the run
    When the same settlement commit is sent again (a retry whose answer was lost)
    Then its update is refused by the settled_seq guard and nothing is queued."""
    table = module_tables.clone(history)
    store = module_tables.store(table)
    assert run_settlement(ledger_on(store), FIRST_DAY).status == "settled"
    before = table_dump(module_tables.client, table)
    record = store.get_member("A")
    run = store.settlement_run(FIRST_DAY)
    assert record is not None
    assert run is not None
    page = store.get_page(FIRST_DAY, run.run_id, 0)
    assert page is not None
    result = next(r for r in decode_page(page.payload) if r.member == "A")
    stale = dataclasses.replace(record, settled_seq=0)
    with pytest.raises(ConflictError):
        store.commit(settlement_commit(run, result, stale, 1))
    assert store.flush_settlement_entries() == 0
    assert table_dump(module_tables.client, table) == before


def test_members_of_a_page_applied_by_several_threads_store_what_one_thread_does(
    module_tables: Tables, history: str, clean: Dump
) -> None:
    """Given the ledger applies a page's members in three slices at once
    When the day is settled, and on another copy a crash hits the third member update
    (in whichever thread sends it) before a rerun by one thread
    Then both tables equal the clean one-thread run's (each slice put its own entries)."""
    for crash in (False, True):
        table = module_tables.clone(history)
        store = module_tables.store(table)
        threaded = dataclasses.replace(ledger_on(store), apply_threads=3)
        if crash:
            third = Crasher(lambda phase, kind, n: (phase, kind, n) == ("before", "member", 3))
            with install(store, third), pytest.raises(Crash):
                run_settlement(threaded, FIRST_DAY)
            assert run_settlement(ledger_on(store), FIRST_DAY).status == "settled"
        else:
            assert run_settlement(threaded, FIRST_DAY).status == "settled"
        assert table_dump(module_tables.client, table) == clean
        assert verify(store).ok


def _dies_in_the_worker(*_args: object) -> list[RollPart]:
    os._exit(9)  # the worker process is killed mid-read (out of memory, a timeout)


def test_a_reader_process_that_dies_fails_the_attempt_and_the_rerun_converges(
    module_tables: Tables, history: str, clean: Dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the members are read by two worker processes, one of which dies while reading
    When the date is settled (and fails), the next day's schedule fires, and the date is
    settled again (read in this process, as five members are)
    Then the failed attempt wrote nothing but its claim, the next day waits for it, and
    the rerun ends with exactly the clean run's table (read by one process)."""
    table = module_tables.clone(history)
    store = module_tables.store(table)
    ledger = ledger_on(store)
    ledger.load_processes = 2
    before = table_dump(module_tables.client, table)
    with monkeypatch.context() as patched:
        patched.setattr(member_listing, "PARALLEL_FROM", 0)  # fork even for five members
        patched.setattr(member_listing, "roll_parts", _dies_in_the_worker)
        with pytest.raises(UnavailableError, match="without an answer"):
            run_settlement(ledger, FIRST_DAY)
    claimed = table_dump(module_tables.client, table)
    assert {key for key in claimed if key not in before} == {
        "SETTLE#SEQ SEQ",
        f"SETTLE#{FIRST_DAY} RUN",
    }  # the claim: the run record and the sequence it takes a number from
    assert all(claimed[key] == item for key, item in before.items())
    with pytest.raises(SettlementBlocked):
        run_settlement(ledger, SECOND_DAY)
    assert run_settlement(ledger, FIRST_DAY).status == "settled"
    assert table_dump(module_tables.client, table) == clean
    assert verify(store).ok
