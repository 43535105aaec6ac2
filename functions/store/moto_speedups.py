"""Make moto's TransactWriteItems cost O(items in the transaction), not O(table).

moto 5 backs up a transaction by deep-copying the *whole table*, once per
item in the transaction, so every transaction slows down as the table grows
(a few hundred members made each one take ~1 s). This keeps moto's own
transaction logic and replaces only the backup: the table copy becomes a
no-op, and the items the transaction touches are snapshotted beforehand and
put back (or removed) if moto rolls back. Used only by the embedded endpoint.
"""

from __future__ import annotations

import copy
import types
from typing import Any

_APPLIED = False


def apply() -> None:
    """Install the faster backup once per process (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models.table import Table

    def shallow_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            return value  # the rollback below restores the touched items instead
        return copy.deepcopy(value, memo)

    shim = types.SimpleNamespace(**{name: getattr(copy, name) for name in ("copy", "Error")})
    shim.deepcopy = shallow_deepcopy
    setattr(dynamodb_models, "copy", shim)  # noqa: B010 - swap the module moto looks up

    backend_class = dynamodb_models.DynamoDBBackend
    original = backend_class.transact_write_items

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
    _APPLIED = True
