"""The compute step's roll (issue 16): members as columns, merged from shard parts."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import time
from collections.abc import Callable
from fractions import Fraction

import pytest

from functions.rewards.events import Join
from functions.rewards.plan import load_plan_text
from functions.rewards.staking import Stake
from functions.rewards.tree import NO_PARENT
from functions.runtime import load_processes
from functions.services.ledger import Ledger
from functions.services.settlement_compute import paused_collector
from functions.store.errors import UnavailableError
from functions.store.items import grant_maps
from functions.store.ledger_store import SETTLEMENT_ATTRIBUTES
from functions.store.member_listing import load_roll
from functions.store.member_roll import (
    GrantBalances,
    RollPart,
    UnlistedReferrer,
    merge_parts,
    roll_of,
)
from functions.store.memory_table import MemoryTable
from functions.store.program_records import stake_maps
from functions.store.records import GrantRecord
from functions.store.storage import memory_storage
from functions.store.table import Item

PLAIN = (GrantRecord(1, "o1", 900, 700, 30), GrantRecord(2, "o2", 300, 300, 10))
ONE = load_plan_text("name: one\ngrant: {ratio: '1'}")
STAGED = (GrantRecord(1, "o3", 600, 500, 20, releases=3, schedule=((5, 20), (10, 40))),)


def _member(name: str, referrer: str | None = None, **fields: object) -> Item:
    item: Item = {"member": name, "referrer": referrer}
    item.update(fields)  # type: ignore[arg-type]
    return item


def test_common_fields_are_columns_and_rare_ones_are_kept_by_position() -> None:
    """Given three member items: a plain one with two grants, one with a staged grant,
    gate marks, regional cash and a stake, and one without anything
    When they are rolled
    Then the common fields are in columns in join order, each member's grants come back
    as (seq, remaining, daily), and only the second member appears in the sparse maps."""
    stake = Stake(seq=1, points=5_000, term=30, left=27, rate=Fraction(1, 100))
    roll = roll_of(
        [
            _member(
                "a",
                personal_volume=900,
                team_volume=40,
                team_size=2,
                orders=1,
                level="L1",
                grants=grant_maps(PLAIN),
                available=5,
                locked=1_000,
            ),
            _member(
                "b",
                "a",
                personal_volume=600,
                orders=2,
                region="east",
                level="L1",
                grants=grant_maps(STAGED),
                gate_orders=2,
                gate_referrals=0,
                active_run=4,
                region_cash='{"east": 600}',
                stakes=stake_maps((stake,)),
                staked=5_000,
            ),
            _member("c", "b"),
        ]
    )
    assert roll.names == ["a", "b", "c"]
    assert list(roll.parents) == [NO_PARENT, 0, 1]
    assert list(roll.personal_volume) == [900, 600, 0]
    assert (list(roll.team_volume), list(roll.team_size)) == ([40, 0, 0], [2, 0, 0])
    assert list(roll.orders) == [1, 2, 0]
    assert roll.levels == ["L1", "L1", None]
    assert roll.levels[0] is roll.levels[1]
    assert roll.regions == [None, "east", None]
    assert list(roll.grants(0)) == [(1, 700, 30), (2, 300, 10)]
    assert list(roll.grants(1)) == [(1, 500, 20)]
    assert list(roll.grants(2)) == []
    assert roll.staged == {1: STAGED}
    assert roll.gate == {1: (2, 0, 4)}
    assert roll.region_cash == {1: '{"east": 600}'}
    assert roll.stakes == {1: (stake,)}
    assert 0 not in roll.stakes
    assert roll.outstanding == 5 + 1_000 + 5_000


def test_parts_merge_in_join_order_with_referrers_across_parts() -> None:
    """Given two shard parts whose members joined interleaved, referring across parts,
    with a staged grant and gate marks in the second part
    When the parts are merged
    Then the roll is in join order (the sort keys), parents point across parts, grants
    follow their members, and sparse entries carry their merged positions."""
    first, second = RollPart(), RollPart()
    first.add("01#a", _member("a", grants=grant_maps(PLAIN[:1])))
    second.add("02#b", _member("b", "a", grants=grant_maps(STAGED), gate_orders=1))
    first.add("03#c", _member("c", "b"))
    second.add("04#d", _member("d", "c", grants=grant_maps(PLAIN)))
    roll = merge_parts([first, second])
    assert roll.names == ["a", "b", "c", "d"]
    assert list(roll.parents) == [NO_PARENT, 0, 1, 2]
    assert [list(roll.grants(p)) for p in range(4)] == [
        [(1, 700, 30)],
        [(1, 500, 20)],
        [],
        [(1, 700, 30), (2, 300, 10)],
    ]
    assert roll.staged == {1: STAGED}
    assert roll.gate == {1: (1, 0, None)}


def test_an_amount_beyond_64_bits_keeps_plain_lists_and_the_same_figures() -> None:
    """Given a member whose team volume does not fit 64 bits, after one that does
    When they are rolled
    Then nothing is lost: the columns become lists and hold both values exactly."""
    huge = 2**70
    roll = roll_of(
        [
            _member("a", team_volume=5, grants=grant_maps(PLAIN[:1])),
            _member("b", "a", team_volume=huge, grants=grant_maps(PLAIN[1:])),
        ]
    )
    assert list(roll.team_volume) == [5, huge]
    assert isinstance(roll.team_volume, list)
    assert [list(roll.grants(p)) for p in range(2)] == [[(1, 700, 30)], [(2, 300, 10)]]


def test_a_referrer_nobody_listed_is_refused_with_the_members_named() -> None:
    """Given a member whose referrer is in no part (the index lags behind a join)
    When the parts are merged
    Then the merge refuses, naming the member, so the run is retried, not computed."""
    part = RollPart()
    part.add("01#b", _member("b", "ghost"))
    with pytest.raises(UnlistedReferrer) as refused:
        merge_parts([part])
    assert refused.value.members == ("b",)


def test_a_malformed_member_item_is_refused_not_rolled() -> None:
    """Given a member item whose volume is not a number
    When it is added to a part
    Then it is refused and the part stays as it was (columns of equal length)."""
    part = RollPart()
    part.add("01#a", _member("a", personal_volume=3))
    with pytest.raises(ValueError, match="personal_volume"):
        part.add("02#b", _member("b", personal_volume="3"))
    assert len(part) == 1
    assert len(part.personal_volume) == 1


def _joined_table(count: int) -> MemoryTable:
    """A table where ``count`` members joined, each invited by one of the earlier ones."""
    storage = memory_storage()
    ledger = Ledger(storage.ledger, ONE, clock=itertools.count(1).__next__)
    for index in range(count):
        referrer = f"m{(index * 7) // 10:03d}" if index else None
        ledger.join(Join(f"m{index:03d}", referrer), f"join:{index}")
    assert isinstance(storage.table, MemoryTable)
    return storage.table


def test_worker_processes_load_the_roll_one_process_loads() -> None:
    """Given 120 members spread over the 32 roster shards
    When the roll is loaded in this process and by three forked worker processes
    Then both rolls are the same, column by column, in join order."""
    table = _joined_table(120)
    alone = load_roll(table, SETTLEMENT_ATTRIBUTES, reopen=None, processes=3)
    forked = load_roll(
        table, SETTLEMENT_ATTRIBUTES, reopen=lambda: table, processes=3, parallel_from=0
    )
    assert alone.names == [f"m{index:03d}" for index in range(120)]
    assert forked == alone


def _refuse() -> MemoryTable:
    raise ConnectionError("no route to the table")


def _vanish() -> MemoryTable:
    os._exit(3)


@pytest.mark.parametrize(
    ("reopen", "said"), [(_refuse, "no route"), (_vanish, "without an answer")]
)
def test_a_failed_worker_fails_the_load_and_says_why(
    reopen: Callable[[], MemoryTable], said: str
) -> None:
    """Given a table whose reopening fails in the worker (an error, or the process dies)
    When the roll is loaded by two worker processes
    Then the load fails as unavailable (the run is retried), saying why."""
    table = _joined_table(5)
    with pytest.raises(UnavailableError, match=said):
        load_roll(table, SETTLEMENT_ATTRIBUTES, reopen=reopen, processes=2, parallel_from=0)


@pytest.mark.parametrize(
    ("configured", "memory_mb", "processes"),
    [(None, None, 1), (None, "1024", 1), (None, "3008", 2), (None, "10240", 6), (3, "10240", 3)],
)
def test_the_compute_step_reads_with_one_process_per_vcpu_unless_told(
    configured: int | None, memory_mb: str | None, processes: int
) -> None:
    """Given the configured process count (or none) and the Lambda's memory (or no Lambda)
    When the compute step's reader count is chosen
    Then it is the configured count, else one per vCPU Lambda gives that memory (1,769 MB
    each, six at most), else one."""
    assert load_processes(configured, memory_mb) == processes


def test_the_collector_is_paused_while_a_run_is_computed_and_resumed_after() -> None:
    """Given the cyclic garbage collector running
    When a computation inside the pause fails
    Then the collector was off inside and is on again afterwards."""
    assert gc.isenabled()
    seen: list[bool] = []

    def failing_run() -> None:
        with paused_collector():
            seen.append(gc.isenabled())
            raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError, match="the run failed"):
        failing_run()
    assert seen == [False]
    assert gc.isenabled()


def test_the_engine_reads_grant_balances_made_from_the_roll() -> None:
    """Given a roll of members with none, one and two grants
    When the engine's grant balances are read by iteration, index and slice
    Then each gives every member's (remaining, daily) per grant, in stored order."""
    roll = roll_of(
        [
            _member("a", grants=grant_maps(PLAIN)),
            _member("b", "a"),
            _member("c", "a", grants=grant_maps(STAGED)),
        ]
    )
    balances = GrantBalances(roll)
    expected = [[(700, 30), (300, 10)], [], [(500, 20)]]
    assert len(balances) == 3
    assert list(balances) == expected
    assert [balances[position] for position in range(3)] == expected
    assert balances[-1] == expected[-1]
    assert balances[1:] == expected[1:]
    with pytest.raises(IndexError):
        balances[3]


def test_a_worker_that_does_not_answer_in_time_is_stopped_and_fails_the_load() -> None:
    """Given a worker whose table never opens (it hangs), and a deadline of one second
    When the roll is loaded by two worker processes
    Then the load fails as unavailable, saying the worker did not answer, and no worker
    process is left running."""
    table = _joined_table(5)
    before = set(multiprocessing.active_children())
    with pytest.raises(UnavailableError, match="did not answer within 1 s"):
        load_roll(
            table,
            SETTLEMENT_ATTRIBUTES,
            reopen=_hang,
            processes=2,
            timeout_s=1,
            parallel_from=0,
        )
    assert set(multiprocessing.active_children()) <= before


def _hang() -> MemoryTable:
    time.sleep(60)
    raise AssertionError("the parent stops a worker that does not answer")


def test_a_small_membership_is_read_here_even_when_workers_are_allowed() -> None:
    """Given 40 members (far fewer than reading in workers gains from) and a reopening that
    would fail in any worker
    When the roll is loaded with four worker processes allowed
    Then it is read in this process: no worker is started, and every member is there."""
    table = _joined_table(40)
    roll = load_roll(table, SETTLEMENT_ATTRIBUTES, reopen=_refuse, processes=4)
    assert len(roll) == 40
