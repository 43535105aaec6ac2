"""The embedded endpoint's fast path for the flat updates the store sends (``SET #n = :v``,
``ADD #n :v``): applied directly under moto's own condition check and one size check,
anything else handed to moto; and the index listings grouped once per table state.

Part of :mod:`local.moto_speedups` (which checks every moto internal it replaces at
start-up); ``tests/integration/test_local_endpoint.py`` compares it with moto's own update.
"""

from __future__ import annotations

import functools
import re
from typing import Any

SET_ITEM = r"#n\d+ = :v\d+"
ADD_ITEM = r"#n\d+ :v\d+"
SIMPLE_UPDATE = re.compile(
    rf"(?:SET (?P<set>{SET_ITEM}(?:, {SET_ITEM})*))?"
    r"(?: ?REMOVE (?P<remove>#n\d+(?:, #n\d+)*))?"
    rf"(?: ?ADD (?P<add>{ADD_ITEM}(?:, {ADD_ITEM})*))?"
)
ITEM_LIMIT = 405_000
"""moto's item size limit (LimitedSizeDict)."""


def simple_update(
    table: Any,
    models: Any,
    exceptions: Any,
    dynamo_type: Any,
    key: dict[str, Any],
    update_expression: str | None = None,
    expression_attribute_names: dict[str, str] | None = None,
    expression_attribute_values: dict[str, Any] | None = None,
    attribute_updates: Any = None,
    expected: Any = None,
    condition_expression: str | None = None,
    return_values_on_condition_check_failure: str | None = None,
) -> Any:
    """moto's ``update_item`` for the expressions the store writes, or None to let moto run.

    The store's updates are flat: ``SET #n = :v, …``, ``REMOVE #n, …``, ``ADD #n :v, …``
    (numbers) on an existing item. moto validates such an expression with ten passes over
    its syntax tree and re-checks the item's size after every attribute; this applies the
    same changes with one size check, under the same condition (moto's own parser and
    evaluator), and hands anything else — a new item, a key attribute, an empty or
    mistyped index key, a non-numeric ADD, other syntax — to moto unchanged.
    """
    if attribute_updates or expected or not update_expression:
        return None
    match = SIMPLE_UPDATE.fullmatch(update_expression)
    names = expression_attribute_names or {}
    values = expression_attribute_values or {}
    if match is None:
        return None
    sets = [part.split(" = ") for part in (match["set"] or "").split(", ") if part]
    removes = [part for part in (match["remove"] or "").split(", ") if part]
    adds = [part.split(" ") for part in (match["add"] or "").split(", ") if part]
    placeholders = [n for n, _ in sets] + removes + [n for n, _ in adds]
    if any(n not in names for n in placeholders):
        return None
    if any(v not in values for _, v in sets + adds):
        return None
    targets = [names[n] for n in placeholders]
    if len(set(targets)) != len(targets) or set(targets) & set(table.table_key_attrs):
        return None
    index_keys = set(table.attribute_keys)
    for n, v in sets:
        if names[n] in index_keys and (set(values[v]) != {"S"} or values[v]["S"] == ""):
            return None
    if any(set(values[v]) != {"N"} for _, v in adds):
        return None
    hash_value = dynamo_type(key[table.hash_key_attr])
    range_value = dynamo_type(key[table.range_key_attr]) if table.range_key_attr else None
    item = table.get_item(hash_value, range_value)
    if item is None:
        return None
    for n, _v in adds:
        current = item.attrs.get(names[n])
        if current is not None and current.type != "N":
            return None
    condition = models.get_filter_expression(condition_expression, names, values)
    if not condition.expr(item):
        if return_values_on_condition_check_failure == "ALL_OLD":
            raise exceptions.ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise exceptions.ConditionalCheckFailed
    updated = dict(item.attrs)
    for n, v in sets:
        updated[names[n]] = dynamo_type(values[v])
    for n in removes:
        updated.pop(names[n], None)
    for n, v in adds:
        delta = dynamo_type(values[v])
        current = updated.get(names[n])
        updated[names[n]] = delta if current is None else current + delta
    size = sum(models_bytesize(name) + value.size() for name, value in updated.items())
    if size > ITEM_LIMIT:
        raise exceptions.ItemSizeToUpdateTooLarge()
    dict.clear(item.attrs)
    dict.update(item.attrs, updated)
    return item


def models_bytesize(text: str) -> int:
    return len(text.encode("utf-8"))


GENERATION = [0]
_PARTITIONS: dict[tuple[int, str], tuple[int, dict[Any, list[Any]]]] = {}


def bumping(method: Any) -> Any:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        GENERATION[0] += 1
        try:
            return method(*args, **kwargs)
        finally:
            GENERATION[0] += 1

    return write


def index_partition(table: Any, attribute: str, value: Any) -> list[Any]:
    """The table's items whose ``attribute`` equals ``value``, in table order (one pass
    over the table per table state and attribute, shared by the queries in between)."""
    key = (id(table), attribute)
    cached = _PARTITIONS.get(key)
    if cached is None or cached[0] != GENERATION[0]:
        groups: dict[Any, list[Any]] = {}
        for hash_set in table.items.values():
            for item in hash_set.values():
                found = item.attrs.get(attribute)
                if found is not None:
                    groups.setdefault(found, []).append(item)
        cached = (GENERATION[0], groups)
        _PARTITIONS[key] = cached
    return list(cached[1].get(value, ()))
