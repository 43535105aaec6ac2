"""What a candidate plan changes against the one in effect: key, before, after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .plan import Plan, canonical_plan_text


def _flatten(value: Any, path: str, into: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            _flatten(inner, f"{path}[{position}]", into)
    else:
        into[path] = "null" if value is None else str(value)


def plan_changes(before: Plan, after: Plan) -> list[tuple[str, str, str]]:
    """``(key, before, after)`` for every parameter that differs ("-" where absent)."""
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    _flatten(json.loads(canonical_plan_text(before)), "", old)
    _flatten(json.loads(canonical_plan_text(after)), "", new)
    return [
        (key, old.get(key, "-"), new.get(key, "-"))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]
