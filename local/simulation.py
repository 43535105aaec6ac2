"""Deterministic community histories for the demo, benchmarks and load tests.

Members join through invite links (preferential attachment: busy promoters
attract more invitees), buy packages sized like seed 004's tiers, settle daily,
and some withdraw or transfer. Same seed, same history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

PACKAGE_PRICES = ("3000", "3000", "3000", "9000", "9000", "27000", "51000")


def member_name(number: int) -> str:
    return f"m{number:05d}"


def community_history(
    members: int, days: int, seed: int, start: dt.date = dt.date(2026, 1, 1)
) -> Iterator[dict[str, str]]:
    """Events (as JSON-ready dicts) for ``members`` people over ``days`` settled days."""
    rng = random.Random(seed)
    joined: list[str] = []
    promoters: list[str] = []  # one entry per invitation sent: weights by activity
    orders = 0
    per_day = max(1, members // max(1, days // 3))
    pending = members
    for day in range(days):
        today = start + dt.timedelta(days=day)
        for _ in range(min(pending, per_day)):
            name = member_name(len(joined) + 1)
            event = {"type": "join", "member": name}
            if promoters and rng.random() < 0.92:
                referrer = rng.choice(promoters)
                event["referrer"] = referrer
                promoters.append(referrer)
            yield event
            joined.append(name)
            promoters.append(name)
            pending -= 1
            if rng.random() < 0.8:
                orders += 1
                yield {
                    "type": "purchase",
                    "member": name,
                    "order": f"order-{orders:06d}",
                    "amount": rng.choice(PACKAGE_PRICES),
                }
        for _ in range(rng.randint(0, max(1, len(joined) // 20))):
            orders += 1
            yield {
                "type": "purchase",
                "member": rng.choice(joined),
                "order": f"order-{orders:06d}",
                "amount": rng.choice(PACKAGE_PRICES),
            }
        yield {"type": "settle", "date": today.isoformat()}
        if day >= 3:
            for _ in range(rng.randint(0, max(1, len(joined) // 25))):
                yield {
                    "type": "withdraw",
                    "member": rng.choice(joined),
                    "points": str(rng.choice((100, 150, 200, 500))),
                }
            if len(joined) > 1 and rng.random() < 0.5:
                sender, recipient = rng.sample(joined, 2)
                yield {"type": "transfer", "from": sender, "to": recipient, "points": "20"}
