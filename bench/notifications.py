"""Notification benchmark (issue 16): how many settlement messages a day sends, by category.

A synthetic steady-state membership under the demo plan (infra/plans/demo.yaml): a bushy
referral tree, every member holding one or two grants of random age (so every member
releases every day: the worst case for the cap), every member with a Telegram chat, and
1 % of members buying again between two days (so uplines cross team levels). The real
engine settles day 0, then day 1 from day 0's outcome; the policy
(functions/services/notification_policy.py) classifies each member of day 1, and the
date's budget is applied as apply_batch does (the day's shares per tier estimated from
64 evenly spread pages of 1,000 members, then every page, in random order, its share).
Printed per size: each category, what the budget sends and
defers per tier, and the hours the sender needs at 24 messages a second; then the
shares scaled to 10M, and the same at other thresholds for the operator's choice.

Run by hand:  .venv/bin/python bench/notifications.py [--sizes 100000,300000,1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from functions.plans import PLANS_DIR, load_plan
from functions.rewards.money import mul_floor
from functions.rewards.plan import Plan
from functions.rewards.settlement import SettlementInput, SettlementResult, settle
from functions.services.notification_policy import (
    TIER,
    TIERS,
    Category,
    MemberBefore,
    NotificationRules,
    allot,
    classify,
    cut,
    sample_pages,
)
from functions.services.settlement_results import MemberResult

TARGET = 10_000_000
SEND_PER_S = 24
"""The sender: two containers at 12 messages a second (template.yaml)."""
PAGE = 1_000
DATE = "2026-03-04"
AMOUNTS = (300_000, 500_000, 900_000, 1_500_000)
"""Package prices in cents (yuan 3,000 … 15,000), uniformly chosen."""
BUYERS_PER_DAY_BP = 100
"""1 % of members buy between the two days."""


@dataclass
class Population:
    parents: list[int]
    volume: list[int]
    grants: list[list[tuple[int, int]]]


def points_for(plan: Plan, amount: int) -> int:
    """The plan's grant for ``amount`` (demo: 3,000+ yuan × 2.5, 9,000+ × 3)."""
    assert plan.grant is not None, "the benchmark needs a plan that grants points"
    return plan.grant.points_for(amount)[0]


def daily_for(plan: Plan, points: int) -> int:
    """The daily release of a grant (demo: 1.2 % of its points), exact, never a float."""
    rate = plan.release.daily_rate
    assert rate is not None, "the benchmark needs a daily release"
    return mul_floor(points, rate)


def population(plan: Plan, members: int, rng: random.Random) -> Population:
    """Members referring earlier ones; one or two grants each, of uniformly random age."""
    parents = [-1] + [rng.randrange(max(0, i - 50_000), i) for i in range(1, members)]
    volume: list[int] = []
    grants: list[list[tuple[int, int]]] = []
    for _ in range(members):
        held: list[tuple[int, int]] = []
        spent = 0
        for _ in range(1 if rng.random() < 0.7 else 2):
            amount = rng.choice(AMOUNTS)
            points = points_for(plan, amount)
            daily = daily_for(plan, points)
            age = rng.randrange(0, points // daily)
            held.append((points - age * daily, daily))
            spent += amount
        volume.append(spent)
        grants.append(held)
    return Population(parents, volume, grants)


def next_day(
    plan: Plan, day0: Population, outcome: SettlementResult, rng: random.Random
) -> Population:
    """Day 0's remaining grants, and 1 % of members buying one more package."""
    grants: list[list[tuple[int, int]]] = []
    for held, left in zip(day0.grants, outcome.remaining, strict=True):
        after = left or ()
        grants.append([(rest, daily) for (_, daily), rest in zip(held, after, strict=True) if rest])
    volume = list(day0.volume)
    for member in range(len(grants)):
        if rng.randrange(10_000) < BUYERS_PER_DAY_BP:
            amount = rng.choice(AMOUNTS)
            points = points_for(plan, amount)
            grants[member].append((points, daily_for(plan, points)))
            volume[member] += amount
    return Population(day0.parents, volume, grants)


def categories(
    plan: Plan,
    before: Population,
    level0: Sequence[int],
    day1: SettlementResult,
    rules: NotificationRules,
) -> list[Category]:
    """Every member of day 1 classified by the policy (all with a chat)."""
    names = [level.name for level in plan.levels]
    found: list[Category] = []
    for index, held in enumerate(before.grants):
        left = day1.remaining[index] or ()
        releases = tuple(
            (seq, start - rest)
            for seq, ((start, _), rest) in enumerate(zip(held, left, strict=True))
            if start != rest
        )
        static, paid, forfeited = day1.static[index], day1.paid[index], day1.forfeited[index]
        if not (static or paid or forfeited):
            continue  # not a mover: never on the queue
        level = names[day1.level[index]] if day1.level[index] >= 0 else None
        was = names[level0[index]] if level0[index] >= 0 else None
        result = MemberResult(f"m{index}", static, (), 0, 0, paid, forfeited, releases, level=level)
        member = MemberBefore(
            was, sum(start for start, _ in held), {seq: g[0] for seq, g in enumerate(held)}
        )
        found.append(classify(result, member, DATE, rules))
    return found


def tiers_of(page: Sequence[Category]) -> list[int]:
    counts = [0] * TIERS
    for category in page:
        tier = TIER.get(category)
        if tier is not None:
            counts[tier] += 1
    return counts


def budgeted(
    found: list[Category], rules: NotificationRules, rng: random.Random
) -> tuple[list[int], list[int], tuple[int, ...]]:
    """Sent and deferred per tier, as apply_batch does it: the day's shares estimated from
    64 evenly spread pages of 1,000, then every page (in random order) its share of each
    tier, under the date's counter."""
    pages = [tiers_of(found[start : start + PAGE]) for start in range(0, len(found), PAGE)]
    sample = sample_pages(len(pages))
    demand = [sum(pages[number][tier] for number in sample) for tier in range(TIERS)]
    shares = cut([-(-count * len(pages) // len(sample)) for count in demand], rules)
    rng.shuffle(pages)
    used = 0
    sent = [0] * TIERS
    deferred = [0] * TIERS
    for counts in pages:
        granted = allot(counts, used, shares, rules)
        used += sum(granted)
        for tier in range(TIERS):
            sent[tier] += granted[tier]
            deferred[tier] += counts[tier] - granted[tier]
    return sent, deferred, shares


def scaled(count: int, members: int) -> int:
    return count * TARGET // members


def measure(plan: Plan, members: int, rules: NotificationRules, thresholds: Sequence[int]) -> None:
    rng = random.Random(2026)
    day0 = population(plan, members, rng)
    started = time.perf_counter()
    outcome0 = settle(plan, SettlementInput(day0.parents, day0.volume, day0.grants))
    day1 = next_day(plan, day0, outcome0, rng)
    outcome1 = settle(plan, SettlementInput(day1.parents, day1.volume, day1.grants))
    settled_s = time.perf_counter() - started
    started = time.perf_counter()
    # the budget scales with the membership measured: B × members / 10M
    local = replace(rules, daily_budget=rules.daily_budget * members // TARGET)
    found = categories(plan, day1, outcome0.level, outcome1, local)
    policy_s = time.perf_counter() - started
    sent, deferred, shares = budgeted(found, local, rng)
    counts = Counter(found)
    print(
        f"\n== {members:,} members (engine 2 days {settled_s:.1f} s, policy {policy_s:.1f} s; "
        f"budget {local.daily_budget:,} = {rules.daily_budget:,} at 10M; "
        f"threshold {rules.release_threshold_bp} bp)"
    )
    print(f"{'category':<11}{'members':>11}{'share':>9}{'at 10M':>13}")
    for category in Category:
        count = counts.get(category, 0)
        share = 100 * count / members
        print(f"{category.value:<11}{count:>11,}{share:>8.2f}%{scaled(count, members):>13,}")
    wanted = sum(sent) + sum(deferred)
    print(
        f"wanted {scaled(wanted, members):,} at 10M; sent {scaled(sum(sent), members):,} "
        f"(events {scaled(sent[0], members):,}, releases {scaled(sent[1], members):,}, "
        f"digests {scaled(sent[2], members):,}); deferred "
        f"{scaled(sum(deferred), members):,} (releases {scaled(deferred[1], members):,}, "
        f"digests {scaled(deferred[2], members):,})"
    )
    print(f"the day's shares per tier (basis points, from the sample of pages): {shares}")
    hours = scaled(sum(sent), members) / SEND_PER_S / 3600
    drains = hours < 24
    print(f"sender at {SEND_PER_S}/s: {hours:.1f} h a day for the 10M day (drains: {drains})")
    for threshold in thresholds:
        other = replace(local, release_threshold_bp=threshold)
        again = categories(plan, day1, outcome0.level, outcome1, other)
        sent_t, deferred_t, _ = budgeted(again, other, random.Random(7))
        print(
            f"  threshold {threshold:>5} bp: wanted "
            f"{scaled(sum(sent_t) + sum(deferred_t), members):>10,} at 10M, sent "
            f"{scaled(sum(sent_t), members):>10,}, deferred releases "
            f"{scaled(deferred_t[1], members):>9,}, digests {scaled(deferred_t[2], members):>9,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--budget", type=int, default=NotificationRules().daily_budget)
    parser.add_argument(
        "--threshold-bp", type=int, default=NotificationRules().release_threshold_bp
    )
    parser.add_argument("--compare", default="500,1000,2500,5000")
    args = parser.parse_args()
    plan = load_plan(PLANS_DIR / "demo.yaml")
    rules = NotificationRules(daily_budget=args.budget, release_threshold_bp=args.threshold_bp)
    sizes = [int(size) for size in args.sizes.split(",")]
    compare = [int(bp) for bp in args.compare.split(",") if bp]
    weekday = dt.date.fromisoformat(DATE).strftime("%A")
    print(f"demo plan, date {DATE} ({weekday}), every member releasing, every member with a chat")
    for members in sizes:
        measure(plan, members, rules, compare if members == sizes[-1] else [])


if __name__ == "__main__":
    main()
