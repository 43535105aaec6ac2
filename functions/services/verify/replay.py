"""Replaying the journal: what the evidence says every balance, counter and chain must be.

One streamed pass over the journal scan sums each entry's postings per owner and
account, replays the statistics each kind of entry records, checks every member's
hash chain and indexes the entries (by event key, by position, the withdrawal
requests and decisions) for :mod:`.pairing` to hold the items against.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from functions.rewards.ledger import SYSTEM, Asset, Bucket, Posting, imbalance
from functions.rewards.money import AmountError, Cents, format_cents, parse_cents
from functions.store.commit import MEMBER_BUCKETS, SYSTEM_BUCKETS
from functions.store.journal import ChainProblem, chain_problems, decode_postings
from functions.store.ports import LedgerPort
from functions.store.records import EntryKind, JournalEntry, StoredEntry, WithdrawalStatus

from .report import VerifyReport

KNOWN_KINDS = frozenset(EntryKind)
"""Entry kinds whose effect on the statistics this audit knows."""

WITHDRAWAL_DECISIONS = {
    EntryKind.WITHDRAWAL_APPROVED: WithdrawalStatus.APPROVED,
    EntryKind.WITHDRAWAL_REJECTED: WithdrawalStatus.REJECTED,
    EntryKind.WITHDRAWAL_PAID: WithdrawalStatus.PAID,
}
"""The status each decision entry gives its withdrawal request."""

_PAIRED_KINDS = frozenset(
    {EntryKind.PURCHASE, EntryKind.WITHDRAWAL_REQUESTED, *WITHDRAWAL_DECISIONS}
)
"""Kinds whose details name the item they pair with (an order, a withdrawal request)."""

WITHDRAWAL_AMOUNTS = ("points", "gross", "net", "fee")
"""The amounts a withdrawal item must hold as its request entry gave them."""

_ENTRY_FIELDS = tuple(f.name for f in fields(JournalEntry))


@dataclass(slots=True)
class ChainState:
    """What one member's chain says about its item."""

    entries: int = 0
    last_seq: int = 0
    head: str = ""
    problems: list[ChainProblem] = field(default_factory=list)
    settlements: list[str] = field(default_factory=list)
    """Problems with the member's settlement dates (settled twice, or out of order)."""
    frozen: bool | None = None
    last_settled: str | None = None


@dataclass(frozen=True, slots=True)
class EntryRef:
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
class Requested:
    """What a ``withdrawal_requested`` entry says its item must hold."""

    entry: EntryRef
    fields: dict[str, str]


@dataclass(slots=True)
class Evidence:
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
    chains: dict[str, ChainState] = field(default_factory=dict)
    unknown_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    entries: int = 0
    postings: int = 0
    by_event_key: dict[str, list[EntryRef]] = field(default_factory=lambda: defaultdict(list))
    by_position: dict[tuple[str, int], EntryRef] = field(default_factory=dict)
    requested: dict[str, Requested] = field(default_factory=dict)
    decisions: dict[str, list[tuple[int, WithdrawalStatus]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    touched: dict[tuple[str, int], Touched] = field(default_factory=dict)
    """Entries that post to members other than their chain's, by position: what the
    ``IN#`` references of those members must say."""


@dataclass(frozen=True, slots=True)
class Touched:
    """An entry's time and kind, and the net amounts it posts to each other member."""

    at: int
    kind: str
    nets: dict[str, dict[str, Cents]]


def _entry_map(entry: JournalEntry, pk: str, sk: str) -> dict[str, object]:
    """A stored journal entry as the mapping :func:`chain_problems` reads."""
    return {**{name: getattr(entry, name) for name in _ENTRY_FIELDS}, "pk": pk, "sk": sk}


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


def replay_journal(
    store: LedgerPort, report: VerifyReport, items: Iterable[StoredEntry]
) -> Evidence:
    """Stream the scan: sum postings per entry, check each member's chain as a group."""
    replay = _Replay(store, report)
    replay.read(items)
    return replay.evidence


class _Replay:
    """One pass over the journal; mismatches found on the way go straight to the report."""

    def __init__(self, store: LedgerPort, report: VerifyReport) -> None:
        self.store = store
        self.report = report
        self.evidence = Evidence()

    def read(self, items: Iterable[StoredEntry]) -> None:
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
        self._note_others(entry, valid)
        self._replay_statistics(entry, valid)

    def _note_others(self, entry: Mapping[str, object], postings: list[Posting]) -> None:
        """Net amounts per other member the entry touches (their references must match)."""
        owner = _owner(entry)
        nets: dict[str, dict[str, Cents]] = {}
        for posting in postings:
            if posting.owner in (SYSTEM, owner):
                continue
            accounts = nets.setdefault(posting.owner, {})
            name = MEMBER_BUCKETS[posting.bucket]
            accounts[name] = accounts.get(name, 0) + posting.amount
        if nets:
            position = (owner, int(str(entry["seq"])))
            self.evidence.touched[position] = Touched(
                int(str(entry["at"])), str(entry["kind"]), nets
            )

    def _index(self, entry: Mapping[str, object]) -> None:
        """Remember where the entry is and what it created or decided, for the item checks."""
        ev = self.evidence
        kind = str(entry["kind"])
        details = _details(entry) if kind in _PAIRED_KINDS else {}
        order = details.get("order") if kind == EntryKind.PURCHASE else None
        ref = EntryRef(
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
        if kind == EntryKind.WITHDRAWAL_REQUESTED:
            fields = {
                "request_id": request_id,
                "member": ref.owner,
                **{name: format_cents(_amount(details, name)) for name in WITHDRAWAL_AMOUNTS},
                "cash_source": _cash_source(entry),
                "requested_at": str(entry["at"]),
            }
            ev.requested[request_id] = Requested(ref, fields)
        elif kind in WITHDRAWAL_DECISIONS:
            ev.decisions[request_id].append((ref.seq, WITHDRAWAL_DECISIONS[EntryKind(kind)]))

    def _replay_statistics(self, entry: Mapping[str, object], postings: list[Posting]) -> None:
        """Each kind's effect on the counters, exactly as services/ledger and settlement.py
        record them (postings first; details only where no posting carries the figure)."""
        ev = self.evidence
        kind = str(entry["kind"])
        member = _owner(entry)
        stats = ev.statistics
        if kind not in KNOWN_KINDS:
            ev.unknown_kinds[kind] += 1
            return
        details = (
            _details(entry)
            if kind
            in {
                EntryKind.SETTLEMENT,
                EntryKind.WITHDRAWAL_APPROVED,
                EntryKind.PURCHASE,  # economics (issue 12): debts
                EntryKind.TRANSFER,
                EntryKind.REFUND,
            }
            else {}
        )
        for p in postings:
            own = p.owner == member
            if kind == EntryKind.PURCHASE:
                if own and p.bucket is Bucket.AVAILABLE:
                    name = "spent" if p.amount < 0 else "released"
                    stats[member][name] += abs(p.amount)
                elif own and p.bucket is Bucket.LOCKED and p.amount > 0:
                    stats[member]["grant_seq"] += 1
                elif p.owner == SYSTEM and p.bucket is Bucket.SALES:
                    stats[member]["personal_volume"] -= p.amount
            elif kind == EntryKind.SETTLEMENT:
                # issue 13: the staking step's credits to available (matured principal out
                # of staked, rewards out of the platform's rewards) are not released points
                if (own and p.bucket in (Bucket.AVAILABLE, Bucket.STAKED)) or (
                    p.owner == SYSTEM and p.bucket is Bucket.REWARDS
                ):
                    stats[member]["released"] += p.amount
            elif kind == EntryKind.TRANSFER:
                if p.bucket is Bucket.AVAILABLE:
                    name = "transferred_out" if p.amount < 0 else "transferred_in"
                    stats[p.owner][name] += abs(p.amount)
            elif kind == EntryKind.WITHDRAWAL_APPROVED:
                if own and p.bucket is Bucket.WITHDRAWING:
                    stats[member]["withdrawn_points"] -= p.amount
            elif kind == EntryKind.ADJUSTMENT and own and p.bucket is Bucket.AVAILABLE:
                stats[member]["adjusted"] += p.amount
            elif kind == EntryKind.GIFT:  # economics (issue 12): a grant record moved
                if not own and p.bucket is Bucket.LOCKED and p.amount > 0:
                    stats[p.owner]["grant_seq"] += 1
            elif kind == EntryKind.REFUND:  # economics (issue 12)
                if own and p.bucket is Bucket.AVAILABLE:
                    name = "spent" if p.amount > 0 else "clawed_back"
                    stats[member][name] -= p.amount
                elif p.owner == SYSTEM and p.bucket is Bucket.SALES:
                    stats[member]["personal_volume"] -= p.amount
        _replay_debts(stats, kind, member, details)
        if kind == EntryKind.SETTLEMENT:
            stats[member]["forfeited"] += _amount(details, "forfeited")
        elif kind == EntryKind.WITHDRAWAL_APPROVED:
            stats[member]["withdrawn_cash"] += _amount(details, "net")
            ev.fees += _amount(details, "fee")

    def _close_chain(self, owner: str, group: list[dict[str, object]]) -> None:
        """Check one member's chain (entries in ``seq`` order) and note its final state."""
        group.sort(key=lambda entry: int(str(entry["seq"])))
        state = ChainState(entries=len(group))
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
            if kind in {EntryKind.FREEZE, EntryKind.UNFREEZE}:
                state.frozen = kind == EntryKind.FREEZE
            elif kind == EntryKind.SETTLEMENT:
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


def _replay_debts(
    stats: Mapping[str, dict[str, int]], kind: str, member: str, details: Mapping[str, Any]
) -> None:
    """Economics (issue 12): the debt counters from an entry's ``debts`` detail, and the
    repayments it names moved out of ``spent``/``transferred_out`` into ``clawed_back``
    (a repayment's posting looks like a spend, a transfer out or less released; the detail
    says it is not)."""
    debts = details.get("debts")
    if not isinstance(debts, dict):
        return
    for name, change in sorted(debts.items()):
        if not (
            isinstance(change, list)
            and len(change) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in change)
        ):
            continue
        debt, commission_debt = change
        stats[name]["debt"] += debt
        stats[name]["commission_debt"] += commission_debt
        repaid = -debt if debt < 0 else 0
        if repaid and kind == EntryKind.PURCHASE and name == member:
            stats[name]["spent"] -= repaid
            stats[name]["clawed_back"] += repaid
        elif repaid and kind == EntryKind.TRANSFER:
            stats[name]["transferred_out"] -= repaid
            stats[name]["clawed_back"] += repaid
        elif repaid and kind == EntryKind.SETTLEMENT and name == member:
            stats[name]["released"] += repaid
            stats[name]["clawed_back"] += repaid
