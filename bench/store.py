"""Store cost benchmark: DynamoDB requests and write units per purchase and per settlement.

Every request the store sends to the embedded endpoint is counted by a botocore
``before-call``/``after-call`` hook on the one client its table uses. Write units are priced as
DynamoDB prices them: an item's size is the sum of its attribute names and
values (numbers ~1 byte per two significant digits + 1, lists/maps 3 bytes + 1
per element); one write costs ``ceil(size / 1 KB)`` units, twice that inside a
transaction; an update or overwrite costs by the larger of the item before and
after (read back through a separate, uncounted client). Items carrying the
``gsi1`` keys (projection ALL) cost the same again in the index (not doubled
by the transaction).

(a) One purchase at depth 1, 100 and 1,000 of a referral chain, on the dividend
    plan and on the dividend plan plus two generations of commission: the
    requests and transaction items are fixed, whatever the depth.
(b) One settlement of ``--members`` members (dividend plan, random bushy tree,
    one grant each): requests, write units, and what goes beyond each member's
    own ledger items (member item + journal entry): pages, run record, page totals.

Members are seeded straight into the table (batch writes of day-old accounts)
so the setup stays quick; the measured operations run through the services.
Run by hand:  .venv/bin/python bench/store.py [--members 2000] [--depths 1,100,1000]
(the default takes ~2 minutes; ``--members 10000`` ~11, moto being CPU-bound).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.plans import PLANS_DIR
from functions.rewards.events import Purchase
from functions.rewards.plan import Plan, load_plan_text
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.store.client import dynamodb_client
from functions.store.dynamodb_table import DynamoTable
from functions.store.dynamodb_wire import encode_item
from functions.store.items import Kind, grant_maps, keyed, member_key, roster_item
from functions.store.ledger_store import LedgerStore
from functions.store.records import GrantRecord
from functions.store.storage import dynamodb_ledger
from functions.store.table import Item
from functions.store.table_definition import ensure_table
from local.endpoint import LocalDynamoDB

KB = 1024
Key = tuple[str, str]
COMMISSION = """
commission:
  rates:
    - {default: "0.08", digital: "0.03"}
    - {default: "0.02"}
"""
WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


# -- DynamoDB item sizes -------------------------------------------------------
def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0")
    return (max(1, len(digits)) + 1) // 2 + 1


def value_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one typed value (wire JSON: binaries are base64)."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        return _number_size(raw)
    if kind == "B":
        return len(base64.b64decode(raw)) if isinstance(raw, str) else len(raw)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in raw)
    if kind == "NS":
        return sum(_number_size(text) for text in raw)
    if kind == "BS":
        return sum(len(base64.b64decode(text)) for text in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in raw)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(v) for name, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def item_class(pk: str, sk: str) -> str:
    """Which kind of item a key names (for the write-unit breakdown)."""
    if pk.startswith("M#"):
        return {
            "ACCOUNT": "member",
            "ROSTER": "member roster",
            "J#": "journal",
            "CHILD#": "referral edge",
        }.get(sk if "#" not in sk else sk[: sk.index("#") + 1], "member other")
    if pk.startswith("SETTLE#"):
        return "settlement run" if sk == "RUN" else "settlement page"
    return {
        "SYS#": "system totals",
        "ORDER#": "order",
        "IDEM#": "idempotency",
        "W#": "withdrawal",
    }.get(pk[: pk.index("#") + 1] if "#" in pk else pk, "other")


# -- the meter -----------------------------------------------------------------
@dataclass
class Tally:
    """Requests by operation and write units by (item class, operation)."""

    requests: Counter[str] = field(default_factory=Counter)
    transaction_items: int = 0
    items: Counter[tuple[str, str]] = field(default_factory=Counter)
    wcu: Counter[tuple[str, str]] = field(default_factory=Counter)
    gsi_wcu: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def total_wcu(self) -> int:
        return sum(self.wcu.values())

    @property
    def total_gsi_wcu(self) -> int:
        return sum(self.gsi_wcu.values())

    def wcu_of(self, *classes: str) -> int:
        return sum(n for (cls, _), n in self.wcu.items() if cls in classes)

    def gsi_of(self, *classes: str) -> int:
        return sum(n for (cls, _), n in self.gsi_wcu.items() if cls in classes)


@dataclass(frozen=True)
class _Write:
    op: str  # Put | Update | Delete | ConditionCheck
    key: Key
    item: dict[str, Any] | None
    transactional: bool


class Meter:
    """Counts a store's requests and prices its writes, reading sizes through its own client."""

    def __init__(self, endpoint: str, table: str) -> None:
        self.table = table
        self.peek = dynamodb_client(endpoint)  # uncounted: sizes before/after writes
        self.sizes: dict[Key, tuple[int, tuple[str, str] | None]] = {}  # size, gsi1 key
        self.tally = Tally()
        self._hooked: set[int] = set()

    def attach(self, store: LedgerStore) -> None:
        """Hook every botocore client the store talks through (each has its own events)."""
        assert isinstance(store.table, DynamoTable)
        for client in [store.table.client]:
            if id(client) in self._hooked:
                continue
            self._hooked.add(id(client))
            client.meta.events.register("before-call.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)

    def learn(self, items: Sequence[Item]) -> None:
        """Take the sizes of items written before metering began (no scan: moto is slow)."""
        for item in items:
            self._remember(encode_item(item))

    def mean_sizes(self) -> dict[str, int]:
        """Mean stored size per item class (bytes), from the sizes learnt so far."""
        totals: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        for key, (size, _) in self.sizes.items():
            totals[item_class(*key)] += size
            counts[item_class(*key)] += 1
        return {cls: totals[cls] // counts[cls] for cls in counts}

    def reset(self) -> Tally:
        done, self.tally = self.tally, Tally()
        return done

    def _remember(self, item: dict[str, Any]) -> None:
        key = (item["pk"]["S"], item["sk"]["S"])
        self.sizes[key] = (item_size(item), _gsi_key(item))

    @staticmethod
    def _key(item: dict[str, Any]) -> Key:
        return item["pk"]["S"], item["sk"]["S"]

    def _writes(self, op: str, payload: dict[str, Any]) -> list[_Write]:
        if op == "PutItem":
            return [_Write("Put", self._key(payload["Item"]), payload["Item"], False)]
        if op in {"UpdateItem", "DeleteItem"}:
            return [_Write(op[:-4], self._key(payload["Key"]), None, False)]
        if op == "BatchWriteItem":
            found: list[_Write] = []
            for requests in payload["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        found.append(_Write("Put", self._key(item), item, False))
                    else:
                        key = self._key(request["DeleteRequest"]["Key"])
                        found.append(_Write("Delete", key, None, False))
            return found
        if op == "TransactWriteItems":
            self.tally.transaction_items += len(payload["TransactItems"])
            found = []
            for entry in payload["TransactItems"]:
                ((kind, body),) = entry.items()
                item = body.get("Item")
                key = self._key(item if item is not None else body["Key"])
                found.append(_Write(kind, key, item, True))
            return found
        return []

    def _before(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        op = model.name
        self.tally.requests[op] += 1
        if op in WRITE_OPS:
            body = params.get("body") or b"{}"
            context["bench_writes"] = self._writes(op, json.loads(body))

    def _after(self, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        writes: list[_Write] = context.pop("bench_writes", [])
        if not writes or http_response.status_code >= 300:
            return
        updated = [w.key for w in writes if w.op == "Update"]
        after: dict[Key, dict[str, Any]] = {}
        for start in range(0, len(updated), 100):
            keys = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in updated[start : start + 100]]
            response = self.peek.batch_get_item(RequestItems={self.table: {"Keys": keys}})
            for item in response["Responses"][self.table]:
                after[self._key(item)] = item
        for write in writes:
            before_size, before_gsi = self.sizes.get(write.key, (0, None))
            new = write.item if write.op == "Put" else after.get(write.key)
            if write.op in {"Delete", "ConditionCheck"}:
                new = None
            new_size = item_size(new) if new is not None else 0
            size = max(before_size, new_size)
            label = (item_class(*write.key), model.name)
            self.tally.items[label] += 1
            self.tally.wcu[label] += units(size) * (2 if write.transactional else 1)
            if write.op == "ConditionCheck":
                continue
            new_gsi = _gsi_key(new)
            if new_gsi is not None:
                self.tally.gsi_wcu[label] += units(new_size)
            if before_gsi is not None and new_gsi != before_gsi:
                self.tally.gsi_wcu[label] += units(before_size)  # old index entry deleted
            if new is not None:
                self._remember(new)
            else:
                self.sizes.pop(write.key, None)


def _gsi_key(item: dict[str, Any] | None) -> tuple[str, str] | None:
    if item is None or "gsi1pk" not in item or "gsi1sk" not in item:
        return None
    return item["gsi1pk"]["S"], item["gsi1sk"]["S"]


# -- seeding -------------------------------------------------------------------
def _grant(amount: int) -> tuple[int, int]:
    """The dividend plan's locked grant and daily release for ``amount`` cents of cash."""
    multiplier = {300000: 25, 900000: 30, 2700000: 35, 5100000: 40}[amount]
    return amount * multiplier // 10, amount * 12 // 1000


def seed(
    store: LedgerStore, meter: Meter, parents: Sequence[int], amounts: Sequence[int | None]
) -> list[str]:
    """Write day-old members (a join and, where ``amounts`` says, one purchase) in batches.

    Referral edge items are left out: neither purchases nor settlement read them.
    """
    names = [f"m{index:07d}" for index in range(len(parents))]
    items: list[Item] = []
    for index, (parent, amount) in enumerate(zip(parents, amounts, strict=True)):
        name = names[index]
        referrer = names[parent] if parent >= 0 else None
        joined_at = 1_000 + index
        points, daily = _grant(amount) if amount else (0, 0)
        grants = (GrantRecord(1, f"o-{name}", points, points, daily),) if amount else ()
        items.append(
            keyed(
                member_key(name),
                Kind.MEMBER,
                member=name,
                referrer=referrer,
                joined_at=joined_at,
                locked=points,
                personal_volume=amount or 0,
                grants=grant_maps(grants),
                grant_seq=1 if amount else 0,
                journal_seq=2 if amount else 1,
                journal_head=hashlib.sha256(name.encode()).hexdigest(),
                version=2 if amount else 1,
            )
        )
        items.append(roster_item(name, referrer, joined_at))
    for start in range(0, len(items), 2_000):
        store.table.batch_put(items[start : start + 2_000])
    meter.learn(items)
    return names


def bushy(members: int, rng: random.Random) -> list[int]:
    """Each member refers to a random earlier one (recent ones a little more likely)."""
    return [-1] + [rng.randrange(max(0, index - 5_000), index) for index in range(1, members)]


# -- measurements --------------------------------------------------------------
@dataclass
class Bench:
    endpoint: str

    def table(self) -> tuple[LedgerStore, Meter]:
        name = f"jifen-bench-{uuid.uuid4().hex[:8]}"
        ensure_table(dynamodb_client(self.endpoint), name)
        store = dynamodb_ledger(name, self.endpoint)
        meter = Meter(self.endpoint, name)
        meter.attach(store)
        return store, meter


def plans() -> list[tuple[str, Plan]]:
    text = (PLANS_DIR / "dividend.yaml").read_text(encoding="utf-8")
    return [
        ("dividend", load_plan_text(text)),
        ("dividend+commission", load_plan_text(text + COMMISSION)),
    ]


def purchases(bench: Bench, depths: Sequence[int]) -> None:
    store, meter = bench.table()
    deepest = max(depths)
    chain = [index - 1 for index in range(deepest + 1)]
    names = seed(store, meter, chain, [None] * (deepest + 1))
    meter.reset()
    print(f"(a) one purchase of 3000.00 by a member at depth d of a {deepest:,}-deep chain")
    print(
        f"  {'plan':<20} {'depth':>6} {'requests':>8} {'GetItem':>7} {'TransactWrite':>13}"
        f" {'txn items':>9} {'WCU':>5} {'GSI WCU':>7}  items written"
    )
    orders = itertools.count()
    for plan_name, plan in plans():
        ledger = Ledger(store, plan, clock=itertools.count(10_000_000).__next__)
        for depth in depths:
            number = next(orders)
            ledger.purchase(Purchase(names[depth], f"bench-{number}", 300000), f"k-{number}")
            tally = meter.reset()
            written = ", ".join(
                f"{cls} {count}" for (cls, _op), count in sorted(tally.items.items())
            )
            print(
                f"  {plan_name:<20} {depth:>6} {tally.total_requests:>8}"
                f" {tally.requests['GetItem']:>7} {tally.requests['TransactWriteItems']:>13}"
                f" {tally.transaction_items:>9} {tally.total_wcu:>5} {tally.total_gsi_wcu:>7}"
                f"  {written}"
            )


def settlement(bench: Bench, members: int) -> None:
    store, meter = bench.table()
    rng = random.Random(2026)
    amounts = [rng.choice((300000, 900000, 2700000, 5100000)) for _ in range(members)]
    started = time.perf_counter()
    seed(store, meter, bushy(members, rng), amounts)
    meter.reset()
    seeded = time.perf_counter() - started
    ledger = Ledger(store, plans()[0][1], clock=itertools.count(10_000_000).__next__)
    started = time.perf_counter()
    row = run_settlement(ledger, "2026-03-01")
    seconds = time.perf_counter() - started
    tally = meter.reset()
    active = row.members
    print()
    print(
        f"(b) settlement of {members:,} members (dividend plan, random bushy tree, one grant"
        f" each): {active:,} members with activity; seeded in {seeded:.0f} s, settled in"
        f" {seconds:.0f} s on the embedded endpoint"
    )
    print(
        f"  requests: {tally.total_requests:,} = "
        + ", ".join(f"{op} {count:,}" for op, count in tally.requests.most_common())
    )
    print(f"  {'item class':<18} {'operation':<20} {'items':>8} {'WCU':>8} {'GSI WCU':>8}")
    for label in sorted(tally.wcu, key=lambda lab: (-tally.wcu[lab], lab)):
        print(
            f"  {label[0]:<18} {label[1]:<20} {tally.items[label]:>8,} {tally.wcu[label]:>8,}"
            f" {tally.gsi_wcu[label]:>8,}"
        )
    sizes = meter.mean_sizes()
    print(
        "  mean item sizes after the run: "
        + ", ".join(f"{cls} {size:,} B" for cls, size in sorted(sizes.items()))
    )
    total = tally.total_wcu + tally.total_gsi_wcu
    own = tally.wcu_of("member", "journal") + tally.gsi_of("member", "journal")
    beyond = total - own
    print(
        f"  total write units: {total:,} (table {tally.total_wcu:,} + GSI {tally.total_gsi_wcu:,})"
    )
    print(
        f"  per member with activity: {total / active:.3f} WCU, of which the member's own"
        f" ledger items (member item + journal entry, incl. GSI) {own / active:.3f} and"
        f" beyond them {beyond / active:.4f} (pages, run record, page totals:"
        f" {beyond:,} WCU in all)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--members",
        type=int,
        default=2_000,
        help="members settled in (b); 2,000 takes ~2 minutes, 10,000 ~11 (moto is CPU-bound)",
    )
    parser.add_argument("--depths", default="1,100,1000", help="buyer depths in (a)")
    parser.add_argument("--skip-settlement", action="store_true")
    args = parser.parse_args(argv)
    with LocalDynamoDB(in_subprocess=True) as local:
        bench = Bench(local.endpoint_url)
        purchases(bench, [int(depth) for depth in args.depths.split(",")])
        if not args.skip_settlement:
            settlement(bench, args.members)


if __name__ == "__main__":
    main()
