"""Listing every member (issue 16): roster shards, member reads, and the compute step's roll.

Members are listed by their roster items (``gsi1``, one partition per shard, in join
order), written at join and never updated, so settling a member writes nothing to the
index; the member items are then read 100 to a ``BatchGetItem``. Member items indexed
themselves by an older version are listed as they are, once each, until
``LedgerStore.migrate_roster`` moves them.

The compute step reads every shard into a :class:`~functions.store.member_roll.RollPart`.
Decoding is CPU work the GIL serialises, so at millions of members the shards are split
over worker processes (``load_processes``; a Lambda at 10,240 MB has six vCPUs), each with
its own client, each sending back its parts; the parent merges them in join order.
"""

from __future__ import annotations

import heapq
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from .errors import UnavailableError
from .items import ROSTER_SK, SHARDS, member_key, roster_partition, text
from .member_roll import MemberRoll, RollPart, merge_parts
from .table import Item, Table

MEMBER_BATCH = 100
"""Member items per ``BatchGetItem`` (DynamoDB's limit; the listing's chunks)."""
READ_THREADS = 8
"""Requests in flight at once (the wire, not the CPU, bounds one request)."""
PARALLEL_FROM = 100_000
"""Members from which reading forks worker processes: below, one process reads them in a
few seconds, less than starting the workers and their clients costs."""
LOAD_TIMEOUT_S = 600.0
"""How long the workers may take in all (10M members take ~2 minutes; Lambda stops at 15)."""


Listed = tuple[str, int, str]
"""One listed member: ``(gsi1sk, shard, member)``; sorting by it is join order."""


def roster(
    table: Table, shards: Sequence[int], attributes: Sequence[str] | None, *, threads: int
) -> tuple[list[Listed], dict[str, Item]]:
    """The shards' roster listings merged in join order, and the member items the index
    held itself (the old layout), by member.

    Only the roster (small items) is held whole; the members are read from it in chunks.
    """
    wanted = None if attributes is None else sorted({*attributes, "member", "gsi1sk", "sk"})

    def listing(shard: int) -> tuple[list[Listed], dict[str, Item]]:
        order: dict[str, str] = {}
        indexed: dict[str, Item] = {}
        for item in table.query_index(roster_partition(shard), attributes=wanted):
            name = text(item, "member")
            order[name] = str(item["gsi1sk"])
            if item.get("sk") != ROSTER_SK:  # the old layout: the member item itself
                indexed[name] = item
        return sorted((key, shard, name) for name, key in order.items()), indexed

    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            listings = list(pool.map(listing, shards))
    else:
        listings = [listing(shard) for shard in shards]
    indexed: dict[str, Item] = {}
    for _, held in listings:
        indexed.update(held)
    return list(heapq.merge(*(listed for listed, _ in listings))), indexed


def members_in_order(
    table: Table,
    shards: Sequence[int],
    attributes: Sequence[str] | None,
    *,
    consistent: bool,
    threads: int = 1,
) -> Iterator[tuple[Listed, Item]]:
    """The shards' member items in join order, read 100 to a request across shards as
    they are consumed (``threads`` requests at a time: ten million items are never held
    at once).

    Only ``attributes`` of each item when given. Members listed but not read (a replica
    behind a very recent join) are read again strongly; members gone since they were
    listed are left out.
    """
    listed, indexed = roster(table, shards, attributes, threads=threads)

    def read(chunk: Sequence[Listed]) -> dict[str, Item]:
        keys = [member_key(name) for _, _, name in chunk if name not in indexed]
        found: dict[str, Item] = {}
        if keys:
            for item in table.batch_get(keys, attributes=attributes, consistent=consistent):
                found[text(item, "member")] = item
        late = [
            member_key(name) for _, _, name in chunk if name not in indexed and name not in found
        ]
        if late:
            for item in table.batch_get(late, attributes=attributes, consistent=True):
                found[text(item, "member")] = item
        return found

    chunks = [listed[at : at + MEMBER_BATCH] for at in range(0, len(listed), MEMBER_BATCH)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for at in range(0, len(chunks), threads):
            group = chunks[at : at + threads]
            for chunk, found in zip(group, pool.map(read, group), strict=True):
                for row in chunk:
                    name = row[2]
                    member_item = indexed.pop(name) if name in indexed else found.get(name)
                    if member_item is not None:
                        yield row, member_item


def listed_members(
    table: Table, attributes: Sequence[str] | None, *, consistent: bool
) -> Iterator[Item]:
    """Every member item in join order."""
    for _, item in members_in_order(table, range(SHARDS), attributes, consistent=consistent):
        yield item


def roll_parts(table: Table, shards: Sequence[int], attributes: Sequence[str]) -> list[RollPart]:
    """The shards' members as roll parts, one per shard, read eventually consistent (the
    listing itself is an index: the compute step never reads fresher than that),
    :data:`READ_THREADS` requests in flight."""
    parts = {shard: RollPart() for shard in shards}
    rows = members_in_order(table, shards, attributes, consistent=False, threads=READ_THREADS)
    for (sort_key, shard, _), item in rows:
        parts[shard].add(sort_key, item)
    return list(parts.values())


def load_roll(
    table: Table,
    attributes: Sequence[str],
    *,
    reopen: Callable[[], Table] | None,
    processes: int,
    timeout_s: float = LOAD_TIMEOUT_S,
    parallel_from: int | None = None,
) -> MemberRoll:
    """Every member as one roll; read by ``processes`` worker processes when the table can be
    reopened in another process (DynamoDB) and the membership is large enough to gain
    from it (:data:`PARALLEL_FROM`, estimated from one shard's roster), else in this one.

    A worker that fails, dies or does not answer within ``timeout_s`` fails the load
    (``UnavailableError``); the other workers are stopped, so none is left blocked on
    its pipe in a warm container.
    """
    smallest = PARALLEL_FROM if parallel_from is None else parallel_from
    if reopen is None or processes <= 1 or _estimated_members(table) < smallest:
        return merge_parts(roll_parts(table, range(SHARDS), attributes))
    context = multiprocessing.get_context("fork")
    workers: list[tuple[BaseProcess, Connection]] = []
    for worker in range(processes):
        receiver, sender = context.Pipe(duplex=False)
        shards = list(range(worker, SHARDS, processes))
        started = context.Process(
            target=_load_in_worker, args=(reopen, shards, attributes, sender), daemon=True
        )
        started.start()
        sender.close()
        workers.append((started, receiver))
    parts: list[RollPart] = []
    failure: str | None = None
    deadline = time.monotonic() + timeout_s
    try:
        for process, receiver in workers:
            failure = _receive(process, receiver, deadline, timeout_s, parts)
            if failure is not None:
                break
    finally:
        for process, receiver in workers:
            receiver.close()
            if failure is not None and process.is_alive():
                process.terminate()
            process.join()
    if failure is not None:
        raise UnavailableError(f"loading the members failed: {failure}")
    return merge_parts(parts)


def _estimated_members(table: Table) -> int:
    """Members listed, estimated from shard 0's roster (shards are even by a hash)."""
    return SHARDS * sum(1 for _ in table.query_index(roster_partition(0), attributes=("member",)))


def _receive(
    process: BaseProcess,
    receiver: Connection,
    deadline: float,
    timeout_s: float,
    parts: list[RollPart],
) -> str | None:
    """One worker's answer into ``parts``; what went wrong otherwise."""
    if not receiver.poll(max(0.0, deadline - time.monotonic())):
        return f"worker {process.pid} did not answer within {timeout_s:g} s"
    try:
        status, payload = receiver.recv()
    except EOFError:
        return f"worker {process.pid} ended without an answer"
    if status != "ok":
        return str(payload)
    parts.extend(payload)
    return None


def _load_in_worker(
    reopen: Callable[[], Table],
    shards: Sequence[int],
    attributes: Sequence[str],
    answer: Connection,
) -> None:
    """A worker process: its own client, its shards, one answer (the parts or the error)."""
    try:
        answer.send(("ok", roll_parts(reopen(), shards, attributes)))
    except BaseException as exc:  # the parent reports it; the worker just ends
        answer.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        answer.close()
