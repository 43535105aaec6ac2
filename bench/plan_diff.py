"""Dry-run benchmark: ``jifen plan diff`` over 100,000 members × 30 days, on one core.

A synthetic state — a random bushy tree, one grant per member of a seed 004 tier
(2.5x–4x, 1.2 % a day), some points already available — is simulated twice (the
dividend preset and a candidate with lower share and higher team rates), with the last
30 days' orders repeated (about 1 % of members buying each day), exactly as the command
does (:func:`functions.rewards.simulation.compare`). The issue asks for under a minute on
one core: the figure to read is ``diff_cpu_s`` (the process's CPU time; the wall time
also counts whatever else the machine runs).
Run by hand:  .venv/bin/python bench/plan_diff.py [--members N] [--days N] [--buyers F]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from functions.plans import PLANS_DIR, load_plan
from functions.rewards.comparison import compare
from functions.rewards.plan import load_plan_text
from functions.rewards.simulation import (
    PlatformState,
    RecentOrder,
    StateMember,
    repeat_recent,
)
from functions.rewards.versions import next_day

TIERS = {300000: 750000, 900000: 2700000, 2700000: 9450000, 5100000: 20400000}
LAST_SETTLED = "2026-03-31"


def synthetic_state(members: int, buyers: float, rng: random.Random) -> PlatformState:
    """``members`` in a bushy tree with one grant each, and 30 days of recent orders."""
    names = [f"m{index}" for index in range(members)]
    state_members = []
    for index, name in enumerate(names):
        referrer = names[rng.randrange(max(0, index - 50_000), index)] if index else None
        amount = rng.choice(tuple(TIERS))
        remaining = TIERS[amount] - rng.randrange(0, TIERS[amount] // 4)
        state_members.append(
            StateMember(
                name=name,
                referrer=referrer,
                available=rng.randrange(0, 50_000),
                personal_volume=amount,
                grants=((remaining, amount * 12 // 1000),),
            )
        )
    orders = []
    day = "2026-03-01"
    for _ in range(30):
        for _ in range(int(members * buyers)):
            orders.append(RecentOrder(day, rng.choice(names), rng.choice(tuple(TIERS))))
        day = next_day(day)
    return PlatformState(
        members=tuple(state_members),
        last_settled=LAST_SETTLED,
        platform=members * 100_000,
        sales=sum(member.personal_volume for member in state_members),
        orders=tuple(orders),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--buyers", type=float, default=0.01, help="share buying each day")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    state = synthetic_state(args.members, args.buyers, rng)
    built = time.perf_counter() - started
    current = load_plan(PLANS_DIR / "dividend.yaml")
    text = (PLANS_DIR / "dividend.yaml").read_text(encoding="utf-8")
    candidate = load_plan_text(
        text.replace('share: ["0.50", "0.30"]', 'share: ["0.40", "0.20"]').replace(
            'rate: "0.10"', 'rate: "0.12"'
        )
    )
    start = next_day(LAST_SETTLED)
    purchases = repeat_recent(state, args.days, start)

    started, cpu = time.perf_counter(), time.process_time()
    comparison = compare(current, candidate, state, args.days, purchases, start=start)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    last = comparison.current.days[-1], comparison.candidate.days[-1]
    print(
        f"members={args.members:,} days={args.days} purchases/day≈{int(args.members * args.buyers)}"
        f"  state_built_s={built:.1f}  diff_wall_s={seconds:.1f}  diff_cpu_s={cpu:.1f}"
        f"  per_plan_day_cpu_ms={cpu / (2 * args.days) * 1000:.0f}  max_rss_mb={rss_mb:.0f}"
    )
    print(
        f"gain={comparison.gain} lose={comparison.lose}  released_last_day="
        f"{last[0].released}/{last[1].released}"
    )


if __name__ == "__main__":
    main()
