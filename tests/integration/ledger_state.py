"""Shared helpers of the integration tests: fresh tables, state snapshots, book checks, faults.

* :class:`Tables` creates uniquely named tables on the session endpoint (and clones
  one, so an expensive setup is built once and copied per case), and drops them.
* :func:`ledger_state` is the logical state (members, summed system totals, every
  journal); :func:`table_dump` is every stored item, for "nothing changed" checks.
* :func:`assert_books_balance` checks the double-entry invariants against storage.
* :class:`Faults` installs botocore event handlers on every client a store uses.

Note that :class:`LedgerStore` binds the pynamodb models to its table *globally*: only
the most recently built store is usable, so tests build a new store whenever they
switch tables (``Tables.store``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.rewards.ledger import SYSTEM, imbalance
from functions.rewards.plan import Plan
from functions.services.ledger import Ledger
from functions.store import models as m
from functions.store.client import dynamodb_client, use_local_credentials
from functions.store.journal import chain_breaks, decode_postings
from functions.store.ledger_store import MEMBER_BUCKETS, SYSTEM_BUCKETS, LedgerStore
from functions.store.records import JournalEntry, SystemTotals
from functions.store.table_definition import ensure_table

Item = dict[str, Any]
VOLATILE = frozenset({"expires_at"})
"""Attributes derived from the wall clock (idempotency TTL): left out of dumps."""


def no_sleep(_seconds: float) -> None:
    """Back-off that does not wait (fault-injection runs retry at once)."""


def constant_clock() -> int:
    """Every timestamp the same, so two runs of one history store identical items and hashes."""
    return 1_000


def ledger_for(store: LedgerStore, plan: Plan, *, clock: Callable[[], int] | None = None) -> Ledger:
    """A ledger on ``store``: sequence clock unless given, no back-off sleeps."""
    return Ledger(
        store, plan, clock=clock or itertools.count(1).__next__, sleep=no_sleep, max_attempts=12
    )


class Tables:
    """Fresh tables on one endpoint; every table made here is dropped by :meth:`drop_all`."""

    def __init__(self, endpoint: str) -> None:
        use_local_credentials()
        self.endpoint = endpoint
        self.client = dynamodb_client(endpoint)
        self.names: list[str] = []

    def create(self) -> str:
        name = f"jifen-it-{uuid.uuid4().hex[:12]}"
        ensure_table(self.client, name)
        self.names.append(name)
        return name

    def store(self, name: str) -> LedgerStore:
        """A store on ``name`` (re-binding the models to it: older stores go stale)."""
        return LedgerStore(name, self.endpoint)

    def clone(self, source: str) -> str:
        """A new table holding exactly the items of ``source``."""
        target = self.create()
        items = list(scan_items(self.client, source))
        for start in range(0, len(items), 25):
            pending: dict[str, Any] = {
                target: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            }
            while pending:
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
        return target

    def drop_all(self) -> None:
        for name in self.names:
            with contextlib.suppress(ClientError):
                self.client.delete_table(TableName=name)
        self.names.clear()


def scan_items(client: Any, table: str) -> Iterator[Item]:
    """Every raw item of ``table`` (wire format)."""
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page["Items"]


RUN_ITEMS = ("PAGE#", "APPLIED#")
"""Settlement items keyed by their computation's random ``run_id``: ``<prefix><run_id>#<n>``."""


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {key: _replaced(inner, old, new) for key, inner in value.items()}
    if isinstance(value, list):
        return [_replaced(inner, old, new) for inner in value]
    if isinstance(value, str):
        return value.replace(old, new)
    return value


def table_dump(client: Any, table: str) -> dict[str, Item]:
    """Every stored item by ``"<pk> <sk>"``, without wall-clock attributes.

    A settlement run's ``run_id`` is random, so it is written ``<run>`` wherever it
    appears; pages and markers of computations the run record no longer names (a
    crashed worker's, taken over with a new id) are inert by design and left out.
    The system-total shards are summed into one ``SYS TOTALS`` entry: which shard an
    amount lands on follows from keys that may hold a ``run_id``, and only the sums
    are the platform's accounts.
    """
    items = [
        {name: value for name, value in item.items() if name not in VOLATILE}
        for item in scan_items(client, table)
    ]
    current = {
        item["pk"]["S"]: item["run_id"]["S"]
        for item in items
        if item["sk"]["S"] == "RUN" and "run_id" in item
    }
    dump: dict[str, Item] = {}
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        if pk.startswith("SYS#") and sk == "TOTALS":
            for name, value in item.items():
                if "N" in value:
                    totals[name] += int(value["N"])
            continue
        run_id = current.get(pk)
        if sk.startswith(RUN_ITEMS) and (run_id is None or sk.split("#")[1] != run_id):
            continue
        if run_id is not None:
            item = _replaced(item, run_id, "<run>")
            sk = item["sk"]["S"]
        dump[f"{pk} {sk}"] = item
    dump["SYS TOTALS"] = {name: {"N": str(total)} for name, total in totals.items() if total}
    return dict(sorted(dump.items()))


@dataclass(frozen=True)
class LedgerState:
    """The ledger as the services see it."""

    members: tuple[dict[str, Any], ...]
    totals: SystemTotals
    journals: dict[str, tuple[JournalEntry, ...]]

    def member(self, name: str) -> dict[str, Any]:
        for record in self.members:
            if record["member"] == name:
                return record
        raise KeyError(name)

    @property
    def journal_counts(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in self.journals.items()}


def ledger_state(store: LedgerStore, names: Sequence[str] | None = None) -> LedgerState:
    """Members, summed system totals and every member's journal.

    Without ``names`` every member is listed in join order (the full GSI listing);
    with them, just those members are read (one batch read: cheaper for small cases).
    """
    if names is None:
        records = list(store.iter_members())
    else:
        found = store.get_members(names)
        records = [found[name] for name in names if name in found]
    members = tuple(asdict(record) for record in records)
    journals = {record["member"]: tuple(store.journal(record["member"])) for record in members}
    return LedgerState(members, store.system_totals(), journals)


def posted_balances(state: LedgerState) -> dict[tuple[str, str], int]:
    """Every account's balance as the sum of all journaled postings."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for entries in state.journals.values():
        for entry in entries:
            for posting in decode_postings(entry.postings):
                sums[(posting.owner, posting.bucket.value)] += posting.amount
    return sums


def assert_books_balance(state: LedgerState) -> None:
    """Double entry holds: every entry balances per asset, chains are intact, and every
    stored balance (member buckets, platform totals, circulating) is what the postings say."""
    for name, entries in state.journals.items():
        assert chain_breaks([asdict(entry) for entry in entries]) == [], name
        for entry in entries:
            assert entry.member == name
            assert imbalance(decode_postings(entry.postings)) == {}, entry
    posted = posted_balances(state)
    for record in state.members:
        for bucket, attribute in MEMBER_BUCKETS.items():
            stored = record[attribute]
            assert stored >= 0, (record["member"], attribute, stored)
            assert stored == posted.get((record["member"], bucket.value), 0), (
                record["member"],
                attribute,
            )
        assert record["locked"] == sum(grant["remaining"] for grant in record["grants"])
    for bucket, attribute in SYSTEM_BUCKETS.items():
        assert getattr(state.totals, attribute) == posted.get((SYSTEM, bucket.value), 0), attribute
    assert state.totals.circulating == sum(record["available"] for record in state.members)
    member_names = {record["member"] for record in state.members}
    assert {owner for owner, _ in posted} <= member_names | {SYSTEM}


def journal_tail(store: LedgerStore, member: str) -> JournalEntry:
    """The newest journal entry of ``member``."""
    return next(store.journal(member, newest_first=True))


def postings_of(entry: JournalEntry) -> list[tuple[str, str, int]]:
    return [(p.owner, p.bucket.value, p.amount) for p in decode_postings(entry.postings)]


def details_of(entry: JournalEntry) -> dict[str, Any]:
    details: dict[str, Any] = json.loads(entry.details)
    return details


# -- fault injection ---------------------------------------------------------------


def store_clients(store: LedgerStore) -> list[Any]:
    """Every botocore client the store's requests go through (its transaction
    connection and each model's table connection), created now if needed."""
    clients = [store.connection.client]
    for model in m.ALL_MODELS:
        clients.append(model._get_connection().connection.client)
    unique: dict[int, Any] = {}
    for client in clients:
        unique.setdefault(id(client), client)
    return list(unique.values())


class FakeHttp:
    """Just enough of an HTTP response for botocore's ``before-call`` short circuit."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}


def error_response(
    code: str, message: str, *, reasons: list[str] | None = None
) -> tuple[FakeHttp, dict[str, Any]]:
    """A DynamoDB error as botocore would have parsed it (status 400)."""
    parsed: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
    }
    if reasons is not None:
        parsed["CancellationReasons"] = [
            {"Code": reason, "Message": reason} if reason != "None" else {"Code": "None"}
            for reason in reasons
        ]
    return FakeHttp(400), parsed


def request_body(params: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a ``before-call`` request dict."""
    body = params.get("body") or b"{}"
    decoded: dict[str, Any] = json.loads(body.decode() if isinstance(body, bytes) else body)
    return decoded


def touches_settlement_page(body: dict[str, Any]) -> bool:
    """True for the transaction that records a settlement page as applied."""
    for entry in body.get("TransactItems", []):
        for operation in entry.values():
            key = operation.get("Key") or operation.get("Item") or {}
            if key.get("sk", {}).get("S", "").startswith(RUN_ITEMS):
                return True
    return False


class Faults:
    """botocore handlers on every client of one store; :meth:`close` removes them all."""

    def __init__(self, store: LedgerStore) -> None:
        self.clients = store_clients(store)
        self._registered: list[tuple[Any, str, Callable[..., Any]]] = []

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        """Register ``handler`` for ``event`` (e.g. ``before-call.dynamodb``) on every client."""
        for client in self.clients:
            client.meta.events.register(event, handler)
            self._registered.append((client, event, handler))

    def close(self) -> None:
        for client, event, handler in self._registered:
            client.meta.events.unregister(event, handler)
        self._registered.clear()

    def __enter__(self) -> Faults:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def touches_settlement_sequence(body: dict[str, Any]) -> bool:
    """True for the transactions that claim or finish a settlement run."""
    for entry in body.get("TransactItems", []):
        for operation in entry.values():
            key = operation.get("Key") or operation.get("Item") or {}
            if key.get("pk", {}).get("S", "") == "SETTLE#SEQ":
                return True
    return False


WRITES = frozenset({"TransactWriteItems", "BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem"})
