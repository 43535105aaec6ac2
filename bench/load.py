"""Settlement input loading: CPU per member to turn ``Query`` answers into member records.

The compute step lists every member (32 ``Query`` streams on ``gsi1``) and decodes them.
Against DynamoDB the wire is fast and parallel; what one Lambda pays per member is the
client's CPU: botocore's JSON parser, the wire decode and the record. This measures that
CPU on real answer bodies (1 MB pages of member items, as DynamoDB returns them), at
three or more sizes, for:

(A) ``full``: the path before this change: every attribute, botocore's parser, ``decode_item``,
    ``member_record``;
(B) ``projected``: the same path with the compute step's ``ProjectionExpression`` (only
    the attributes the engine reads), as ``LedgerStore.iter_settlement_members`` asks;
(C) ``projected+json``: (B)'s bodies parsed by ``json.loads`` and the wire codec alone
    (what a raw-HTTP loader would pay; not shipped, shown as the floor);
and the memory the loaded records hold per member (``tracemalloc``), which decides how
many members one function's 10 GB can take.

Members look like live ones (profile, statistics, one or two grants, ~1 KB), not the
lean seeded ones of ``bench/store.py``. Run by hand:
``.venv/bin/python bench/load.py --sizes 25000,50000,100000`` (~1 minute, one core).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

from botocore.parsers import create_parser  # type: ignore[import-untyped,unused-ignore]
from botocore.session import get_session  # type: ignore[import-untyped,unused-ignore]

from functions.store.dynamodb_wire import decode_item, encode_item
from functions.store.items import Kind, grant_maps, keyed, member_key, member_record, shard_of
from functions.store.ledger_store import SETTLEMENT_ATTRIBUTES
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
        gsi1pk=f"MEMBERS#{shard_of(name):03d}",
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


def json_path(body: bytes) -> list[MemberRecord]:
    return [member_record(decode_item(item)) for item in json.loads(body)["Items"]]


def measure(size: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    items = [live_member(index, rng) for index in range(size)]
    full, projected = bodies(items), bodies([project(item) for item in items])
    load = botocore_path()
    figures: dict[str, float] = {
        "bytes_full": sum(map(len, full)) / size,
        "bytes_projected": sum(map(len, projected)) / size,
    }
    for label, pages, run in (
        ("full", full, load),
        ("projected", projected, load),
        ("projected+json", projected, json_path),
    ):
        started = time.process_time()
        loaded = sum(len(run(body)) for body in pages)
        assert loaded == size
        figures[label] = time.process_time() - started
    # what the compute step holds per member once loaded (the records, retained)
    tracemalloc.start()
    kept = [record for body in projected for record in json_path(body)]
    figures["record_bytes"] = tracemalloc.get_traced_memory()[0] / len(kept)
    tracemalloc.stop()
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{'members':>9} {'B/member':>9} {'B/member':>9}"
        f" {'full s':>8} {'proj s':>8} {'json s':>8} {'record':>7}"
        "   s per 1M: full / projected / json"
    )
    print(f"{'':>9} {'full':>9} {'proj':>9} {'':>8} {'':>8} {'':>8} {'B held':>7}")
    per_million: list[tuple[float, float, float]] = []
    for size in sizes:
        f = measure(size, args.seed)
        scale = 1_000_000 / size
        per_million.append((f["full"] * scale, f["projected"] * scale, f["projected+json"] * scale))
        print(
            f"{size:>9,} {f['bytes_full']:>9.0f} {f['bytes_projected']:>9.0f}"
            f" {f['full']:>8.2f} {f['projected']:>8.2f} {f['projected+json']:>8.2f}"
            f" {f['record_bytes']:>7.0f}"
            f"   {per_million[-1][0]:.0f} / {per_million[-1][1]:.0f} / {per_million[-1][2]:.0f}"
        )
    full, projected, raw = (sum(column) / len(column) for column in zip(*per_million, strict=True))
    print(
        f"10M members, one core (mean of the sizes, linear): full {full * 10:,.0f} s,"
        f" projected {projected * 10:,.0f} s, projected+json {raw * 10:,.0f} s;"
        f" records held {f['record_bytes'] * 10_000_000 / 2**30:,.1f} GiB"
    )


if __name__ == "__main__":
    main()
