"""Make moto's TransactWriteItems cost O(items in the transaction), not O(table); and a
Query of the table (not an index) cost O(its partition), not O(table log table).

moto 5 backs up a transaction by deep-copying the *whole table*, once per
item in the transaction, so every transaction slows down as the table grows
(a few hundred members made each one take ~1 s). This keeps moto's own
transaction logic and replaces only the backup: the table copy becomes a
no-op, and the items the transaction touches are snapshotted beforehand and
put back (or removed) if moto rolls back. Used only by the embedded endpoint.

moto 5 also answers every ``Query`` by sorting *every item of the table* and filtering
on the partition key (about 150 ms per query at 20,000 items: a page of the web side
reads a few partitions, so it took seconds with 10,000 members). For a query on the
table's own keys, moto's query now sees only the partition's items (its own dict of
them); an index query sees only the items whose index partition key matches (one pass
over the table, no sort of it). Everything after that — conditions, order, limits,
pages — is moto's. The endpoint serves one request at a time behind its lock, so the
per-call view is never shared.

The patch reaches into moto's internals, so it first checks that every name it
replaces or relies on is still there (:func:`check_patch_targets`): after a moto
upgrade that renamed one, the endpoint refuses to start, naming the missing piece
and moto's version, instead of silently running slow (or wrong).
"""

from __future__ import annotations

import copy
import functools
import inspect
import types
from typing import Any

_APPLIED = False


class MotoPatchError(RuntimeError):
    """moto no longer has a name this patch replaces or calls (an upgrade changed it)."""


def _moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # metadata missing: still say which check failed
        return "unknown"


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise MotoPatchError(
            f"local/moto_speedups.py cannot patch moto {_moto_version()}: {what}. "
            "Update the patch for this moto version (or pin moto to a version it supports)."
        )


def check_patch_targets(dynamodb_models: Any, table_class: Any) -> None:
    """Raise :class:`MotoPatchError` unless every name the patch touches exists as expected."""
    _require(
        callable(getattr(getattr(dynamodb_models, "copy", None), "deepcopy", None)),
        "moto.dynamodb.models no longer imports the `copy` module the patch swaps",
    )
    backend: Any = getattr(dynamodb_models, "DynamoDBBackend", None)
    _require(backend is not None, "moto.dynamodb.models.DynamoDBBackend is gone")
    for method in ("transact_write_items", "get_item", "put_item", "delete_item"):
        _require(callable(getattr(backend, method, None)), f"DynamoDBBackend.{method} is gone")
    original = inspect.unwrap(backend.transact_write_items)  # moto's own, if already patched
    names = getattr(getattr(original, "__code__", None), "co_names", ())
    _require(
        "copy" in names and "deepcopy" in names,
        "DynamoDBBackend.transact_write_items no longer backs up tables with copy.deepcopy",
    )
    _require(isinstance(table_class, type), "moto.dynamodb.models.table.Table is gone")
    for method in ("query", "all_items"):
        _require(callable(getattr(table_class, method, None)), f"Table.{method} is gone")
    _require(
        "index_name" in inspect.signature(table_class.query).parameters,
        "Table.query no longer takes index_name",
    )
    query_names = getattr(inspect.unwrap(table_class.query), "__code__", None)
    _require(
        query_names is not None and "all_items" in query_names.co_names,
        "Table.query no longer finds its candidates through all_items()",
    )


def apply() -> None:
    """Install the faster backup once per process (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import table as table_module

    table_class: Any = getattr(table_module, "Table", None)
    check_patch_targets(dynamodb_models, table_class)

    def shallow_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, table_class):
            return value  # the rollback below restores the touched items instead
        return copy.deepcopy(value, memo)

    shim = types.SimpleNamespace(**{name: getattr(copy, name) for name in ("copy", "Error")})
    shim.deepcopy = shallow_deepcopy
    setattr(dynamodb_models, "copy", shim)  # noqa: B010 - swap the module moto looks up

    backend_class = dynamodb_models.DynamoDBBackend
    original = backend_class.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots: list[tuple[str, dict[str, Any], Any]] = []
        for entry in transact_items:
            for _op_type, op in entry.items():
                table_name = op.get("TableName")
                if table_name not in self.tables:
                    continue
                table = self.tables[table_name]
                key = op.get("Key")
                if key is None and "Item" in op:
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                if key is None:
                    continue
                current = self.get_item(table_name, key)
                snapshots.append((table_name, key, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(snapshots):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise

    setattr(backend_class, "transact_write_items", transact_write_items)  # noqa: B010

    original_query = table_class.query
    signature = inspect.signature(original_query)

    @functools.wraps(original_query)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(self, hash_key, *args, **kwargs).arguments
        if not self.range_key_attr:
            return original_query(self, hash_key, *args, **kwargs)
        if bound.get("index_name"):
            # an index: moto checks every item anyway; hand it only those whose index
            # partition key matches (one pass, no sort of the whole table)
            conditions = list(bound.get("hash_key_conditions") or ())
            if len(conditions) != 1:
                return original_query(self, hash_key, *args, **kwargs)
            attribute, value = conditions[0]
            found = [
                item
                for hash_set in self.items.values()
                for item in hash_set.values()
                if attribute in item.attrs and item.attrs[attribute] == value
            ]
            self.all_items = lambda: found  # this call's view only
        elif hash_key is not None:
            partition = self.items.get(hash_key) or {}
            self.all_items = lambda: list(partition.values())  # this call's view only
        else:
            return original_query(self, hash_key, *args, **kwargs)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    setattr(table_class, "query", query)  # noqa: B010
    _APPLIED = True
