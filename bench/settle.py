"""Settlement benchmark: one run over 1,000,000 members, one grant each.

Three shapes: a random bushy tree, the same with a single chain of 100,000 members
hanging under the bushy rest, and a wide one (everyone invited by one of ten promoters:
one layer of millions). Prints members, seconds and peak memory.
``--scalar`` times the member-by-member tree passes (the oracle) instead of the layered
array passes ``settle`` uses.
Run by hand:  .venv/bin/python bench/settle.py [--members N] [--chain N] [--scalar]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import tracemalloc

from functions.plans import PLANS_DIR, load_plan
from functions.rewards import tree_arrays  # noqa: F401  (numpy loads here, not in the timing)
from functions.rewards.settlement import SettlementInput, settle
from functions.services.settlement_compute import paused_collector


def bushy(members: int, rng: random.Random) -> list[int]:
    """Each member refers to an earlier one, recent members slightly favoured."""
    parents = [-1]
    for index in range(1, members):
        parents.append(rng.randrange(max(1, index - 50_000), index) if index > 1 else 0)
    return parents


def with_chain(members: int, chain: int, rng: random.Random) -> list[int]:
    """A bushy tree whose last ``chain`` members form one line hanging from it."""
    parents = bushy(members - chain, rng)
    parents.append(rng.randrange(len(parents)))
    for _ in range(chain - 1):
        parents.append(len(parents) - 1)
    return parents


def wide(members: int, promoters: int, rng: random.Random) -> list[int]:
    """A root, ``promoters`` members under it, and everyone else under one of them."""
    head = [-1, *([0] * promoters)]
    return head + [1 + rng.randrange(promoters) for _ in range(members - len(head))]


def measure(name: str, parents: list[int], rng: random.Random, trace: bool, scalar: bool) -> None:
    plan = load_plan(PLANS_DIR / "dividend.yaml")
    members = len(parents)
    amounts = [rng.choice((300000, 900000, 2700000, 5100000)) for _ in range(members)]
    grant_points = {300000: 750000, 900000: 2700000, 2700000: 9450000, 5100000: 20400000}
    grants = [[(grant_points[amount], amount * 12 // 1000)] for amount in amounts]
    state = SettlementInput(parents=parents, personal_volume=amounts, grants=grants)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with paused_collector():  # as the compute step runs it (prepare_run)
        result = settle(plan, state, scalar=scalar)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    totals = result.totals()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name:<24} members={members:>9,}  seconds={seconds:6.2f}  "
        f"settle_peak_mb={peak / 2**20:8.1f}  process_max_rss_mb={rss_mb:8.1f}  "
        f"static={totals.static}  paid={totals.paid}  forfeited={totals.forfeited}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--chain", type=int, default=100_000)
    parser.add_argument("--trace-memory", action="store_true", help="tracemalloc (slower)")
    parser.add_argument("--scalar", action="store_true", help="the member-by-member passes")
    args = parser.parse_args()
    rng = random.Random(2026)
    measure("bushy", bushy(args.members, rng), rng, args.trace_memory, args.scalar)
    measure(
        f"bushy+chain({args.chain:,})",
        with_chain(args.members, args.chain, rng),
        rng,
        args.trace_memory,
        args.scalar,
    )
    measure("wide(10 promoters)", wide(args.members, 10, rng), rng, args.trace_memory, args.scalar)


if __name__ == "__main__":
    main()
