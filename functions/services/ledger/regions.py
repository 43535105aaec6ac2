"""Members' regions in the live system (economics, issue 12: region-scoped dividend pools).

A member's region is given at join and changed only by an operator (``set_region``, a
journal entry of its own). Each member item also counts the cash of the member's orders
by the region each order was counted in (``region_cash``), net of refunds, in the same
transaction as the purchase or the refund; the settlement sums these counters for the
scoped pools, exactly as the book counts cash per region of the buyer at the time of the
order (docs/rules-programs.md, "Dividend pools").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from functions.rewards.decisions import check_member
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents
from functions.store.commit import Commit
from functions.store.records import EntryKind, MemberRecord

from .core import LedgerCore


@dataclass(frozen=True, slots=True)
class RegionResult:
    member: str
    region: str | None

    def to_record(self) -> dict[str, object]:
        return {"member": self.member, "region": self.region}

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> RegionResult:
        member, region = record.get("member"), record.get("region")
        assert isinstance(member, str)
        return cls(member, region if isinstance(region, str) else None)


def region_cash_sets(record: MemberRecord, region: str | None, cash: Cents) -> dict[str, object]:
    """The member's ``region_cash`` after ``cash`` more (or less) counted in ``region``."""
    if region is None or not cash:
        return {}
    counted: dict[str, int] = json.loads(record.region_cash) if record.region_cash else {}
    counted[region] = counted.get(region, 0) + cash
    return {"region_cash": json.dumps(counted, sort_keys=True)}


def region_sales(counted: Iterable[str]) -> dict[str, Cents]:
    """Cumulative cash per region over the members' ``region_cash`` (the settlement's
    scoped pools)."""
    total: dict[str, Cents] = {}
    for region_cash in counted:
        if region_cash:
            for region, cash in json.loads(region_cash).items():
                total[region] = total.get(region, 0) + int(cash)
    return total


class Regions(LedgerCore):
    """The operator's region change of :class:`~functions.services.ledger.Ledger`."""

    def set_region(
        self, member_name: str, region: str | None, key: str, *, operator: str
    ) -> RegionResult:
        """Set (or clear, with None) a member's region; ``unknown_member`` otherwise."""
        if region is not None and not region.strip():
            raise Rejected(RejectCode.INVALID_EVENT, "a region is a non-empty name, or null")

        def decide() -> RegionResult:
            record = self.store.get_member(member_name)
            check_member(record.snapshot() if record else None, member_name)
            assert record is not None
            result = RegionResult(member_name, region)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.REGION,
                    at=self.clock(),
                    chain=record,
                    details={"region": region, "operator": operator},
                    sets={member_name: {"region": region}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._keyed(key, RegionResult.from_record, decide)
