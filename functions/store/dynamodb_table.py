"""The DynamoDB adapter of :class:`~functions.store.table.Table`: boto3 on the wire.

One instance owns one client and one table name; nothing is bound globally, so two
tables in one process never see each other's writes. Items and expressions are
encoded by :mod:`functions.store.dynamodb_wire` (integers only, placeholders only), and
DynamoDB's refusals become the port's errors:
a false condition is :class:`ConditionFailed`, a cancelled transaction
:class:`TransactionCancelled` with the failed items' labels, throttling and missing
answers (after botocore's own retries) :class:`Unavailable`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    BotoCoreError,
    ClientError,
)

from .client import DynamoDBClient, dynamodb_client
from .dynamodb_wire import Expression, decode_item, encode_item, request_for, wire_key
from .table import (
    ConditionFailed,
    Item,
    Key,
    Reason,
    TransactionCancelled,
    TransactItem,
    Unavailable,
    Write,
)

BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
BATCH_ATTEMPTS = 4
"""Requests per batch before keys or items DynamoDB keeps leaving unprocessed fail the call."""
TRANSIENT = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflict",
        "TransactionInProgressException",
    }
)
"""Error codes that mean "try again": nothing (or the same thing again) was written."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoTable:
    """A :class:`~functions.store.table.Table` on DynamoDB (or the local endpoint)."""

    def __init__(self, client: DynamoDBClient, name: str) -> None:
        self.client = client
        self.name = name
        for operation in RAW_READS:
            client.meta.events.register(
                f"before-parse.dynamodb.{operation}",
                _keep_raw_body,
                unique_id=f"jifen-raw-{operation}",
            )

    @classmethod
    def at(cls, name: str, endpoint: str | None, region: str = "us-east-1") -> DynamoTable:
        """The table ``name`` at ``endpoint`` (None: real AWS), with its own client."""
        return cls(dynamodb_client(endpoint, region_name=region), name)

    # -- reads ---------------------------------------------------------------
    def get(self, key: Key) -> Item | None:
        with _translated():
            response = self.client.get_item(
                TableName=self.name, Key=wire_key(key), ConsistentRead=True
            )
        found = response.get("Item")
        return decode_item(found) if found is not None else None

    def batch_get(
        self,
        keys: Sequence[Key],
        *,
        attributes: Sequence[str] | None = None,
        consistent: bool = True,
    ) -> list[Item]:
        unique = list(dict.fromkeys(keys))
        found: list[Item] = []
        projection: dict[str, Any] = {}
        if attributes is not None:
            expression = Expression()
            projection = expression.attach(
                {"ProjectionExpression": ", ".join(expression.name(a) for a in attributes)}
            )
        for start in range(0, len(unique), BATCH_GET_MAX):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": [wire_key(key) for key in unique[start : start + BATCH_GET_MAX]],
                    "ConsistentRead": consistent,
                    **projection,
                }
            }
            for attempt in range(BATCH_ATTEMPTS):
                if attempt:
                    time.sleep(_backoff_s(attempt))
                with _translated():
                    response = _answer(self.client.batch_get_item(RequestItems=pending))
                found += [decode_item(item) for item in response["Responses"].get(self.name, [])]
                pending = dict(response.get("UnprocessedKeys") or {})
                if not pending:
                    break
            else:
                raise Unavailable("BatchGetItem kept leaving keys unprocessed")
        return found

    def query(
        self,
        pk: str,
        *,
        prefix: str | None = None,
        below: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        consistent: bool = True,
    ) -> Iterator[Item]:
        expression = Expression()
        condition = f"{expression.name('pk')} = {expression.value(pk)}"
        if prefix is not None and below is not None:
            low, high = expression.value(prefix), expression.value(below)
            condition += f" AND {expression.name('sk')} BETWEEN {low} AND {high}"
        elif prefix is not None:
            condition += f" AND begins_with({expression.name('sk')}, {expression.value(prefix)})"
        elif below is not None:
            condition += f" AND {expression.name('sk')} < {expression.value(below)}"
        request = expression.attach(
            {
                "TableName": self.name,
                "KeyConditionExpression": condition,
                "ConsistentRead": consistent,
                "ScanIndexForward": not newest_first,
            }
        )
        yield from self._pages(
            request,
            limit,
            lambda item: (
                (prefix is None or str(item["sk"]).startswith(prefix))
                and (below is None or str(item["sk"]) < below)
            ),
        )

    def query_index(
        self,
        pk: str,
        *,
        below: str | None = None,
        limit: int | None = None,
        attributes: Sequence[str] | None = None,
    ) -> Iterator[Item]:
        expression = Expression()
        condition = f"{expression.name('gsi1pk')} = {expression.value(pk)}"
        if below is not None:
            condition += f" AND {expression.name('gsi1sk')} < {expression.value(below)}"
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": "gsi1",
            "KeyConditionExpression": condition,
        }
        if attributes is not None:
            query["ProjectionExpression"] = ", ".join(expression.name(a) for a in attributes)
        request = expression.attach(query)
        yield from self._pages(request, limit, lambda _item: True)

    def scan(self, kinds: Collection[str]) -> Iterator[Item]:
        expression = Expression()
        named = expression.name("kind")
        wanted = ", ".join(expression.value(kind) for kind in sorted(kinds))
        request = expression.attach(
            {
                "TableName": self.name,
                "FilterExpression": f"{named} IN ({wanted})",
                "ConsistentRead": True,
            }
        )
        yield from self._pages(request, None, lambda _item: True, operation="scan")

    def _pages(
        self,
        request: dict[str, Any],
        limit: int | None,
        keep: Any,
        operation: str = "query",
    ) -> Iterator[Item]:
        """Follow ``LastEvaluatedKey``; ask one more than ``limit`` per page, because the
        filter ``keep`` may drop a bound item (``BETWEEN`` includes its upper end)."""
        call = getattr(self.client, operation)
        yielded = 0
        while True:
            if limit is not None:
                request["Limit"] = limit - yielded + 1
            with _translated():
                response = _answer(call(**request))
            for raw in response.get("Items", []):
                item = decode_item(raw)
                if not keep(item):
                    continue
                yield item
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    # -- writes --------------------------------------------------------------
    def write(self, write: Write) -> None:
        kind, request = request_for(write, self.name)
        call: Any = getattr(self.client, _SINGLE_WRITES[kind])
        try:
            with _translated(conditional=True):
                call(**request)
        except _ConditionFailed as exc:
            raise ConditionFailed(f"{write.label or kind}: condition failed") from exc.cause

    def transact(self, items: Sequence[TransactItem], token: str | None = None) -> None:
        entries = [dict([request_for(item, self.name)]) for item in items]
        request: dict[str, Any] = {"TransactItems": entries}
        if token is not None:
            request["ClientRequestToken"] = token
        try:
            self.client.transact_write_items(**request)
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                if _code(exc) in TRANSIENT:
                    raise Unavailable(_code(exc)) from exc
                if _code(exc) == "ValidationException":  # e.g. one item twice: our bug
                    raise ValueError(exc.response.get("Error", {}).get("Message", "")) from exc
                raise
            reasons = exc.response.get("CancellationReasons") or []
            failed = [
                Reason(item.label, str(reason.get("Code")))
                for item, reason in zip(items, reasons, strict=False)
                if reason.get("Code") not in (None, "None")
            ]
            raise TransactionCancelled(failed) from exc
        except BotoCoreError as exc:
            raise Unavailable(f"no answer: {exc!r}") from exc

    def batch_put(self, items: Sequence[Item]) -> None:
        for start in range(0, len(items), BATCH_WRITE_MAX):
            pending: dict[str, Any] = {
                self.name: [
                    {"PutRequest": {"Item": encode_item(item)}}
                    for item in items[start : start + BATCH_WRITE_MAX]
                ]
            }
            for attempt in range(BATCH_ATTEMPTS):
                if attempt:
                    time.sleep(_backoff_s(attempt))
                with _translated():
                    response = self.client.batch_write_item(RequestItems=pending)
                pending = dict(response.get("UnprocessedItems") or {})
                if not pending:
                    break
            else:
                raise Unavailable("BatchWriteItem kept leaving items unprocessed")

    def dump_items(self) -> list[Item]:
        """Every item (a full, strongly consistent scan): for tests and exports, not for paths
        a member waits on."""
        request: dict[str, Any] = {"TableName": self.name, "ConsistentRead": True}
        return list(self._pages(request, None, lambda _item: True, operation="scan"))

    def raw(self) -> DynamoDBClient:
        """The client (benchmarks count its requests; tests install fault hooks on it)."""
        return self.client


RAW_READS = ("BatchGetItem", "Query", "Scan")
"""Bulk reads whose successful answers we parse ourselves (:func:`_keep_raw_body`)."""
RAW_BODY = "JifenRawBody"


def _keep_raw_body(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Keep a successful bulk read's body for ``json.loads`` and hand botocore's parser an
    empty one: its parser costs as much CPU again as the decode, and the compute step's
    member reads at millions of members are bound by that CPU (bench/load.py). Errors
    are left to botocore (its retries and error codes need them parsed)."""
    if response_dict.get("status_code") == 200:
        customized_response_dict[RAW_BODY] = response_dict["body"]
        response_dict["body"] = b"{}"


def _answer(response: Any) -> dict[str, Any]:
    """A bulk read's answer: the body we kept, parsed; or botocore's parse."""
    raw = response.get(RAW_BODY)
    return dict(response) if raw is None else dict(json.loads(raw))


def _backoff_s(attempt: int) -> float:
    """DynamoDB asks callers to back off before resending what it left unprocessed
    (seconds of sleep, not money: 50 ms doubling, at most one second)."""
    return min(1000, 50 << max(0, attempt - 1)) / 1000


_SINGLE_WRITES = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


class _ConditionFailed(Exception):
    def __init__(self, cause: ClientError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@contextlib.contextmanager
def _translated(*, conditional: bool = False) -> Iterator[None]:
    """Map botocore's errors to the port's: transient ones to :class:`Unavailable`."""
    try:
        yield
    except ClientError as exc:
        code = _code(exc)
        if conditional and code == "ConditionalCheckFailedException":
            raise _ConditionFailed(exc) from exc
        if code in TRANSIENT:
            raise Unavailable(code) from exc
        raise
    except BotoCoreError as exc:
        raise Unavailable(f"no answer: {exc!r}") from exc
