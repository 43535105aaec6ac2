"""The single table as a port: keys, items, conditions and writes, with no DynamoDB types.

Every store in this package (ledger, bot, notification log) is written once against
:class:`Table`; two adapters implement it: :mod:`functions.store.dynamodb_table`
(boto3, the wire protocol, one client per instance) and
:mod:`functions.store.memory_table` (a dict, for fast tests). Both must pass
``tests/contract`` — the conditions, transactions and errors below are exactly the
subset of DynamoDB the stores rely on, so the twin cannot drift from the real thing
unnoticed.

Items are plain dicts of :data:`Value`: ``str``, ``int`` (stored as ``N``; we never
store anything else as a number), ``bool``, ``bytes``, ``None``, lists and string-keyed
maps of those. Every item carries ``pk`` and ``sk``; items on the member listing or a
withdrawal queue also carry the sparse ``gsi1pk``/``gsi1sk`` of the one index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Value = str | int | bool | bytes | None | list["Value"] | dict[str, "Value"]
Item = dict[str, Value]


@dataclass(frozen=True, slots=True, order=True)
class Key:
    pk: str
    sk: str

    def of(self, item: Mapping[str, Value]) -> bool:
        return item.get("pk") == self.pk and item.get("sk") == self.sk


def key_of(item: Mapping[str, Value]) -> Key:
    pk, sk = item["pk"], item["sk"]
    if not isinstance(pk, str) or not isinstance(sk, str):
        raise ValueError(f"an item needs string keys, got {pk!r} / {sk!r}")
    return Key(pk, sk)


# -- conditions ---------------------------------------------------------------------

Op = Literal["=", "<>", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Exists:
    """The item exists."""


@dataclass(frozen=True, slots=True)
class Absent:
    """The item does not exist (a put that must create)."""


@dataclass(frozen=True, slots=True)
class HasAttr:
    name: str


@dataclass(frozen=True, slots=True)
class LacksAttr:
    name: str


@dataclass(frozen=True, slots=True)
class Compare:
    """``name op value``; false when the attribute is missing (whatever ``op``)."""

    name: str
    op: Op
    value: Value


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = Exists | Absent | HasAttr | LacksAttr | Compare | AllOf | AnyOf


def all_of(*conditions: Condition | None) -> Condition | None:
    kept = tuple(condition for condition in conditions if condition is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AllOf(kept)


def any_of(*conditions: Condition) -> Condition:
    return conditions[0] if len(conditions) == 1 else AnyOf(tuple(conditions))


def eq(name: str, value: Value) -> Compare:
    return Compare(name, "=", value)


# -- writes -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Put:
    """Create or replace ``item`` (its key is in it)."""

    item: Item
    condition: Condition | None = None
    label: str = ""

    @property
    def key(self) -> Key:
        return key_of(self.item)


@dataclass(frozen=True, slots=True)
class Update:
    """``SET`` (``None`` removes), ``ADD`` integers; creates the item if absent unless the
    condition requires it to exist."""

    key: Key
    set: Mapping[str, Value] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)
    condition: Condition | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Delete:
    key: Key
    condition: Condition | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """A condition on an item another write does not touch (transactions only)."""

    key: Key
    condition: Condition
    label: str = ""


Write = Put | Update | Delete
TransactItem = Put | Update | Delete | Check

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit on one ``TransactWriteItems``."""


# -- errors -------------------------------------------------------------------------


class TableError(Exception):
    """Base of what a table raises on purpose."""


class ConditionFailed(TableError):
    """A single write's condition was false; nothing was written."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one item of a cancelled transaction failed (``label`` from the request)."""

    label: str
    code: str
    """``ConditionalCheckFailed``, ``TransactionConflict``, or a throttling code."""


class TransactionCancelled(TableError):
    """A transaction was cancelled; ``reasons`` lists the items that failed and why."""

    def __init__(self, reasons: Sequence[Reason]) -> None:
        super().__init__(", ".join(f"{reason.label}: {reason.code}" for reason in reasons))
        self.reasons = tuple(reasons)


class Unavailable(TableError):
    """No answer, or a transient refusal (throttling, a service error) after retries.

    The write may or may not have happened; a transaction repeated with the same
    token is applied at most once.
    """


# -- the port -----------------------------------------------------------------------


class Table(Protocol):
    """One table: ``pk``/``sk`` keys, the sparse index ``gsi1``, conditional writes."""

    name: str

    def get(self, key: Key) -> Item | None:
        """The item (strongly consistent), or None."""
        ...

    def batch_get(
        self,
        keys: Sequence[Key],
        *,
        attributes: Sequence[str] | None = None,
        consistent: bool = True,
    ) -> list[Item]:
        """Every item found among ``keys`` (strongly consistent unless told), in no set
        order; only ``attributes`` of each when given."""
        ...

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
        """Items of partition ``pk`` in ``sk`` order, whose ``sk`` starts with ``prefix``
        and, when given, sorts below ``below``."""
        ...

    def query_index(
        self,
        pk: str,
        *,
        below: str | None = None,
        limit: int | None = None,
        attributes: Sequence[str] | None = None,
    ) -> Iterator[Item]:
        """Items whose ``gsi1pk`` is ``pk`` in ``gsi1sk`` order (eventually consistent),
        ``gsi1sk`` below ``below`` when given; only ``attributes`` of each when given
        (a ``ProjectionExpression``: fewer bytes on the wire and to decode)."""
        ...

    def scan(self, kinds: Collection[str]) -> Iterator[Item]:
        """Every item whose ``kind`` is one of ``kinds`` (a full read of the table)."""
        ...

    def write(self, write: Write) -> None:
        """One conditional write; :class:`ConditionFailed` when its condition is false."""
        ...

    def transact(self, items: Sequence[TransactItem], token: str | None = None) -> None:
        """All or nothing; :class:`TransactionCancelled` names the items that failed.

        ``token`` (≤ 36 characters) makes a repeat of the same request within
        minutes a no-op, as DynamoDB's ``ClientRequestToken`` does.
        """
        ...

    def batch_put(self, items: Sequence[Item]) -> None:
        """Unconditional puts, sent in batches of 25 (resending what was unprocessed)."""
        ...
