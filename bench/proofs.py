"""Proof-of-liabilities benchmark: one day's trees, stored form and proofs for N members.

Times each stage of what the daily step does after a settlement, on one core:
commitments and ordering, both trees (every level kept), the stored form (pages, tops,
heads), the solvency figure, then every member's proof taken from the kept levels
(``--all-proofs``) or a sample served from the stored form as the bot does.
Prints seconds per stage and the process's peak RSS.

Run by hand:  .venv/bin/python bench/proofs.py [--members N] [--all-proofs]
"""

from __future__ import annotations

import argparse
import random
import resource
import secrets
import time

from functions.proofs.day import Day, Holding, locate, make_leaves, split_entries, stored_proof
from functions.proofs.documents import FIELDS
from functions.proofs.encoding import day_salt, member_commitment, member_nonce
from functions.proofs.solvency import reserve_solvency

DATE = "2026-05-01"


def holdings(members: int, rng: random.Random) -> list[Holding]:
    """Members with realistic balances (up to a million points) and 64-hex chain heads."""
    heads = [secrets.token_hex(32) for _ in range(1024)]
    return [
        Holding(
            f"tg{700_000_000 + i}",
            (
                rng.randrange(100_000_000),
                rng.randrange(100_000_000),
                rng.randrange(1_000) * 100,
                rng.randrange(10_000),
                0,
            ),
            rng.randrange(1, 400),
            heads[i % 1024],
            rng.randrange(1, 1000),
        )
        for i in range(members)
    ]


class Clock:
    """CPU seconds of this process (the one core it runs on) and wall seconds, per lap."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def lap(self) -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        lap = (cpu - self.cpu, wall - self.wall)
        self.cpu, self.wall = cpu, wall
        return lap


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--all-proofs", action="store_true", help="every member's proof")
    parser.add_argument("--served", type=int, default=1_000, help="proofs served as the bot does")
    args = parser.parse_args()
    rng = random.Random(2026)
    data = holdings(args.members, rng)
    salt = day_salt(secrets.token_bytes(32), DATE)
    fields = len(FIELDS)
    print(f"members={args.members:,}  input_rss_mb={rss_mb():.0f}")

    stages: dict[str, tuple[float, float]] = {}
    clock = Clock()
    leaves = make_leaves(DATE, data, salt)
    stages["commitments+order"] = clock.lap()
    day = Day(DATE, fields, leaves)  # leaf levels, then both trees with every level kept
    trees = day.trees
    stages["both trees"] = clock.lap()
    pages, tops, heads = day.pages(), day.tops(), day.heads()
    stages["stored form"] = clock.lap()
    solvency = reserve_solvency(10**12, (leaf.balances[0] for leaf in leaves))
    stages["solvency"] = clock.lap()
    build_cpu = sum(cpu for cpu, _ in stages.values())
    build_wall = sum(wall for _, wall in stages.values())
    if args.all_proofs:
        for index in range(len(leaves)):
            day.proof(index)
        stages["every proof (kept levels)"] = clock.lap()
    served = rng.sample(range(len(leaves)), min(args.served, len(leaves)))
    mark = time.perf_counter()
    shape = day.shape
    firsts, _, _ = split_entries(heads, shape)
    for index in served:
        member = leaves[index].holding.member
        commitment = member_commitment(member_nonce(salt, member), DATE, member)
        chunk = locate(firsts, commitment)
        top_firsts, _, _ = split_entries(tops[chunk], shape)
        page = chunk * shape.page_size + locate(top_firsts, commitment)
        proof = stored_proof(
            DATE, shape, salt, member, heads, (chunk, tops[chunk]), (page, pages[page])
        )
        assert proof is not None
        assert proof.index == index
    per_proof_ms = (time.perf_counter() - mark) / max(len(served), 1) * 1000

    for name, (cpu, wall) in stages.items():
        print(f"  {name:<28} {cpu:7.2f} s cpu {wall:7.2f} s wall")
    print(
        f"build total {build_cpu:.2f} s cpu, {build_wall:.2f} s wall (depth {trees.depth}, "
        f"{len(pages)} pages, "
        f"{sum(map(len, pages)) / 2**20:.0f} MB stored pages); "
        f"served proof {per_proof_ms:.1f} ms each ({len(served)} sampled); "
        f"withdrawable={solvency['withdrawable']}; peak_rss_mb={rss_mb():.0f}"
    )


if __name__ == "__main__":
    main()
