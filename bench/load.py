"""Settlement input loading: CPU per member and memory held, records against the roll.

The compute step lists every member (the 32 roster shards) and reads their items 100 to
a ``BatchGetItem``. Against DynamoDB the wire is fast and parallel; what a function pays
per member is CPU: botocore's JSON parser, the wire decode, and building what the compute
step holds. This measures that on real answer bodies (1 MB pages of member items, as
DynamoDB returns them), at three or more sizes:

(A) ``records``: the path before the roll: projected items, botocore's parser,
    ``decode_item``, ``member_record`` (a ``MemberRecord`` per member);
(B) ``roll``: the path now: the same bodies parsed by ``json.loads`` (the adapter keeps
    bulk reads' bodies from botocore's parser), ``decode_item``, into
    :class:`~functions.store.member_roll.RollPart` columns, then merged in join order
    (``merge_parts``, timed apart as ``merge``);
and (both paths) the roster listing that orders the reads (``list``, parsed as now);
and the bytes each holds per member once loaded (``tracemalloc``), which decides how many
members one function's 10 GB can take. With ``--processes P`` it also times (wall
clock) the roll path with the bodies split over P forked workers that send their parts
back through a pipe, as ``functions/store/member_listing.py`` does.

Members look like live ones (profile, statistics, one or two grants, ~1 KB), not the
lean seeded ones of ``bench/store.py``. Run by hand:
``.venv/bin/python bench/load.py --sizes 25000,50000,100000 --processes 2`` (~2 minutes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from botocore.parsers import create_parser  # type: ignore[import-untyped,unused-ignore]
from botocore.session import get_session  # type: ignore[import-untyped,unused-ignore]

from functions.store.dynamodb_wire import decode_item, encode_item
from functions.store.items import (
    SHARDS,
    Kind,
    grant_maps,
    keyed,
    member_key,
    member_record,
    roster_partition,
    shard_of,
)
from functions.store.ledger_store import SETTLEMENT_ATTRIBUTES
from functions.store.member_roll import MemberRoll, RollPart, merge_parts
from functions.store.records import GrantRecord, MemberRecord

PAGE_BYTES = 1024 * 1024
"""DynamoDB returns at most 1 MB per Query page."""


def live_member(index: int, rng: random.Random) -> dict[str, Any]:
    """A member item as a settled, active member's looks on the wire."""
    name = f"m{index:08d}"
    grants = tuple(
        GrantRecord(seq, f"order-{index}-{seq}", 7_500_000, rng.randrange(1, 7_500_000), 36_000)
        for seq in range(1, rng.choice((2, 3)))
    )
    item = keyed(
        member_key(name),
        Kind.MEMBER,
        member=name,
        referrer=f"m{rng.randrange(max(index, 1)):08d}" if index else None,
        joined_at=1_700_000_000_000_000 + index,
        frozen=False,
        available=rng.randrange(10**7),
        locked=rng.randrange(10**8),
        withdrawing=0,
        commission=rng.randrange(10**6),
        payable=0,
        released=rng.randrange(10**7),
        forfeited=0,
        withdrawn_cash=0,
        withdrawn_points=0,
        spent=0,
        transferred_out=0,
        transferred_in=0,
        personal_volume=rng.choice((300_000, 900_000, 2_700_000)),
        adjusted=0,
        grants=grant_maps(grants),
        grant_seq=len(grants),
        journal_seq=rng.randrange(2, 400),
        journal_head=f"{rng.getrandbits(256):064x}",
        last_settled="2026-03-01",
        settled_seq=60,
        team_volume=rng.randrange(10**8),
        team_size=rng.randrange(1000),
        level="L1",
        telegram_id=5_000_000_000 + index,
        phone=f"+8613{index:09d}",
        invite_code=f"INV{index:07d}",
        language="zh-hans",
        display_name=f"会员 {index}",
        version=rng.randrange(2, 400),
        gsi1pk=roster_partition(shard_of(name)),
        gsi1sk=f"{1_700_000_000_000_000 + index:020d}#{name}",
    )
    return encode_item(item)


def project(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name in SETTLEMENT_ATTRIBUTES}


def bodies(items: Sequence[dict[str, Any]]) -> list[bytes]:
    """Query answer bodies of at most 1 MB each."""
    pages: list[bytes] = []
    page: list[dict[str, Any]] = []
    size = 0
    for item in items:
        encoded = len(json.dumps(item))
        if page and size + encoded > PAGE_BYTES:
            pages.append(json.dumps({"Items": page, "Count": len(page)}).encode())
            page, size = [], 0
        page.append(item)
        size += encoded
    if page:
        pages.append(json.dumps({"Items": page, "Count": len(page)}).encode())
    return pages


def botocore_path() -> Callable[[bytes], list[MemberRecord]]:
    model = get_session().get_service_model("dynamodb").operation_model("Query")
    parser = create_parser("json")

    def load(body: bytes) -> list[MemberRecord]:
        parsed = parser.parse({"body": body, "headers": {}, "status_code": 200}, model.output_shape)
        return [member_record(decode_item(item)) for item in parsed["Items"]]

    return load


def roster_item_wire(index: int, rng: random.Random) -> dict[str, Any]:
    """A roster item as the listing's ``Query`` returns it (the projection it asks for)."""
    name = f"m{index:08d}"
    return encode_item(
        {
            "member": name,
            "referrer": f"m{rng.randrange(max(index, 1)):08d}" if index else None,
            "sk": "ROSTER",
            "gsi1sk": f"{1_700_000_000_000_000 + index:020d}#{name}",
        }
    )


def listing_path() -> Callable[[bytes], int]:
    """Roster bodies into the join order a shard's reads follow (``shard_members``),
    parsed as the adapter parses bulk reads (``json.loads``, then the wire decode)."""

    def load(body: bytes) -> int:
        order = {}
        for item in json.loads(body)["Items"]:
            decoded = decode_item(item)
            order[decoded["member"]] = str(decoded["gsi1sk"])
        return len(sorted((key, name) for name, key in order.items()))

    return load


def roll_path() -> Callable[[bytes, RollPart], None]:
    """Bodies into roll columns as the compute step reads them now: ``json.loads`` (the
    adapter keeps bulk reads' bodies from botocore's parser), ``decode_item``,
    ``RollPart.add``."""

    def load(body: bytes, part: RollPart) -> None:
        for item in json.loads(body)["Items"]:
            decoded = decode_item(item)
            part.add(str(decoded["member"]), decoded)

    return load


def parts_of(pages: Sequence[bytes], shards: int = SHARDS) -> list[RollPart]:
    """The bodies as ``shards`` parts (pages dealt round-robin, as shards would be)."""
    load = roll_path()
    parts = [RollPart() for _ in range(shards)]
    for index, body in enumerate(pages):
        load(body, parts[index % shards])
    return parts


def forked_roll(pages: Sequence[bytes], processes: int) -> MemberRoll:
    """The roll path over ``processes`` forked workers, parts sent back through pipes."""
    context = multiprocessing.get_context("fork")
    receivers = []
    for worker in range(processes):
        receiver, sender = context.Pipe(duplex=False)
        mine = pages[worker::processes]
        process = context.Process(target=lambda s=sender, m=mine: s.send(parts_of(m, 4)))
        process.start()
        sender.close()
        receivers.append((process, receiver))
    parts: list[RollPart] = []
    for process, receiver in receivers:
        parts.extend(receiver.recv())
        process.join()
    return merge_parts(parts)


def measure(size: int, seed: int, processes: int) -> dict[str, float]:
    rng = random.Random(seed)
    items = [live_member(index, rng) for index in range(size)]
    projected = bodies([project(item) for item in items])
    del items
    figures: dict[str, float] = {"bytes_projected": sum(map(len, projected)) / size}
    roster = bodies([roster_item_wire(index, rng) for index in range(size)])
    listing = listing_path()
    started = time.process_time()
    assert sum(listing(body) for body in roster) == size
    figures["listing"] = time.process_time() - started
    load = botocore_path()
    started = time.process_time()
    assert sum(len(load(body)) for body in projected) == size
    figures["records"] = time.process_time() - started
    started = time.process_time()
    parts = parts_of(projected)
    figures["roll"] = time.process_time() - started
    started = time.process_time()
    roll = merge_parts(parts)
    figures["merge"] = time.process_time() - started
    assert len(roll) == size
    del parts, roll
    if processes > 1:
        started = time.perf_counter()
        assert len(forked_roll(projected, processes)) == size
        figures["forked_wall"] = time.perf_counter() - started
    # what the compute step holds per member once loaded (retained, after the merge)
    tracemalloc.start()
    kept = [record for body in projected for record in load(body)]
    figures["record_bytes"] = tracemalloc.get_traced_memory()[0] / len(kept)
    del kept
    tracemalloc.stop()
    tracemalloc.start()
    roll = merge_parts(parts_of(projected))
    figures["roll_bytes"] = tracemalloc.get_traced_memory()[0] / len(roll)
    tracemalloc.stop()
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--lambda-vcpus", type=int, default=6)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{'members':>9} {'B/member':>9} {'list s':>7} {'records s':>10} {'roll s':>8}"
        f" {'merge s':>8}"
        f" {'forked s':>9} {'record B':>9} {'roll B':>7}"
    )
    rates: list[dict[str, float]] = []
    for size in sizes:
        f = measure(size, args.seed, args.processes)
        rates.append({name: value * 10_000_000 / size for name, value in f.items()})
        print(
            f"{size:>9,} {f['bytes_projected']:>9.0f} {f['listing']:>7.2f} {f['records']:>10.2f}"
            f" {f['roll']:>8.2f}"
            f" {f['merge']:>8.2f} {f.get('forked_wall', 0.0):>9.2f}"
            f" {f['record_bytes']:>9.0f} {f['roll_bytes']:>7.0f}"
        )
    mean = {name: sum(r[name] for r in rates) / len(rates) for name in rates[0]}
    vcpus = args.lambda_vcpus
    print(
        f"10M members (mean of the sizes, linear): listing {mean['listing']:,.0f} s;"
        f" records {mean['records']:,.0f} s one core,"
        f" {f['record_bytes'] * 10_000_000 / 2**30:,.1f} GiB held;"
        f" roll {mean['roll']:,.0f} s of decoding + {mean['merge']:,.0f} s merge,"
        f" {f['roll_bytes'] * 10_000_000 / 2**30:,.1f} GiB held;"
        f" over {vcpus} processes {(mean['listing'] + mean['roll']) / vcpus + mean['merge']:,.0f} s"
        " (listing and decoding split, merge in the parent)"
    )
    if args.processes > 1:
        print(
            f"measured here: {args.processes} forked processes take"
            f" {mean['forked_wall']:,.0f} s wall per 10M (decode, pipe, merge) against"
            f" {mean['roll'] + mean['merge']:,.0f} s of CPU in one"
        )


if __name__ == "__main__":
    main()
