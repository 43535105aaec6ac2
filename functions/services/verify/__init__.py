"""Audit of the ledger: recompute every balance from the journal and compare with the items.

Balances live in member and system-total items and are changed in place by
``ADD`` inside each event's transaction; the journal is the evidence of why.
This module replays the evidence and checks that the two still tell one story:

* every member account (available, locked, withdrawing, commission, payable) is
  the sum of the postings to it over ALL journal entries (an entry on one
  member's chain may post to others: transfers, commissions);
* every platform account equals the sum of the postings to ``@system``, and the
  stored ``fees`` the fees of approved withdrawals;
* ``circulating`` is the sum of members' available points;
* postings balance per asset, per entry and overall, and so do the stored balances;
* every member's hash chain is intact and its ``journal_seq``/``journal_head``
  point at its last entry; ``frozen`` and ``last_settled`` agree with it;
* every member is settled at most once per date, dates in increasing order
  (check ``settlement``);
* ``locked`` is the sum of the open grants' ``remaining``;
* the statistics replay from the journal and satisfy
  ``released = available + withdrawing + withdrawn_points + spent
  + transferred_out - transferred_in - adjusted``;
* the items a table writer could forge without touching a balance agree with
  the (keyed) journal: withdrawal requests, idempotency records, orders and the
  inbox references that show an entry in another member's history.

Each mismatch carries a stable check name (``Mismatch.check``):

``balance``, ``member``, ``system``, ``circulating``, ``zero_sum``, ``posting``,
``grants``, ``statistics``, ``state``, ``head``
    balances, totals and counters against the replayed postings (above);
``chain``
    a member's chain is broken or forged: a gap, a wrong link, an entry with no
    key id, or an HMAC that does not verify under the key the entry names;
``chain_key``
    an entry names a chain key the keyring lacks: it cannot be verified (an
    old key dropped from the keyring, or an entry under an invented key id);
``withdrawal``
    a ``W#`` item disagrees with the ``withdrawal_requested`` entry that created
    it (member, points, gross, net, fee, cash_source, requested_at) or with the
    status its decision entries give (pending, approved — or ``batched`` —,
    rejected, paid); or an item has no entry, or an entry no item;
``idempotency``
    a ledger ``IDEM#`` record names no existing entry of its own event key, a
    record is neither the ledger's nor a known non-ledger prefix
    (``models.NON_LEDGER_IDEMPOTENCY``), or an entry of a kind in
    :data:`IDEMPOTENCY_KEYED_KINDS` lacks the record that names it;
``event_key``
    two journal entries share an event key (a request applied twice, e.g. after
    its idempotency record was deleted);
``order``
    an ``ORDER#`` item disagrees with the purchase entry holding its event key,
    or a purchase entry has no order item;
``settlement``
    a member holds two settlement entries for one date, or dates out of order;
``plan``
    the plan versions' audit chain is broken or forged (a version edited, inserted or
    removed, a head that does not name the last one), or a stored text no longer loads
    (:mod:`.plans`).
``inbox``
    an ``IN#`` reference names an entry that does not exist or does not post to
    its member, or disagrees with the member's net amounts, time or kind in it;
    or an entry posting to a member other than its chain's (transfer recipient,
    commission upline) lacks that member's reference.

Reads: one scan of journal items (streamed; one member's entries are contiguous
in a DynamoDB scan), one scan of withdrawal, idempotency and order items, the
member listing, and one BatchGet of the system shards. Memory grows with the
number of entries (one small reference per entry, for the pairings above).
Run it on a quiet table: writes racing the scan show up as mismatches that a
second run no longer reports.

:mod:`.replay` replays the journal into the evidence, :mod:`.pairing` holds the
forgeable items against it, :mod:`.balances` the balances and totals, and
:mod:`.report` collects and renders what was found.
"""

from __future__ import annotations

from collections.abc import Iterable

from functions.store.ports import LedgerPort
from functions.store.records import AuditRecord, MemberRecord, StoredEntry

from .balances import REPLAYED_STATISTICS, BalanceCheck
from .pairing import ALSO_ACCEPTED, IDEMPOTENCY_KEYED_KINDS, check_records
from .plans import check_plans
from .replay import KNOWN_KINDS, WITHDRAWAL_DECISIONS, replay_journal
from .report import Mismatch, VerifyReport

__all__ = [
    "ALSO_ACCEPTED",
    "IDEMPOTENCY_KEYED_KINDS",
    "KNOWN_KINDS",
    "REPLAYED_STATISTICS",
    "WITHDRAWAL_DECISIONS",
    "Mismatch",
    "VerifyReport",
    "verify",
]


def verify(
    store: LedgerPort,
    *,
    journal: Iterable[StoredEntry] | None = None,
    members: Iterable[MemberRecord] | None = None,
    records: Iterable[AuditRecord] | None = None,
) -> VerifyReport:
    """Audit the whole table behind ``store`` (chains under ``store.keyring``);
    ``journal``/``members``/``records`` replace its reads (tests)."""
    report = VerifyReport(table=store.table_name)
    ev = replay_journal(store, report, store.scan_journal() if journal is None else journal)
    check_records(report, ev, store.scan_audit_records() if records is None else records)
    balances = BalanceCheck(store, report, ev)
    available = balances.check_members(store.iter_members() if members is None else members)
    balances.check_system(available)
    balances.check_assets()
    check_plans(store, report)
    report.counts.update(journal_entries=ev.entries, postings=ev.postings, chains=len(ev.chains))
    for kind, count in sorted(ev.unknown_kinds.items()):
        report.notes.append(
            f"{count} entries of kind {kind!r}: balances checked, statistics assume no effect"
        )
    return report
