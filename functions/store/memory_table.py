"""The in-memory twin of the table: the same keys, conditions and transactions, in a dict.

Service tests run on it in milliseconds; ``tests/contract`` runs the same cases on it
and on the DynamoDB adapter, so what it accepts and refuses is what DynamoDB does for
the operations the stores use. It keeps DynamoDB's rules that matter to correctness:
a transaction is all or nothing and names the items that failed; two writes to one item
in one transaction are refused; a repeated client request token is a no-op; a
comparison with a missing attribute is false. It is consistent at once (real GSI reads
lag), and one lock makes it safe for threads.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence

from .table import (
    MAX_TRANSACTION_ITEMS,
    Absent,
    AllOf,
    AnyOf,
    Check,
    Compare,
    Condition,
    ConditionFailed,
    Delete,
    Exists,
    HasAttr,
    Item,
    Key,
    LacksAttr,
    Put,
    Reason,
    TransactionCancelled,
    TransactItem,
    Value,
    Write,
    key_of,
)


def holds(condition: Condition | None, item: Mapping[str, Value] | None) -> bool:
    """Whether ``condition`` is true of ``item`` (None: the item does not exist)."""
    match condition:
        case None:
            return True
        case Exists():
            return item is not None
        case Absent():
            return item is None
        case HasAttr(name):
            return item is not None and name in item
        case LacksAttr(name):
            return item is None or name not in item
        case Compare(name, op, value):
            if item is None or name not in item:
                return False
            return _compare(item[name], op, value)
        case AllOf(conditions):
            return all(holds(inner, item) for inner in conditions)
        case AnyOf(conditions):
            return any(holds(inner, item) for inner in conditions)
    raise ValueError(f"unknown condition {condition!r}")


def _type(value: Value) -> str:
    """The DynamoDB type a value is stored as (a StrEnum is a string, a bool is not a number)."""
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "N"
    if isinstance(value, str):
        return "S"
    if isinstance(value, bytes):
        return "B"
    if value is None:
        return "NULL"
    return "L" if isinstance(value, list) else "M"


def plain(value: Value) -> Value:
    """``value`` as DynamoDB gives it back: enums become their plain strings and numbers."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, list):
        return [plain(inner) for inner in value]
    return {name: plain(inner) for name, inner in value.items()}


def _compare(left: Value, op: str, right: Value) -> bool:
    """DynamoDB's comparison: values of different types are never equal nor ordered."""
    same = _type(left) == _type(right)
    if op == "=":
        return same and left == right
    if op == "<>":
        return not (same and left == right)
    if not same or _type(left) not in {"N", "S", "B"}:
        return False
    assert isinstance(right, (int, str, bytes))
    match op:
        case "<":
            return left < right  # type: ignore[operator]
        case "<=":
            return left <= right  # type: ignore[operator]
        case ">":
            return left > right  # type: ignore[operator]
        case ">=":
            return left >= right  # type: ignore[operator]
    raise ValueError(f"unknown comparison {op!r}")


class MemoryTable:
    """A :class:`~functions.store.table.Table` held in a dict."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self._items: dict[Key, Item] = {}
        self._tokens: dict[str, tuple[TransactItem, ...]] = {}
        self._lock = threading.RLock()
        self.requests = 0
        """Calls made (tests compare access patterns with the DynamoDB adapter)."""

    # -- reads ---------------------------------------------------------------
    def get(self, key: Key) -> Item | None:
        with self._lock:
            self.requests += 1
            found = self._items.get(key)
            return copy.deepcopy(found) if found is not None else None

    def batch_get(
        self,
        keys: Sequence[Key],
        *,
        attributes: Sequence[str] | None = None,
        consistent: bool = True,
    ) -> list[Item]:
        del consistent  # always consistent
        with self._lock:
            self.requests += 1
            found = [copy.deepcopy(self._items[key]) for key in set(keys) if key in self._items]
        if attributes is not None:
            wanted = set(attributes)
            found = [{name: v for name, v in item.items() if name in wanted} for item in found]
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
        del consistent  # always consistent
        with self._lock:
            self.requests += 1
            found = sorted(
                (key.sk, item)
                for key, item in self._items.items()
                if key.pk == pk
                and (prefix is None or key.sk.startswith(prefix))
                and (below is None or key.sk < below)
            )
            if newest_first:
                found.reverse()
            chosen = [copy.deepcopy(item) for _, item in found[:limit]]
        yield from chosen

    def query_index(
        self,
        pk: str,
        *,
        below: str | None = None,
        limit: int | None = None,
        attributes: Sequence[str] | None = None,
    ) -> Iterator[Item]:
        with self._lock:
            self.requests += 1
            found = sorted(
                (str(item["gsi1sk"]), key, item)
                for key, item in self._items.items()
                if item.get("gsi1pk") == pk
                and isinstance(item.get("gsi1sk"), str)
                and (below is None or str(item["gsi1sk"]) < below)
            )
            chosen = [copy.deepcopy(item) for _, _, item in found[:limit]]
        if attributes is not None:
            wanted = set(attributes)
            chosen = [{name: v for name, v in item.items() if name in wanted} for item in chosen]
        yield from chosen

    def scan(self, kinds: Collection[str]) -> Iterator[Item]:
        with self._lock:
            self.requests += 1
            chosen = [
                copy.deepcopy(item) for item in self._items.values() if item.get("kind") in kinds
            ]
        yield from chosen

    # -- writes --------------------------------------------------------------
    def write(self, write: Write) -> None:
        with self._lock:
            self.requests += 1
            key = _key(write)
            if not holds(write.condition, self._items.get(key)):
                raise ConditionFailed(f"{write.label or key}: condition failed")
            self._apply(write)

    def transact(self, items: Sequence[TransactItem], token: str | None = None) -> None:
        if not items or len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds 1 to {MAX_TRANSACTION_ITEMS} items")
        keys = [_key(item) for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError("a transaction cannot touch one item twice")
        with self._lock:
            self.requests += 1
            if token is not None and token in self._tokens:
                if self._tokens[token] != tuple(items):
                    raise ValueError("client request token reused for a different request")
                return
            failed = [
                Reason(item.label, "ConditionalCheckFailed")
                for item, key in zip(items, keys, strict=True)
                if not holds(item.condition, self._items.get(key))
            ]
            if failed:
                raise TransactionCancelled(failed)
            for item in items:
                if not isinstance(item, Check):
                    self._apply(item)
            if token is not None:
                self._tokens[token] = tuple(items)

    def batch_put(self, items: Sequence[Item]) -> None:
        with self._lock:
            self.requests += 1
            for item in items:
                self._items[key_of(item)] = {name: plain(value) for name, value in item.items()}

    def _apply(self, write: Write) -> None:
        key = _key(write)
        if isinstance(write, Put):
            self._items[key] = {name: plain(value) for name, value in write.item.items()}
        elif isinstance(write, Delete):
            self._items.pop(key, None)
        else:
            item = self._items.setdefault(key, {"pk": key.pk, "sk": key.sk})
            for name, value in write.set.items():
                if value is None:
                    item.pop(name, None)
                else:
                    item[name] = plain(value)
            for name, delta in write.add.items():
                current = item.get(name, 0)
                if not isinstance(current, int) or isinstance(current, bool):
                    raise ValueError(f"ADD to a non-number attribute {name!r}")
                item[name] = current + delta

    # -- inspection ----------------------------------------------------------
    def dump_items(self) -> list[Item]:
        """Every item (copies): what a test compares, or an operator exports."""
        with self._lock:
            return [copy.deepcopy(item) for item in self._items.values()]


def _key(item: TransactItem) -> Key:
    return item.key
