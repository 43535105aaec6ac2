"""Web bench: warm page renders on the local DynamoDB endpoint with 10,000 members.

A small real community (registered as the bot registers, buying in the shop, settled for
30 days through the real settlement) gets 10,000 more members seeded under its root
(member items and referral edges, written in batches: what a tree page reads), and 90
days of daily aggregates. Then every page is rendered through the web handler, exactly
as the Lambda would, warm: a few requests first, then ``--requests`` timed ones each.

Reported per page: p50 and p95 in milliseconds (the target is p95 < 100 ms), and the
number of DynamoDB requests one render sends (pages read by key or index, never a scan,
so the count does not grow with the membership).

Run by hand:  .venv/bin/python bench/web_pages.py [--members 10000] [--requests 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests.support.web: the signed-in test browser

from functions.config import Settings  # noqa: E402
from functions.runtime import CountingMetrics, Runtime  # noqa: E402
from functions.services.members import Members  # noqa: E402
from functions.services.settlement import run_settlement  # noqa: E402
from functions.store.items import (  # noqa: E402
    Kind,
    keyed,
    member_key,
    member_pk,
    roster_partition,
    shard_of,
)
from functions.store.table import Item, Key  # noqa: E402
from local.endpoint import LocalDynamoDB  # noqa: E402
from tests.support.web import (  # noqa: E402
    ADMIN_ID,
    BOT_TOKEN,
    MEMBER_TELEGRAM,
    SESSION_KEY,
    Browser,
    register,
)


def seed_descendants(runtime: Runtime, root: str, count: int) -> None:
    """``count`` members under ``root``: a bushy tree, every edge and member item written."""
    names = [f"b{index:06d}" for index in range(count)]
    items: list[Item] = []
    for index, name in enumerate(names):
        parent = root if index < 200 else names[(index * 7919) % index]
        joined_at = 2_000_000 + index
        items.append(
            keyed(
                member_key(name),
                Kind.MEMBER,
                member=name,
                referrer=parent,
                joined_at=joined_at,
                display_name=f"Member {index}",
                personal_volume=300_000,
                team_size=count // (index + 1),
                team_volume=300_000 * (count // (index + 1)),
                journal_seq=1,
                version=1,
                gsi1pk=roster_partition(shard_of(name)),
                gsi1sk=f"{joined_at:020d}#{name}",
            )
        )
        edge = Key(member_pk(parent), f"CHILD#{joined_at:020d}#{name}")
        items.append(keyed(edge, Kind.REFERRAL, member=name, joined_at=joined_at))
    runtime.stores.table.batch_put(items)


def seed_aggregates(runtime: Runtime, days: int) -> None:
    store = runtime.ledger.store
    latest = store.daily_aggregates(limit=1)[0]
    for day in range(days):
        date = f"2025-{(day // 28) % 12 + 1:02d}-{day % 28 + 1:02d}"
        store.put_daily_aggregate(dataclasses.replace(latest, date=date, members=10_000 + day))


def timed(browser: Browser, path: str, requests: int, table: Any) -> tuple[float, float, int]:
    for _ in range(3):
        assert browser.get(path)["statusCode"] in (200, 303), path
    samples = []
    before = table.requests if hasattr(table, "requests") else 0
    for _ in range(requests):
        started = time.perf_counter()
        response = browser.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] in (200, 303), path
    after = table.requests if hasattr(table, "requests") else 0
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return statistics.median(samples), p95, (after - before) // max(1, requests)


class CountingTable:
    """Counts the DynamoDB requests the table sends (botocore's before-call hook)."""

    def __init__(self, client: Any) -> None:
        self.requests = 0
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, **_: Any) -> None:
        self.requests += 1


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    with LocalDynamoDB(in_subprocess=True) as local:
        settings = Settings.of(
            store={
                "dynamodb_endpoint": local.endpoint_url,
                "table_name": f"bench-web-{uuid.uuid4().hex[:8]}",
            },
            plan={"plan_path": REPO_ROOT / "infra" / "plans" / "demo.yaml"},
            web={
                "bot_token": BOT_TOKEN,
                "admin_ids": str(ADMIN_ID),
                "web_session_key": SESSION_KEY,
            },
        )
        runtime = Runtime(settings, metrics=CountingMetrics())
        started = time.perf_counter()
        code = register(runtime, MEMBER_TELEGRAM, name="Root")
        members = Members(runtime.ledger, runtime.bot_store)
        for offset in range(1, 5):
            register(runtime, MEMBER_TELEGRAM + offset, invite=code, name=f"Friend {offset}")
        for offset in range(5):
            buyer = members.by_telegram(MEMBER_TELEGRAM + offset)
            assert buyer is not None
            members.pay(buyer, 900_000, 0, f"charge-{offset}")
        for day in range(1, 31):
            run_settlement(runtime.ledger, f"2026-01-{day:02d}")
        root = members.by_telegram(MEMBER_TELEGRAM)
        assert root is not None
        members.withdraw(root, 5_000, "bench-w")
        seed_descendants(runtime, root.member, args.members)
        seed_aggregates(runtime, 90)
        print(f"seeded {args.members + 5} members in {time.perf_counter() - started:.0f} s")
        table = runtime.stores.table
        counter = CountingTable(table.client)  # type: ignore[attr-defined]
        member = Browser(runtime)
        member.member_sign_in()
        operator = Browser(runtime)
        operator.operator_sign_in()
        pages = [
            (Browser(runtime), "/board"),
            (Browser(runtime), "/board/reports/2026-01"),
            (Browser(runtime), "/board/proofs"),
            (Browser(runtime), "/board/verify"),
            (member, "/app"),
            (member, "/app/history"),
            (member, "/app/team"),
            (member, "/app/team?before=CHILD%2300000000000002000100%23b000100"),
            (member, "/app/shop"),
            (member, "/app/proof"),
            (operator, "/console"),
            (operator, f"/console/members/{root.member}"),
            (operator, f"/console/members/{root.member}?before=10"),
            (operator, f"/console/members?q={code}"),
            (operator, "/console/withdrawals"),
            (operator, "/console/settlements"),
            (operator, "/console/plans"),
            (operator, "/console/audit"),
        ]
        print(f"{'page':<56} {'p50 ms':>8} {'p95 ms':>8} {'DynamoDB requests':>18}")
        worst = 0.0
        for browser, path in pages:
            p50, p95, requests = timed(browser, path, args.requests, counter)
            worst = max(worst, p95)
            print(f"{path:<56} {p50:8.1f} {p95:8.1f} {requests:18d}")
        print(f"worst p95: {worst:.1f} ms ({'under' if worst < 100 else 'OVER'} the 100 ms target)")


if __name__ == "__main__":
    main()
