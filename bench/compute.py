"""The compute step's memory and time at scale: roll, engine, results and pages.

One Lambda (10,240 MB) must hold, at once, the members as read (the roll,
``functions/store/member_roll.py``), the engine's state and figures, and the pages of
results it writes. This runs the real compute step (``settlement_results.compute`` on a
ledger in memory, then the pages as ``prepare_run`` encodes them) over a synthetic roll of
live-looking members (one or two grants, a bushy tree with one deep chain), each size in
a fresh process, and reports the process's peak resident memory. The slope between the
sizes is the memory per member; 10M is projected from it, as is the time.

Run by hand: ``.venv/bin/python bench/compute.py --sizes 250000,500000,1000000``
(~1.5 minutes, one core); ``--sizes 10000000`` measures 10M itself (~6 minutes, ~6.5 GB).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from functions.plans import PLANS_DIR, load_plan
from functions.services.ledger import Ledger
from functions.services.settlement_compute import PAGE_SIZE, paused_collector
from functions.services.settlement_results import MemberResult, compute, encode_page
from functions.store.items import grant_maps
from functions.store.member_roll import RollPart, merge_parts
from functions.store.records import GrantRecord
from functions.store.storage import memory_storage
from functions.store.table import Item

AMOUNTS = {300_000: 750_000, 900_000: 2_700_000, 2_700_000: 9_450_000, 5_100_000: 20_400_000}
"""Order cash (hundredths) and the points it grants, as bench/settle.py uses."""


def member_item(index: int, rng: random.Random, chain_from: int) -> Item:
    """A member as the compute step reads it (its projected attributes)."""
    if index == 0:
        referrer = None
    elif index > chain_from:  # the deep chain: each under the previous one
        referrer = f"m{index - 1:08d}"
    else:
        referrer = f"m{rng.randrange(max(0, index - 50_000), index):08d}"
    grants = []
    for seq in range(1, rng.choice((2, 3))):
        amount = rng.choice(tuple(AMOUNTS))
        points = AMOUNTS[amount]
        remaining = rng.randrange(points // 2, points + 1)
        grants.append(GrantRecord(seq, f"o{index}-{seq}", points, remaining, amount * 12 // 1000))
    return {
        "member": f"m{index:08d}",
        "referrer": referrer,
        "personal_volume": sum(grant.points * 400 // 1000 for grant in grants),
        "grants": grant_maps(tuple(grants)),
        "team_volume": rng.randrange(10**8),
        "team_size": rng.randrange(1_000),
        "level": "L1",
        "orders": len(grants),
        "available": rng.randrange(10**7),
        "locked": sum(grant.remaining for grant in grants),
    }


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def one(size: int, seed: int) -> dict[str, float]:
    """Build a roll of ``size`` members, compute a day over it, encode its pages."""
    rng = random.Random(seed)
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    ledger = Ledger(memory_storage().ledger, plan)
    started_mb = resident_mb()
    parts = [RollPart() for _ in range(32)]
    chain_from = size - size // 100  # the last 1 % hang in one line
    for index in range(size):
        parts[index % 32].add(f"{index:020d}", member_item(index, rng, chain_from))
    roll = merge_parts(parts)
    del parts
    roll_mb = resident_mb() - started_mb

    started = time.perf_counter()
    with paused_collector():  # as prepare_run computes
        results, summary = compute(ledger, roll, None)
        page: list[MemberResult] = []
        pages: list[bytes] = []
        listed = 0
        for result in results:
            page.append(result)
            listed += 1
            if len(page) == PAGE_SIZE:
                pages.append(encode_page(page))
                page = []
        if page:
            pages.append(encode_page(page))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "members": size,
        "roll_mb": roll_mb,
        "peak_mb": peak_mb,
        "pages_mb": sum(map(len, pages)) / 2**20,
        "seconds": seconds,
        "listed": listed,
        "paid": int(summary["paid"]),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250000,500000,1000000")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one(args.one, args.seed)))
        return
    rows = []
    print(f"{'members':>9} {'roll MB':>8} {'peak MB':>8} {'pages MB':>9} {'compute s':>10}")
    for size in (int(size) for size in args.sizes.split(",")):
        answer = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(answer.stdout)
        rows.append(row)
        print(
            f"{size:>9,} {row['roll_mb']:>8.0f} {row['peak_mb']:>8.0f} {row['pages_mb']:>9.1f}"
            f" {row['seconds']:>10.2f}"
        )
    first, last = rows[0], rows[-1]
    span = last["members"] - first["members"]
    if not span:  # one size: measured, nothing to scale
        return
    per_member = (last["peak_mb"] - first["peak_mb"]) * 2**20 / span
    roll_per_member = (last["roll_mb"] - first["roll_mb"]) * 2**20 / span
    fixed_mb = first["peak_mb"] - per_member * first["members"] / 2**20
    seconds = sum(row["seconds"] * 10_000_000 / row["members"] for row in rows) / len(rows)
    print(
        f"slope: {per_member:,.0f} B per member at the peak ({roll_per_member:,.0f} of them the"
        f" roll); 10M members: {fixed_mb + per_member * 10_000_000 / 2**20:,.0f} MB peak,"
        f" {seconds:,.0f} s of compute (engine, results, pages)"
    )


if __name__ == "__main__":
    main()
