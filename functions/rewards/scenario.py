"""Scenario runs: a plan plus a JSON Lines history in, the stable report out.

The runner decodes and validates each line and hands the event to a backend —
the in-memory :class:`~functions.rewards.book.MemoryBook` or the DynamoDB
services — so a scenario exercises exactly the code the live system runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from .errors import RejectCode, Rejected
from .events import Event, PublishPlan, parse_event
from .plan import Plan
from .report import MemberLine, RejectionRow, SettlementRow, Totals
from .versions import PlanHistory


class ScenarioBackend(Protocol):
    """Where events are applied; each call applies fully or raises :class:`Rejected`."""

    def apply(self, event: Event, event_id: str) -> SettlementRow | None: ...

    def member_lines(self) -> Iterable[MemberLine]: ...

    def totals(self) -> Totals: ...

    def current_plan(self) -> Plan:
        """The version in effect on the current business date (the report's ``plan``)."""
        ...

    def plan_history(self) -> PlanHistory: ...

    def program_sections(self) -> list[tuple[str, object]]:
        """The engagement programs' report sections (issue 13; empty without programs)."""
        ...


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def decode_line(text: str) -> object:
    """Decode one JSON line; JSON numbers become Decimal (and are then refused as amounts)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise Rejected(RejectCode.INVALID_EVENT, f"not valid JSON: {exc}") from None


def _refuse_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise Rejected(RejectCode.INVALID_EVENT, f"key {key!r} is given twice in one object")
        found[key] = value
    return found


def refuse_duplicate_keys(text: str) -> None:
    """A plan event's object must not give a key twice (JSON would keep the last one).

    Checked only for plan events, so other events decode as fast (and as leniently)
    as they always did.
    """
    json.loads(
        text,
        parse_float=Decimal,
        parse_constant=_no_constants,
        object_pairs_hook=_refuse_duplicates,
    )


def event_id_for(line: int) -> str:
    """The idempotency key of a scripted event: its position in the history."""
    return f"line-{line}"


def run_line(backend: ScenarioBackend, line: int, text: str) -> RejectionRow | SettlementRow | None:
    """Apply one line; blank lines are skipped (``None``), faults become a rejection row."""
    if not text.strip():
        return None
    try:
        event = parse_event(decode_line(text))
        if isinstance(event, PublishPlan):
            refuse_duplicate_keys(text)
        return backend.apply(event, event_id_for(line))
    except Rejected as rejection:
        return RejectionRow(line, rejection.code.value, rejection.message)
