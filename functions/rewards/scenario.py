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
from .events import Event, parse_event
from .report import MemberLine, RejectionRow, SettlementRow, Totals


class ScenarioBackend(Protocol):
    """Where events are applied; each call applies fully or raises :class:`Rejected`."""

    def apply(self, event: Event, event_id: str) -> SettlementRow | None: ...

    def member_lines(self) -> Iterable[MemberLine]: ...

    def totals(self) -> Totals: ...


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def decode_line(text: str) -> object:
    """Decode one JSON line; JSON numbers become Decimal (and are then refused as amounts)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise Rejected(RejectCode.INVALID_EVENT, f"not valid JSON: {exc}") from None


def event_id_for(line: int) -> str:
    """The idempotency key of a scripted event: its position in the history."""
    return f"line-{line}"


def run_line(backend: ScenarioBackend, line: int, text: str) -> RejectionRow | SettlementRow | None:
    """Apply one line; blank lines are skipped (``None``), faults become a rejection row."""
    if not text.strip():
        return None
    try:
        event = parse_event(decode_line(text))
        return backend.apply(event, event_id_for(line))
    except Rejected as rejection:
        return RejectionRow(line, rejection.code.value, rejection.message)
