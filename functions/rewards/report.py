"""The scenario report (SCENARIOS.md "Output"): its rows and a streaming renderer.

The document is written piece by piece so a run over millions of members or
events never holds the whole text in memory. Field names are a stable
interface: add fields, never rename or drop them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TextIO

from .money import Cents, format_cents, mul_floor


@dataclass(frozen=True, slots=True)
class MemberLine:
    name: str
    available: Cents
    locked: Cents
    released: Cents
    forfeited: Cents
    personal_volume: Cents
    team_volume: Cents
    level: str | None
    frozen: bool
    withdrawn_cash: Cents
    commission: Cents
    extra: Mapping[str, object] = field(default_factory=dict)
    """Fields of the engagement programs the plan runs (issue 13), already in JSON form."""
    economics: Mapping[str, object] | None = None
    """Fields of the economics controls a history uses (issue 12), already in JSON form."""

    def as_json(self) -> dict[str, object]:
        return {
            "available": format_cents(self.available),
            "locked": format_cents(self.locked),
            "released": format_cents(self.released),
            "forfeited": format_cents(self.forfeited),
            "personal_volume": format_cents(self.personal_volume),
            "team_volume": format_cents(self.team_volume),
            "level": self.level,
            "frozen": self.frozen,
            "withdrawn_cash": format_cents(self.withdrawn_cash),
            "commission": format_cents(self.commission),
            **self.extra,
            **(self.economics or {}),
        }


@dataclass(frozen=True, slots=True)
class Totals:
    granted: Cents
    released: Cents
    forfeited: Cents
    locked: Cents
    circulating: Cents
    burned: Cents
    reserve: Cents
    price: Fraction | None
    withdrawn_cash: Cents
    fees: Cents
    commission: Cents
    extra: Mapping[str, object] = field(default_factory=dict)
    """Totals of the engagement programs the plan runs (issue 13), already in JSON form."""
    economics: Mapping[str, object] | None = None
    """Totals of the economics controls a history uses (issue 12), in JSON form."""

    def as_json(self) -> dict[str, object]:
        return {
            "granted": format_cents(self.granted),
            "released": format_cents(self.released),
            "forfeited": format_cents(self.forfeited),
            "locked": format_cents(self.locked),
            "circulating": format_cents(self.circulating),
            "burned": format_cents(self.burned),
            "reserve": format_cents(self.reserve),
            "price": None if self.price is None else format_cents(mul_floor(100, self.price)),
            "withdrawn_cash": format_cents(self.withdrawn_cash),
            "fees": format_cents(self.fees),
            "commission": format_cents(self.commission),
            **self.extra,
            **(self.economics or {}),
        }


@dataclass(frozen=True, slots=True)
class SettlementRow:
    date: str
    status: str  # "settled" | "already_settled"
    static: Cents = 0
    share: Cents = 0
    team: Cents = 0
    peer: Cents = 0
    paid: Cents = 0
    forfeited: Cents = 0
    members: int = 0
    extra: Mapping[str, object] = field(default_factory=dict)
    """The staking step's figures when the plan stakes (issue 13), already in JSON form."""
    economics: Mapping[str, object] | None = None
    """The run's economics fields (issue 12: throttle, gated, pools) when its plan has them."""

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date,
            "status": self.status,
            "static": format_cents(self.static),
            "share": format_cents(self.share),
            "team": format_cents(self.team),
            "peer": format_cents(self.peer),
            "paid": format_cents(self.paid),
            "forfeited": format_cents(self.forfeited),
            "members": self.members,
            **self.extra,
            **(self.economics or {}),
        }


@dataclass(frozen=True, slots=True)
class RejectionRow:
    line: int
    code: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "code": self.code, "message": self.message}


def _dump(value: object, indent: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + " " * indent)


def write_report(
    out: TextIO,
    *,
    plan: str,
    members: Iterable[MemberLine],
    totals: Totals,
    settlements: Iterable[Mapping[str, object]],
    rejected: Iterable[Mapping[str, object]],
    plan_versions: Iterable[Mapping[str, object]] | None = None,
    sections: Iterable[tuple[str, object]] = (),
) -> None:
    """Write the whole report as indented JSON, streaming every list.

    ``settlements`` and ``rejected`` are rows already in JSON form
    (``row.as_json()``), so callers may spool them to disk between events.
    ``plan_versions`` (a history with plan events only) follows ``plan``; ``sections``
    (the engagement programs' month closes and catalog, issue 13) follow ``settlements``.
    """
    out.write("{\n")
    out.write(f'  "plan": {json.dumps(plan, ensure_ascii=False)},\n')
    if plan_versions is not None:
        out.write(f'  "plan_versions": {_dump(list(plan_versions), 2)},\n')
    out.write('  "members": {')
    separator = "\n"
    for member in members:
        out.write(f"{separator}    {json.dumps(member.name, ensure_ascii=False)}: ")
        out.write(_dump(member.as_json(), 4))
        separator = ",\n"
    out.write("\n  },\n" if separator == ",\n" else "},\n")
    out.write(f'  "totals": {_dump(totals.as_json(), 2)},\n')
    for key, rows, last in (("settlements", settlements, False), ("rejected", rejected, True)):
        out.write(f'  "{key}": [')
        separator = "\n"
        for row in rows:
            out.write(f"{separator}    {_dump(row, 4)}")
            separator = ",\n"
        out.write("\n  ]" if separator == ",\n" else "]")
        out.write("\n" if last else ",\n")
        if key == "settlements":
            for name, value in sections:
                out.write(f'  "{name}": {_dump(value, 2)},\n')
    out.write("}\n")
