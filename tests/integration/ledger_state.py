"""Helpers of the tests that need the wire: fresh DynamoDB tables, dumps, faults.

* :class:`Tables` creates uniquely named tables on the session endpoint (and clones
  one, so an expensive setup is built once and copied per case), and drops them.
* :func:`table_dump` is every stored item, normalised (``tests/support/books.py``).
* :class:`Faults` installs botocore event handlers on the client a store uses.

Checks that hold for any adapter (ledger state, balanced books) are in
``tests/support/books.py``.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from functions.store.client import dynamodb_client
from functions.store.dynamodb_table import DynamoTable
from functions.store.dynamodb_wire import decode_item
from functions.store.keyring import default_keyring
from functions.store.ledger_store import LedgerStore
from functions.store.ports import LedgerPort
from functions.store.storage import Storage, dynamodb_storage
from functions.store.table import Item
from functions.store.table_definition import ensure_table
from tests.support.books import RUN_ITEMS, normalized_dump


class Tables:
    """Fresh tables on one endpoint; every table made here is dropped by :meth:`drop_all`."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.client = dynamodb_client(endpoint)
        self.names: list[str] = []

    def create(self) -> str:
        name = f"jifen-it-{uuid.uuid4().hex[:12]}"
        ensure_table(self.client, name)
        self.names.append(name)
        return name

    def storage(self, name: str) -> Storage:
        """The stores of ``name``, chained under the local key file."""
        return dynamodb_storage(
            name, endpoint=self.endpoint, keyring=default_keyring(self.endpoint)
        )

    def store(self, name: str) -> LedgerStore:
        """The ledger store of ``name``."""
        return self.storage(name).ledger

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


def table_dump(client: Any, table: str) -> dict[str, Item]:
    """Every stored item of a DynamoDB table, normalised (:func:`normalized_dump`)."""
    return normalized_dump(decode_item(raw) for raw in scan_items(client, table))


# -- fault injection ---------------------------------------------------------------


def store_clients(store: LedgerPort) -> list[Any]:
    """The botocore client the store's requests go through (one per table instance)."""
    assert isinstance(store, LedgerStore), "faults are injected on the DynamoDB adapter"
    table = store.table
    assert isinstance(table, DynamoTable), "faults are injected on the wire"
    return [table.client]


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

    def __init__(self, store: LedgerPort) -> None:
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


def settles_a_member(body: dict[str, Any]) -> bool:
    """True for a settled member's own write (the ``UpdateItem`` that sets ``settled_seq``;
    its journal entry follows in the page's ``BatchWriteItem``)."""
    key = body.get("Key") or {}
    names = body.get("ExpressionAttributeNames") or {}
    return key.get("sk", {}).get("S") == "ACCOUNT" and "settled_seq" in names.values()


WRITES = frozenset({"TransactWriteItems", "BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem"})
