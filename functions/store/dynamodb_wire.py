"""DynamoDB's wire format for the table port: attribute values, expressions, requests.

Every value we store is a string, an integer (of hundredths, or a count), a boolean,
bytes, null, or a list or map of those; :func:`decode` refuses an ``N`` that is not
an integer, so no float or ``Decimal`` ever reaches the ledger. Attribute names and
values always go through placeholders (``#n0``, ``:v0``): nothing a member typed is
ever spliced into an expression.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .table import (
    Absent,
    AllOf,
    AnyOf,
    Check,
    Compare,
    Condition,
    Delete,
    Exists,
    HasAttr,
    Item,
    Key,
    LacksAttr,
    Put,
    TransactItem,
    Update,
    Value,
)


def encode(value: Value) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(int(value))}
    if isinstance(value, str):
        return {"S": str(value)}
    if isinstance(value, bytes):
        return {"B": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list):
        return {"L": [encode(inner) for inner in value]}
    if isinstance(value, dict):
        return {"M": {name: encode(inner) for name, inner in value.items()}}
    raise TypeError(f"cannot store {type(value).__name__} (amounts are integers of hundredths)")


def decode(attribute: Mapping[str, Any]) -> Value:
    """A DynamoDB attribute value as Python; ``N`` must hold an integer."""
    ((kind, raw),) = attribute.items()
    if kind == "S":
        return str(raw)
    if kind == "N":
        text = str(raw)
        if not text.lstrip("-").isdigit():
            raise ValueError(f"non-integer number {text!r} in the table")
        return int(text)
    if kind == "BOOL":
        return bool(raw)
    if kind == "B":  # bytes from botocore's parser, base64 text in a raw JSON body
        return bytes(raw) if isinstance(raw, bytes | bytearray) else base64.b64decode(raw)
    if kind == "NULL":
        return None
    if kind == "L":
        return [decode(inner) for inner in raw]
    if kind == "M":
        return {name: decode(inner) for name, inner in raw.items()}
    raise ValueError(f"unsupported attribute type {kind!r}")


def encode_item(item: Mapping[str, Value]) -> dict[str, Any]:
    return {name: encode(value) for name, value in item.items()}


def decode_item(item: Mapping[str, Any]) -> Item:
    return {name: decode(value) for name, value in item.items()}


def wire_key(key: Key) -> dict[str, Any]:
    return {"pk": {"S": key.pk}, "sk": {"S": key.sk}}


class Expression:
    """Placeholders for one request's expressions (``#n0``, ``:v0``…)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Value) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = encode(value)
        return placeholder

    def condition(self, condition: Condition) -> str:
        match condition:
            case Exists():
                return f"attribute_exists({self.name('pk')})"
            case Absent():
                return f"attribute_not_exists({self.name('pk')})"
            case HasAttr(attribute):
                return f"attribute_exists({self.name(attribute)})"
            case LacksAttr(attribute):
                return f"attribute_not_exists({self.name(attribute)})"
            case Compare(attribute, op, value):
                # a missing attribute makes every comparison false, as on the port
                named = self.name(attribute)
                return f"(attribute_exists({named}) AND {named} {op} {self.value(value)})"
            case AllOf(conditions):
                return "(" + " AND ".join(self.condition(inner) for inner in conditions) + ")"
            case AnyOf(conditions):
                return "(" + " OR ".join(self.condition(inner) for inner in conditions) + ")"
        raise ValueError(f"unknown condition {condition!r}")

    def update(self, update: Update) -> str:
        sets = [
            f"{self.name(attribute)} = {self.value(value)}"
            for attribute, value in update.set.items()
            if value is not None
        ]
        removes = [self.name(attribute) for attribute, value in update.set.items() if value is None]
        adds = [
            f"{self.name(attribute)} {self.value(delta)}" for attribute, delta in update.add.items()
        ]
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        if adds:
            clauses.append("ADD " + ", ".join(adds))
        if not clauses:
            raise ValueError(f"an update of {update.key} changes nothing")
        return " ".join(clauses)

    def attach(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            request["ExpressionAttributeValues"] = dict(self.values)
        return request


def request_for(item: TransactItem, table: str) -> tuple[str, dict[str, Any]]:
    """The ``TransactWriteItems`` entry (or single-write request) for one write."""
    expression = Expression()
    request: dict[str, Any] = {"TableName": table}
    if isinstance(item, Put):
        request["Item"] = encode_item(item.item)
        kind = "Put"
    else:
        request["Key"] = wire_key(item.key)
        kind = {Update: "Update", Delete: "Delete", Check: "ConditionCheck"}[type(item)]
    if isinstance(item, Update):
        request["UpdateExpression"] = expression.update(item)
    if item.condition is not None:
        request["ConditionExpression"] = expression.condition(item.condition)
    return kind, expression.attach(request)
