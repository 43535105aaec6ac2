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
  the (keyed) journal: withdrawal requests, idempotency records and orders.

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
    a member holds two settlement entries for one date, or dates out of order.

Reads: one scan of journal items (streamed; one member's entries are contiguous
in a DynamoDB scan), one scan of withdrawal, idempotency and order items, the
member listing, and one BatchGet of the system shards. Memory grows with the
number of entries (one small reference per entry, for the pairings above).
Run it on a quiet table: writes racing the scan show up as mismatches that a
second run no longer reports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.rewards.ledger import ASSET_OF, SYSTEM, Asset, Bucket, Posting, imbalance
from functions.rewards.money import AmountError, Cents, format_cents, parse_cents
from functions.store.commit import MEMBER_BUCKETS, STATISTICS, SYSTEM_BUCKETS
from functions.store.items import NON_LEDGER_IDEMPOTENCY
from functions.store.journal import ChainProblem, chain_problems, decode_postings
from functions.store.ports import LedgerPort
from functions.store.records import (
    AuditRecord,
    IdempotencyRecord,
    JournalEntry,
    MemberRecord,
    OrderRecord,
    StoredEntry,
    StoredWithdrawal,
)

REPLAYED_STATISTICS = tuple(sorted(STATISTICS))
"""Member counters the journal determines; each is recomputed and compared."""

KNOWN_KINDS = frozenset(
    {
        "join",
        "purchase",
        "settlement",
        "transfer",
        "withdrawal_requested",
        "withdrawal_approved",
        "withdrawal_rejected",
        "withdrawal_paid",
        "freeze",
        "unfreeze",
        "adjustment",
    }
)
"""Entry kinds whose effect on the statistics this audit knows."""

IDEMPOTENCY_KEYED_KINDS = frozenset(
    {"join", "transfer", "withdrawal_requested", "freeze", "unfreeze", "adjustment"}
)
"""Entry kinds the services commit with an ``IDEM#<event key>`` record."""

WITHDRAWAL_DECISIONS = {
    "withdrawal_approved": "approved",
    "withdrawal_rejected": "rejected",
    "withdrawal_paid": "paid",
}
ALSO_ACCEPTED = {"approved": frozenset({"batched"})}
"""Item statuses that carry no journal entry of their own: ``batched`` (in a payout batch)
is still ``approved`` as far as the journal is concerned."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One disagreement: what was expected (from the evidence) and what the table holds."""

    check: str
    subject: str
    account: str
    expected: str
    found: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "check": self.check,
            "subject": self.subject,
            "account": self.account,
            "expected": self.expected,
            "found": self.found,
            "detail": self.detail,
        }


@dataclass(slots=True)
class VerifyReport:
    """What was checked and every mismatch found; ``ok`` decides the exit code."""

    table: str
    counts: dict[str, int] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def add(
        self, check: str, subject: str, account: str, expected: str, found: str, detail: str = ""
    ) -> None:
        self.mismatches.append(Mismatch(check, subject, account, expected, found, detail))

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "ok": self.ok,
            "counts": dict(self.counts),
            "mismatches": [mismatch.as_json() for mismatch in self.mismatches],
            "notes": list(self.notes),
        }

    def render(self, limit: int = 200) -> str:
        """The operator's report: what was checked, then one line per mismatch."""
        c = self.counts
        lines = [
            f"jifen verify: table {self.table}",
            f"checked {c.get('members', 0)} members ({c.get('member_accounts', 0)} accounts, "
            f"{c.get('open_grants', 0)} open grants), {c.get('journal_entries', 0)} journal "
            f"entries ({c.get('postings', 0)} postings) in {c.get('chains', 0)} chains, "
            f"{c.get('system_accounts', 0)} platform accounts",
            f"paired {c.get('withdrawals', 0)} withdrawal requests, "
            f"{c.get('idempotency_records', 0)} idempotency records and {c.get('orders', 0)} "
            "orders with their entries",
        ]
        lines += [f"note: {note}" for note in self.notes]
        if self.ok:
            lines.append("OK: every balance, total and chain agrees with the journal")
            return "\n".join(lines) + "\n"
        lines.append(f"MISMATCH: {len(self.mismatches)} problem(s)")
        width = max(len(m.subject) for m in self.mismatches[:limit])
        for mismatch in self.mismatches[:limit]:
            text = (
                f"  {mismatch.check:<11} {mismatch.subject:<{width}}  {mismatch.account:<16}"
                f" expected {mismatch.expected or '-':>12}  found {mismatch.found or '-':>12}"
            )
            if mismatch.detail:
                text += f"  ({mismatch.detail})"
            lines.append(text.rstrip())
        if len(self.mismatches) > limit:
            lines.append(f"  … and {len(self.mismatches) - limit} more (--json lists them all)")
        return "\n".join(lines) + "\n"


@dataclass(slots=True)
class _ChainState:
    """What one member's chain says about its item."""

    entries: int = 0
    last_seq: int = 0
    head: str = ""
    problems: list[ChainProblem] = field(default_factory=list)
    settlements: list[str] = field(default_factory=list)
    """Problems with the member's settlement dates (settled twice, or out of order)."""
    frozen: bool | None = None
    last_settled: str | None = None


@dataclass(slots=True)
class _Evidence:
    """Everything replayed from the journal, keyed by owner."""

    balances: dict[str, dict[str, Cents]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    system: dict[str, Cents] = field(default_factory=lambda: defaultdict(int))
    statistics: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    fees: Cents = 0
    assets: dict[Asset, Cents] = field(default_factory=lambda: defaultdict(int))
    chains: dict[str, _ChainState] = field(default_factory=dict)
    unknown_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    entries: int = 0
    postings: int = 0
    by_event_key: dict[str, list[_EntryRef]] = field(default_factory=lambda: defaultdict(list))
    by_position: dict[tuple[str, int], _EntryRef] = field(default_factory=dict)
    requested: dict[str, _Requested] = field(default_factory=dict)
    decisions: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True, slots=True)
class _EntryRef:
    """Where an entry is and what it is, for pairing items with entries."""

    owner: str
    seq: int
    event_key: str
    kind: str
    order: str | None = None

    @property
    def subject(self) -> str:
        return f"{self.owner}#{self.seq}"


@dataclass(frozen=True, slots=True)
class _Requested:
    """What a ``withdrawal_requested`` entry says its item must hold."""

    entry: _EntryRef
    fields: dict[str, str]


def _entry_map(entry: JournalEntry, pk: str, sk: str) -> dict[str, object]:
    """A stored journal entry as the mapping :func:`chain_problems` reads."""
    return {
        "member": entry.member,
        "seq": entry.seq,
        "event_key": entry.event_key,
        "kind": entry.kind,
        "postings": entry.postings,
        "details": entry.details,
        "at": entry.at,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "key_id": entry.key_id,
        "pk": pk,
        "sk": sk,
    }


def _details(entry: Mapping[str, object]) -> dict[str, Any]:
    try:
        value = json.loads(str(entry["details"]))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _amount(details: Mapping[str, Any], name: str) -> Cents:
    raw = details.get(name)
    try:
        return parse_cents(raw)
    except AmountError:
        return 0


_WITHDRAWAL_AMOUNTS = ("points", "gross", "net", "fee")


def _cash_source(entry: Mapping[str, object]) -> str:
    """The platform account a withdrawal request set its net cash aside from (its postings)."""
    try:
        postings = decode_postings(str(entry["postings"]))
    except (ValueError, TypeError, KeyError):
        return ""
    for posting in postings:
        if posting.owner == SYSTEM and posting.bucket in (Bucket.RESERVE, Bucket.PLATFORM):
            return posting.bucket.value
    return ""


def _owner(entry: Mapping[str, object]) -> str:
    """The member whose chain holds the entry (from its key, which the hash does not cover)."""
    return str(entry["pk"]).removeprefix("M#")


def _subject(entry: Mapping[str, object]) -> str:
    return f"{_owner(entry)}#{entry['seq']}"


class _Auditor:
    """One pass over the journal, then the comparisons against the stored items."""

    def __init__(self, store: LedgerPort, report: VerifyReport) -> None:
        self.store = store
        self.report = report
        self.evidence = _Evidence()
        self.stored_assets: dict[Asset, Cents] = defaultdict(int)

    # -- the journal -----------------------------------------------------
    def read_journal(self, items: Iterable[StoredEntry]) -> None:
        """Stream the scan: sum postings per entry, check each member's chain as a group."""
        current: str | None = None
        group: list[dict[str, object]] = []
        finished: set[str] = set()
        reopened: set[str] = set()
        for stored in items:
            entry = _entry_map(stored.entry, stored.pk, stored.sk)
            self._post(entry)
            self._index(entry)
            owner = _owner(entry)
            if owner != current:
                if current is not None:
                    self._close_chain(current, group)
                    finished.add(current)
                if owner in finished:
                    reopened.add(owner)  # not contiguous after all: re-read it whole below
                current, group = owner, []
            group.append(entry)
        if current is not None:
            self._close_chain(current, group)
        for owner in sorted(reopened):
            whole = [
                _entry_map(e, f"M#{owner}", f"J#{e.seq:012d}") for e in self.store.journal(owner)
            ]
            self._close_chain(owner, whole)

    def _post(self, entry: Mapping[str, object]) -> None:
        """Add one entry's postings to the replayed balances and statistics."""
        ev = self.evidence
        ev.entries += 1
        try:
            postings = decode_postings(str(entry["postings"]))
        except (ValueError, TypeError, KeyError):
            self.report.add("posting", _subject(entry), "postings", "valid postings", "undecodable")
            return
        ev.postings += len(postings)
        for asset, total in sorted(imbalance(postings).items()):
            self.report.add(
                "zero_sum",
                _subject(entry),
                asset.value,
                format_cents(0),
                format_cents(total),
                "the entry's postings do not balance",
            )
        valid: list[Posting] = []
        for posting in postings:
            if posting.owner == SYSTEM and posting.bucket in SYSTEM_BUCKETS:
                ev.system[SYSTEM_BUCKETS[posting.bucket]] += posting.amount
            elif posting.owner != SYSTEM and posting.bucket in MEMBER_BUCKETS:
                ev.balances[posting.owner][MEMBER_BUCKETS[posting.bucket]] += posting.amount
            else:
                self.report.add(
                    "posting",
                    _subject(entry),
                    posting.bucket.value,
                    "an account of its owner",
                    posting.owner,
                    "posting to an account that owner cannot have",
                )
                continue
            ev.assets[posting.asset] += posting.amount
            valid.append(posting)
        self._replay_statistics(entry, valid)

    def _index(self, entry: Mapping[str, object]) -> None:
        """Remember where the entry is and what it created or decided, for the item checks."""
        ev = self.evidence
        kind = str(entry["kind"])
        paired = kind == "purchase" or kind.startswith("withdrawal_")
        details = _details(entry) if paired else {}
        order = details.get("order") if kind == "purchase" else None
        ref = _EntryRef(
            _owner(entry),
            int(str(entry["seq"])),
            str(entry["event_key"]),
            kind,
            order if isinstance(order, str) else None,
        )
        ev.by_event_key[ref.event_key].append(ref)
        ev.by_position[(ref.owner, ref.seq)] = ref
        request_id = details.get("request_id")
        if not isinstance(request_id, str):
            return
        if kind == "withdrawal_requested":
            fields = {
                "request_id": request_id,
                "member": ref.owner,
                **{name: format_cents(_amount(details, name)) for name in _WITHDRAWAL_AMOUNTS},
                "cash_source": _cash_source(entry),
                "requested_at": str(entry["at"]),
            }
            ev.requested[request_id] = _Requested(ref, fields)
        elif kind in WITHDRAWAL_DECISIONS:
            ev.decisions[request_id].append((ref.seq, WITHDRAWAL_DECISIONS[kind]))

    def _replay_statistics(self, entry: Mapping[str, object], postings: list[Posting]) -> None:
        """Each kind's effect on the counters, exactly as services/ledger.py and settlement.py
        record them (postings first; details only where no posting carries the figure)."""
        ev = self.evidence
        kind = str(entry["kind"])
        member = _owner(entry)
        stats = ev.statistics
        if kind not in KNOWN_KINDS:
            ev.unknown_kinds[kind] += 1
            return
        details = _details(entry) if kind in {"settlement", "withdrawal_approved"} else {}
        for p in postings:
            own = p.owner == member
            if kind == "purchase":
                if own and p.bucket is Bucket.AVAILABLE:
                    name = "spent" if p.amount < 0 else "released"
                    stats[member][name] += abs(p.amount)
                elif own and p.bucket is Bucket.LOCKED and p.amount > 0:
                    stats[member]["grant_seq"] += 1
                elif p.owner == SYSTEM and p.bucket is Bucket.SALES:
                    stats[member]["personal_volume"] -= p.amount
            elif kind == "settlement":
                if own and p.bucket is Bucket.AVAILABLE:
                    stats[member]["released"] += p.amount
            elif kind == "transfer":
                if p.bucket is Bucket.AVAILABLE:
                    name = "transferred_out" if p.amount < 0 else "transferred_in"
                    stats[p.owner][name] += abs(p.amount)
            elif kind == "withdrawal_approved":
                if own and p.bucket is Bucket.WITHDRAWING:
                    stats[member]["withdrawn_points"] -= p.amount
            elif kind == "adjustment" and own and p.bucket is Bucket.AVAILABLE:
                stats[member]["adjusted"] += p.amount
        if kind == "settlement":
            stats[member]["forfeited"] += _amount(details, "forfeited")
        elif kind == "withdrawal_approved":
            stats[member]["withdrawn_cash"] += _amount(details, "net")
            ev.fees += _amount(details, "fee")

    def _close_chain(self, owner: str, group: list[dict[str, object]]) -> None:
        """Check one member's chain (entries in ``seq`` order) and note its final state."""
        group.sort(key=lambda entry: int(str(entry["seq"])))
        state = _ChainState(entries=len(group))
        state.problems = chain_problems(group, self.store.keyring)
        for entry in group:
            seq = int(str(entry["seq"]))
            if entry["member"] != owner:
                state.problems.append(
                    ChainProblem(seq, "chain", f"entry {seq} names member {entry['member']!r}")
                )
            if entry["sk"] != f"J#{seq:012d}":
                state.problems.append(
                    ChainProblem(seq, "chain", f"entry {seq} is stored under {entry['sk']}")
                )
            kind = entry["kind"]
            if kind in {"freeze", "unfreeze"}:
                state.frozen = kind == "freeze"
            elif kind == "settlement":
                date = _details(entry).get("date")
                if isinstance(date, str) and state.last_settled is not None:
                    if date == state.last_settled:
                        state.settlements.append(f"settled twice for {date} (entry {entry['seq']})")
                    elif date < state.last_settled:
                        state.settlements.append(
                            f"settled for {date} after {state.last_settled} (entry {entry['seq']})"
                        )
                state.last_settled = date if isinstance(date, str) else None
        if group:
            state.last_seq = int(str(group[-1]["seq"]))
            state.head = str(group[-1]["hash"])
        self.evidence.chains[owner] = state

    # -- the items -------------------------------------------------------
    def check_members(self, members: Iterable[MemberRecord]) -> Cents:
        """Compare every member item with the evidence; return the sum of available."""
        ev = self.evidence
        report = self.report
        seen: set[str] = set()
        available_total = 0
        grants = 0
        for record in members:
            name = record.member
            seen.add(name)
            available_total += record.available
            replayed = ev.balances.get(name, {})
            for account in MEMBER_BUCKETS.values():
                expected = replayed.get(account, 0)
                found = int(getattr(record, account))
                if expected != found:
                    report.add(
                        "balance", name, account, format_cents(expected), format_cents(found)
                    )
            for bucket, account in MEMBER_BUCKETS.items():
                self.stored_assets[ASSET_OF[bucket]] += int(getattr(record, account))
            self._check_chain_head(record)
            grants += len(record.grants)
            self._check_grants(record)
            self._check_statistics(record)
        for owner in sorted(set(ev.balances) - seen):
            report.add("member", owner, "item", "a member item", "none", "postings name it")
        for owner in sorted(set(ev.chains) - seen):
            report.add("member", owner, "item", "a member item", "none", "it has journal entries")
        self.report.counts.update(
            members=len(seen), member_accounts=len(seen) * len(MEMBER_BUCKETS), open_grants=grants
        )
        return available_total

    def _check_chain_head(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        state = self.evidence.chains.get(name, _ChainState())
        for problem in state.problems:
            report.add(problem.check, name, "journal", "", "", problem.detail)
        for settlement in state.settlements:
            report.add("settlement", name, "journal", "each date once, in order", "", settlement)
        if record.journal_seq != state.last_seq or state.entries != state.last_seq:
            report.add(
                "head",
                name,
                "journal_seq",
                str(state.last_seq),
                str(record.journal_seq),
                f"{state.entries} entries in the journal",
            )
        if record.journal_head != state.head:
            report.add("head", name, "journal_head", state.head[:12], record.journal_head[:12])
        frozen = bool(state.frozen)
        if record.frozen != frozen:
            report.add("state", name, "frozen", str(frozen), str(record.frozen))
        if state.last_settled is not None and record.last_settled != state.last_settled:
            report.add("state", name, "last_settled", state.last_settled, str(record.last_settled))

    def _check_grants(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        remaining = sum(grant.remaining for grant in record.grants)
        if remaining != record.locked:
            report.add(
                "grants",
                name,
                "locked",
                format_cents(remaining),
                format_cents(record.locked),
                "sum of open grants' remaining",
            )
        seqs = [grant.seq for grant in record.grants]
        if seqs != sorted(set(seqs)) or (seqs and seqs[-1] > record.grant_seq):
            report.add("grants", name, "grants.seq", f"ascending, <= {record.grant_seq}", str(seqs))
        for grant in record.grants:
            if not 0 < grant.remaining <= grant.points or grant.daily < 0:
                report.add(
                    "grants",
                    name,
                    f"grant {grant.seq}",
                    f"0 < remaining <= {format_cents(grant.points)}",
                    format_cents(grant.remaining),
                )

    def _check_statistics(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        replayed = self.evidence.statistics.get(name, {})
        for stat in REPLAYED_STATISTICS:
            expected = replayed.get(stat, 0)
            found = int(getattr(record, stat))
            if expected != found:
                shown = str if stat == "grant_seq" else format_cents
                report.add(
                    "statistics",
                    name,
                    stat,
                    shown(expected),
                    shown(found),
                    "replayed from the journal",
                )
        balanced = (
            record.available
            + record.withdrawing
            + record.withdrawn_points
            + record.spent
            + record.transferred_out
            - record.transferred_in
            - record.adjusted
        )
        if balanced != record.released:
            report.add(
                "statistics",
                name,
                "released",
                format_cents(balanced),
                format_cents(record.released),
                "available + withdrawing + withdrawn_points + spent + transferred_out"
                " - transferred_in - adjusted",
            )

    def check_system(self, available_total: Cents) -> None:
        """Platform accounts, fees and circulating against the evidence and the members."""
        ev = self.evidence
        report = self.report
        totals = self.store.system_totals()
        for account in SYSTEM_BUCKETS.values():
            expected = ev.system.get(account, 0)
            found = int(getattr(totals, account))
            if expected != found:
                report.add("system", SYSTEM, account, format_cents(expected), format_cents(found))
        if totals.fees != ev.fees:
            report.add(
                "system",
                SYSTEM,
                "fees",
                format_cents(ev.fees),
                format_cents(totals.fees),
                "fees of approved withdrawals",
            )
        if totals.circulating != available_total:
            report.add(
                "circulating",
                SYSTEM,
                "circulating",
                format_cents(available_total),
                format_cents(totals.circulating),
                "sum of members' available",
            )
            self._explain_circulating()
        for bucket, account in SYSTEM_BUCKETS.items():
            self.stored_assets[ASSET_OF[bucket]] += int(getattr(totals, account))
        report.counts["system_accounts"] = len(SYSTEM_BUCKETS) + 2

    def _explain_circulating(self) -> None:
        """A settlement between its member writes and its page totals leaves circulating behind."""
        dates = {state.last_settled for state in self.evidence.chains.values()}
        for date in sorted(d for d in dates if d is not None):
            run = self.store.settlement_run(date)
            if run is not None and run.status != "done":
                self.report.notes.append(
                    f"settlement {date} is still {run.status}: circulating catches up when "
                    "its pages are applied; verify again after it finishes"
                )

    # -- items a writer could forge without touching a balance ----------------
    def check_records(self, items: Iterable[AuditRecord]) -> None:
        """Withdrawal, idempotency and order items against the entries indexed from the scan."""
        seen_withdrawals: set[str] = set()
        records: dict[str, tuple[str, int]] = {}
        orders: dict[str, str] = {}
        other_records = 0
        for item in items:
            if isinstance(item, StoredWithdrawal):
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
        self.report.counts.update(
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
            **{name: format_cents(int(getattr(item, name))) for name in _WITHDRAWAL_AMOUNTS},
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
        status = "pending"
        for _seq, decided in sorted(self.evidence.decisions.get(request_id, [])):
            status = decided
        if item.status != status and item.status not in ALSO_ACCEPTED.get(status, ()):
            report.add(
                "withdrawal", request_id, "status", status, item.status, "as the journal decided"
            )
        return request_id

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
            if ref.kind == "purchase"
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
                elif ref.kind == "purchase" and orders.get(str(ref.order)) != key:
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

    def check_assets(self) -> None:
        """Postings sum to zero per asset; so must the stored balances (members + platform)."""
        for asset in Asset:
            total = self.evidence.assets.get(asset, 0)
            if total:
                self.report.add(
                    "zero_sum", "journal", asset.value, format_cents(0), format_cents(total)
                )
            stored = self.stored_assets.get(asset, 0)
            if stored:
                self.report.add(
                    "zero_sum",
                    "stored",
                    asset.value,
                    format_cents(0),
                    format_cents(stored),
                    "member balances plus platform accounts",
                )


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
    auditor = _Auditor(store, report)
    auditor.read_journal(store.scan_journal() if journal is None else journal)
    ev = auditor.evidence
    auditor.check_records(store.scan_audit_records() if records is None else records)
    available = auditor.check_members(store.iter_members() if members is None else members)
    auditor.check_system(available)
    auditor.check_assets()
    report.counts.update(journal_entries=ev.entries, postings=ev.postings, chains=len(ev.chains))
    for kind, count in sorted(ev.unknown_kinds.items()):
        report.notes.append(
            f"{count} entries of kind {kind!r}: balances checked, statistics assume no effect"
        )
    return report
