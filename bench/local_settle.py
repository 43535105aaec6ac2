"""Settle N members on the embedded endpoint: what a newcomer's machine does per run.

Seeds day-old members straight into a fresh table (``bench/store.py``'s seeding: one
grant each, a random bushy tree), then times ``run_settlement`` (the one settlement
driver: claim, compute, pages, one update per member, batched entries, totals, finish)
against the in-process embedded endpoint, and prints wall and CPU seconds.
Run by hand:  .venv/bin/python bench/local_settle.py [--members 2000]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import bushy, plans, seed

from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.store.client import dynamodb_client
from functions.store.storage import dynamodb_ledger
from functions.store.table import Item
from functions.store.table_definition import ensure_table
from local.endpoint import LocalDynamoDB


class _NoMeter:
    def learn(self, items: Sequence[Item]) -> None:
        """Nothing is metered here (bench/store.py meters)."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args(argv)
    with LocalDynamoDB() as local:
        name = f"jifen-bench-{uuid.uuid4().hex[:8]}"
        ensure_table(dynamodb_client(local.endpoint_url), name)
        store = dynamodb_ledger(name, local.endpoint_url)
        rng = random.Random(2026)
        amounts = [rng.choice((300000, 900000, 2700000, 5100000)) for _ in range(args.members)]
        seed(store, _NoMeter(), bushy(args.members, rng), amounts)  # type: ignore[arg-type]
        ledger = Ledger(store, plans()[0][1], clock=itertools.count(10_000_000).__next__)
        wall, cpu = time.perf_counter(), time.process_time()
        row = run_settlement(ledger, "2026-03-01")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"settled {row.members:,} of {args.members:,} members on the embedded endpoint:"
        f" {wall:.1f} s wall, {cpu:.1f} s CPU (client and endpoint, one process)"
    )


if __name__ == "__main__":
    main()
