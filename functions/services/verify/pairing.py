"""Items a table writer could forge without touching a balance, held against the journal.

Withdrawal requests must say what their request entry said and have the status
their decision entries gave; idempotency records must name the entry of their own
event key (and every keyed entry must have its record); order items must agree with
the purchase entry holding their event key; an event key names one entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from functions.rewards.money import format_cents
from functions.store.items import INBOX_AMOUNTS, NON_LEDGER_IDEMPOTENCY
from functions.store.records import (
    AuditRecord,
    EntryKind,
    IdempotencyRecord,
    InboxRef,
    OrderRecord,
    StoredWithdrawal,
    WithdrawalStatus,
)

from .replay import WITHDRAWAL_AMOUNTS, Evidence
from .report import VerifyReport

IDEMPOTENCY_KEYED_KINDS = frozenset(
    {
        EntryKind.JOIN,
        EntryKind.TRANSFER,
        EntryKind.WITHDRAWAL_REQUESTED,
        EntryKind.FREEZE,
        EntryKind.UNFREEZE,
        EntryKind.ADJUSTMENT,
        # engagement programs (issue 13; functions/services/programs/events.py)
        EntryKind.DRAW,
        EntryKind.LOTTERY_EXIT,
        EntryKind.STAKE,
        EntryKind.UNSTAKE,
        EntryKind.REDEEM,
        EntryKind.ROLE,
        EntryKind.REFUND,  # economics (issue 12)
        EntryKind.GIFT,
        EntryKind.REGION,
    }
)
"""Entry kinds the services commit with an ``IDEM#<event key>`` record."""

ALSO_ACCEPTED = {WithdrawalStatus.APPROVED: frozenset({WithdrawalStatus.BATCHED})}
"""Item statuses that carry no journal entry of their own: ``batched`` (in a payout batch)
is still ``approved`` as far as the journal is concerned."""


def check_records(report: VerifyReport, evidence: Evidence, items: Iterable[AuditRecord]) -> None:
    """Withdrawal, idempotency and order items against the entries indexed from the scan."""
    _Pairing(report, evidence).check(items)


class _Pairing:
    def __init__(self, report: VerifyReport, evidence: Evidence) -> None:
        self.report = report
        self.evidence = evidence

    def check(self, items: Iterable[AuditRecord]) -> None:
        seen_withdrawals: set[str] = set()
        records: dict[str, tuple[str, int]] = {}
        orders: dict[str, str] = {}
        other_records = 0
        references: set[tuple[str, str, int]] = set()
        for item in items:
            if isinstance(item, InboxRef):
                references.add(self._check_reference(item))
            elif isinstance(item, StoredWithdrawal):
                seen_withdrawals.add(self._check_withdrawal(item))
            elif isinstance(item, IdempotencyRecord):
                position = self._check_record(item)
                if position is None:
                    other_records += 1
                else:
                    records[item.key] = position
            else:
                orders[item.order] = self._check_order(item)
        self._check_unmatched_withdrawals(seen_withdrawals)
        self._check_entries_have_records(records, orders)
        self._check_event_keys()
        self._check_entries_have_references(references)
        self.report.counts.update(
            inbox_references=len(references),
            withdrawals=len(seen_withdrawals),
            idempotency_records=len(records),
            other_records=other_records,
            orders=len(orders),
        )

    def _check_withdrawal(self, stored: StoredWithdrawal) -> str:
        """One ``W#`` item against its request entry and decision entries; returns its id."""
        report = self.report
        request_id, item = stored.request_id, stored.record
        requested = self.evidence.requested.get(request_id)
        if requested is None:
            report.add(
                "withdrawal",
                request_id,
                "item",
                "a withdrawal_requested entry",
                "none",
                "no journal entry created this request",
            )
            return request_id
        found = {
            "request_id": item.request_id,
            "member": item.member,
            **{name: format_cents(int(getattr(item, name))) for name in WITHDRAWAL_AMOUNTS},
            "cash_source": item.cash_source,
            "requested_at": str(item.requested_at),
        }
        for name, expected in requested.fields.items():
            if found[name] != expected:
                report.add(
                    "withdrawal",
                    request_id,
                    name,
                    expected,
                    found[name],
                    f"created by {requested.entry.subject}",
                )
        status = WithdrawalStatus.PENDING
        for _seq, decided in sorted(self.evidence.decisions.get(request_id, [])):
            status = decided
        if item.status != status and item.status not in ALSO_ACCEPTED.get(status, ()):
            report.add(
                "withdrawal",
                request_id,
                "status",
                status.value,
                item.status,
                "as the journal decided",
            )
        return request_id

    def _check_reference(self, ref: InboxRef) -> tuple[str, str, int]:
        """An ``IN#`` reference against the entry it names: it exists, touches the member
        and moved what the reference says; returns (member, source, seq)."""
        subject = f"{ref.member}<-{ref.source}#{ref.seq}"
        touched = self.evidence.touched.get((ref.source, ref.seq))
        nets = touched.nets.get(ref.member) if touched is not None else None
        if touched is None or nets is None:
            exists = (ref.source, ref.seq) in self.evidence.by_position
            self.report.add(
                "inbox",
                subject,
                "entry",
                f"{ref.source}#{ref.seq} posting to {ref.member}",
                "an entry that does not touch it" if exists else "none",
                "a reference to an entry that did not move this member's balances",
            )
            return (ref.member, ref.source, ref.seq)
        for name in INBOX_AMOUNTS:
            expected, found = nets.get(name, 0), getattr(ref, name)
            if expected != found:
                self.report.add(
                    "inbox",
                    subject,
                    name,
                    format_cents(expected),
                    format_cents(found),
                    "the member's net amount in the entry",
                )
        if (touched.at, touched.kind) != (ref.at, ref.kind):
            self.report.add(
                "inbox",
                subject,
                "entry",
                f"{touched.kind} at {touched.at}",
                f"{ref.kind} at {ref.at}",
                "as the entry says",
            )
        return (ref.member, ref.source, ref.seq)

    def _check_entries_have_references(self, references: set[tuple[str, str, int]]) -> None:
        """Every member an entry posts to (other than its chain's) has its reference."""
        for (source, seq), touched in sorted(self.evidence.touched.items()):
            for member in sorted(touched.nets):
                if (member, source, seq) not in references:
                    self.report.add(
                        "inbox",
                        f"{member}<-{source}#{seq}",
                        "reference",
                        f"IN# item under {member}",
                        "none",
                        f"a {touched.kind} entry posting to {member}",
                    )

    def _check_unmatched_withdrawals(self, seen: set[str]) -> None:
        ev = self.evidence
        for request_id in sorted(set(ev.requested) - seen):
            subject = ev.requested[request_id].entry.subject
            self.report.add(
                "withdrawal",
                request_id,
                "item",
                "a withdrawal item",
                "none",
                f"requested by {subject}",
            )
        for request_id in sorted(set(ev.decisions) - set(ev.requested)):
            self.report.add(
                "withdrawal",
                request_id,
                "entry",
                "a withdrawal_requested entry",
                "none",
                "decided in the journal but never requested",
            )

    def _check_record(self, item: IdempotencyRecord) -> tuple[str, int] | None:
        """A ledger record's entry position (checked), or None for other stores' records."""
        key = item.key
        if item.entry_member is None or item.entry_seq is None:
            if not key.startswith(NON_LEDGER_IDEMPOTENCY):
                self.report.add(
                    "idempotency",
                    key,
                    "entry",
                    "the entry it names",
                    "none",
                    "a record that names no journal entry",
                )
            return None
        position = (item.entry_member, item.entry_seq)
        ref = self.evidence.by_position.get(position)
        named = f"{position[0]}#{position[1]}"
        if ref is None:
            self.report.add(
                "idempotency", key, "entry", named, "none", "the entry it names does not exist"
            )
        elif ref.event_key != key or ref.kind not in IDEMPOTENCY_KEYED_KINDS:
            self.report.add(
                "idempotency",
                key,
                "entry",
                f"a keyed entry of event {key}",
                f"{ref.kind} {ref.event_key}",
                f"{named} belongs to another event",
            )
        return position

    def _check_order(self, item: OrderRecord) -> str:
        """One ``ORDER#`` item against the purchase entry of its event key; returns that key."""
        order = item.order
        purchases = [
            ref
            for ref in self.evidence.by_event_key.get(item.event_key, [])
            if ref.kind == EntryKind.PURCHASE
        ]
        if not purchases:
            self.report.add(
                "order",
                order,
                "event_key",
                "a purchase entry's key",
                item.event_key,
                "no purchase entry holds the order's event key",
            )
            return str(item.event_key)
        ref = purchases[0]
        if ref.order != order:
            self.report.add(
                "order",
                order,
                "order",
                order,
                str(ref.order),
                f"{ref.subject} bought another order",
            )
        if item.member != ref.owner:
            self.report.add("order", order, "member", ref.owner, item.member, ref.subject)
        return str(item.event_key)

    def _check_entries_have_records(
        self, records: Mapping[str, tuple[str, int]], orders: Mapping[str, str]
    ) -> None:
        """Every keyed entry has the record naming it; every purchase has its order item."""
        report = self.report
        for key, refs in self.evidence.by_event_key.items():
            for ref in refs:
                if ref.kind in IDEMPOTENCY_KEYED_KINDS:
                    position = records.get(key)
                    if position != (ref.owner, ref.seq):
                        report.add(
                            "idempotency",
                            ref.subject,
                            "record",
                            f"IDEM#{key} naming it",
                            "none" if position is None else f"names {position[0]}#{position[1]}",
                            f"a {ref.kind} entry",
                        )
                elif ref.kind == EntryKind.PURCHASE and orders.get(str(ref.order)) != key:
                    report.add(
                        "order",
                        ref.subject,
                        "item",
                        f"ORDER#{ref.order} of event {key}",
                        "none" if ref.order not in orders else orders[str(ref.order)],
                        "a purchase entry",
                    )

    def _check_event_keys(self) -> None:
        """An event key names one entry: a second one is a request applied twice."""
        for key, refs in sorted(self.evidence.by_event_key.items()):
            if len(refs) > 1:
                self.report.add(
                    "event_key",
                    key,
                    "entries",
                    "1",
                    str(len(refs)),
                    ", ".join(ref.subject for ref in refs),
                )
