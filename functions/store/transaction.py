"""One event, one transaction: a :class:`~functions.store.commit.Commit` becomes the writes.

The builder is split by kind of item — the journal entry, member updates, the
platform-totals shard, unique items (order, idempotency record, claims), the
withdrawal — and a cancelled transaction is translated back into what failed:
a version or journal move is :class:`ConflictError` (reload and decide again), an
existing unique item :class:`AlreadyExistsError`, a balance guard
:class:`GuardError`, the settlement sequence :class:`SettlementRunningError`.
Names that are not statistics or settable fields are a :class:`ValueError`: a
misspelt name must never become a silently written attribute.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from functions.rewards.ledger import SYSTEM, Bucket
from functions.rewards.staking import Stake

from .commit import (
    MEMBER_BUCKETS,
    SETTABLE,
    STATISTICS,
    SYSTEM_BUCKETS,
    Commit,
    NewMember,
    Target,
    WithdrawalChange,
)
from .errors import (
    AlreadyExistsError,
    ConflictError,
    GuardError,
    SettlementRunningError,
    UnavailableError,
)
from .items import (
    SEQUENCE_KEY,
    Kind,
    claim_key,
    grant_maps,
    idempotency_key,
    inbox_item,
    journal_item,
    keyed,
    member_key,
    member_pk,
    order_key,
    roster_item,
    shard_of,
    system_key,
    withdrawal_item,
    withdrawal_key,
)
from .journal import GENESIS, details_text, encode_postings, entry_mac
from .keyring import Keyring
from .program_records import stake_maps
from .records import GrantRecord, InboxRef, JournalEntry, MemberRecord
from .settlement_store import SequenceStatus
from .table import (
    Absent,
    Check,
    Condition,
    Exists,
    Key,
    LacksAttr,
    Put,
    Reason,
    Table,
    TransactionCancelled,
    TransactItem,
    Unavailable,
    Update,
    Value,
    all_of,
    any_of,
    eq,
)
from .table import Compare as Cmp


def _label(target: Target, key: str) -> str:
    return f"{target.value}:{key}"


def _target(label: str) -> str:
    return label.split(":", 1)[0]


def _value(name: str, value: object) -> Value:
    """A settable field's value as stored (grants as maps)."""
    if name == "grants":
        if not isinstance(value, tuple) or not all(isinstance(g, GrantRecord) for g in value):
            raise ValueError("grants must be a tuple of GrantRecord")
        return grant_maps(value)
    if name == "stakes":  # issue 13
        if not isinstance(value, tuple) or not all(isinstance(s, Stake) for s in value):
            raise ValueError("stakes must be a tuple of Stake")
        return stake_maps(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise ValueError(f"{name}: cannot store {type(value).__name__}")


@dataclass(slots=True)
class _Deltas:
    """Balance and counter changes per member, and the platform shard's."""

    members: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    system: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _deltas(commit: Commit) -> _Deltas:
    deltas = _Deltas()
    for posting in commit.postings:
        if posting.owner == SYSTEM:
            if posting.bucket not in SYSTEM_BUCKETS:
                raise ValueError(f"the platform has no {posting.bucket.value} account")
            deltas.system[SYSTEM_BUCKETS[posting.bucket]] += posting.amount
            continue
        if posting.bucket not in MEMBER_BUCKETS:
            raise ValueError(f"a member has no {posting.bucket.value} account")
        deltas.members[posting.owner][MEMBER_BUCKETS[posting.bucket]] += posting.amount
        if posting.bucket is Bucket.AVAILABLE and not commit.defer_circulating:
            deltas.system["circulating"] += posting.amount
    for member, stats in commit.statistics.items():
        for name, delta in stats.items():
            if name not in STATISTICS:
                raise ValueError(f"unknown statistic {name!r}")
            deltas.members[member][name] += delta
    if commit.fees:
        deltas.system["fees"] += commit.fees
    if commit.circulating:  # economics (issue 12)
        deltas.system["circulating"] += commit.circulating
    return deltas


def _journal(commit: Commit, keyring: Keyring) -> tuple[JournalEntry, Put]:
    chain = commit.chain
    seq = 1 if isinstance(chain, NewMember) else chain.journal_seq + 1
    prev = GENESIS if isinstance(chain, NewMember) else chain.journal_head
    postings = encode_postings(commit.postings)
    details = details_text(commit.details)
    key_id, key = keyring.current()
    digest = entry_mac(
        key,
        key_id=key_id,
        prev_hash=prev,
        member=chain.member,
        seq=seq,
        event_key=commit.event_key,
        kind=commit.kind,
        postings=postings,
        details=details,
        at=commit.at,
    )
    entry = JournalEntry(
        chain.member, seq, commit.event_key, commit.kind, postings, details, commit.at, prev,
        digest, key_id,
    )  # fmt: skip
    return entry, Put(journal_item(entry), Absent(), _label(Target.JOURNAL, chain.member))


def _new_member(chain: NewMember, entry: JournalEntry, deltas: _Deltas) -> list[Put]:
    """The join's member item (version 1) and its referral edge."""
    attributes: dict[str, Value] = {
        "member": chain.member,
        "referrer": chain.referrer,
        "joined_at": chain.joined_at,
        "frozen": False,
        "journal_seq": entry.seq,
        "journal_head": entry.hash,
        "version": 1,
    }
    for name, value in chain.profile.items():
        if name not in SETTABLE:
            raise ValueError(f"unknown profile field {name!r}")
        attributes[name] = _value(name, value)
    attributes.update(deltas.members.get(chain.member, {}))
    puts = [
        Put(
            keyed(member_key(chain.member), Kind.MEMBER, **attributes),
            Absent(),
            _label(Target.MEMBER, chain.member),
        ),
        # the listing's entry (issue 16): the member item stays out of the index
        Put(
            roster_item(chain.member, chain.referrer, chain.joined_at),
            Absent(),
            _label(Target.MEMBER, chain.member),
        ),
    ]
    if chain.referrer is not None:
        edge = keyed(
            Key(member_pk(chain.referrer), f"CHILD#{chain.joined_at:020d}#{chain.member}"),
            Kind.REFERRAL,
            member=chain.member,
            joined_at=chain.joined_at,
        )
        puts.append(Put(edge, None, _label(Target.REFERRAL, chain.member)))
    return puts


def _member_updates(commit: Commit, entry: JournalEntry, deltas: _Deltas) -> list[Update]:
    """One update per member the event touches: balances added under guards, fields set,
    the version moved (checked where the service read it first)."""
    chain = commit.chain
    touched = set(deltas.members) | set(commit.sets) | set(commit.versions)
    if isinstance(chain, MemberRecord):
        touched.add(chain.member)
    else:
        touched.discard(chain.member)
    updates: list[Update] = []
    for member in sorted(touched):
        adds = {name: delta for name, delta in sorted(deltas.members[member].items()) if delta}
        guards: list[Condition | None] = [
            Cmp(name, ">=", -delta)
            for name, delta in adds.items()
            if delta < 0 and name in MEMBER_BUCKETS.values()
        ]
        sets: dict[str, Value] = {}
        for name, value in commit.sets.get(member, {}).items():
            if name not in SETTABLE:
                raise ValueError(f"unknown settable field {name!r}")
            sets[name] = _value(name, value)
        version: int | None = None
        if isinstance(chain, MemberRecord) and member == chain.member:
            sets["journal_seq"] = entry.seq
            sets["journal_head"] = entry.hash
            version = chain.version
            if commit.settlement_seq is not None:
                guards.append(
                    any_of(LacksAttr("settled_seq"), Cmp("settled_seq", "<", commit.settlement_seq))
                )
                sets["settled_seq"] = commit.settlement_seq
            if commit.closed_month is not None:  # issue 13: once per member per month
                guards.append(
                    any_of(LacksAttr("closed_month"), Cmp("closed_month", "<", commit.closed_month))
                )
                sets["closed_month"] = commit.closed_month
        elif member in commit.versions:
            version = commit.versions[member]
        if version is not None:
            guards.append(eq("version", version))
        # the version moves on every write, read first or not, so a stale reader's
        # conditional write can never go through
        adds["version"] = 1
        updates.append(
            Update(
                member_key(member),
                set=sets,
                add=adds,
                condition=all_of(Exists(), *guards),
                label=_label(Target.MEMBER, member),
            )
        )
    return updates


def _system_update(commit: Commit, deltas: _Deltas) -> list[Update]:
    changed = {name: delta for name, delta in sorted(deltas.system.items()) if delta}
    if not changed:
        return []
    shard = shard_of(commit.event_key)
    return [Update(system_key(shard), add=changed, label=_label(Target.SYSTEM, str(shard)))]


def _unique_items(commit: Commit, entry: JournalEntry, result: str) -> list[Put]:
    """Order, idempotency record and claims: each put only if its key is free."""
    puts: list[Put] = []
    member = entry.member
    if commit.order is not None:
        order = keyed(
            order_key(commit.order),
            Kind.ORDER,
            member=member,
            event_key=commit.event_key,
            result=result,
            created_at=commit.at,
        )
        puts.append(Put(order, Absent(), _label(Target.ORDER, commit.order)))
    if commit.idempotency_key is not None:
        record = keyed(
            idempotency_key(commit.idempotency_key),
            Kind.IDEMPOTENCY,
            result=result,
            created_at=commit.at,
            entry_member=member,
            entry_seq=entry.seq,
        )
        puts.append(Put(record, Absent(), _label(Target.IDEMPOTENCY, commit.idempotency_key)))
    for claim in commit.claims:
        claimed = keyed(claim_key(claim.key), Kind.CLAIM, member=claim.member, created_at=commit.at)
        puts.append(Put(claimed, Absent(), _label(Target.CLAIM, claim.key)))
    return puts


def _inbox(commit: Commit, entry: JournalEntry) -> list[Put]:
    """One unchained reference per other member the postings touch (transfer recipient,
    commission uplines), holding that member's net amounts, so the entry shows in their
    history without a version check on them (no contention on popular uplines)."""
    nets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for posting in commit.postings:
        if posting.owner in (SYSTEM, entry.member) or posting.bucket not in MEMBER_BUCKETS:
            continue
        nets[posting.owner][MEMBER_BUCKETS[posting.bucket]] += posting.amount
    puts: list[Put] = []
    for member in sorted(nets):
        ref = InboxRef(member, entry.at, entry.member, entry.seq, entry.kind, **nets[member])
        puts.append(Put(inbox_item(ref), Absent(), _label(Target.INBOX, member)))
    return puts


def _withdrawal(change: WithdrawalChange, at: int) -> TransactItem:
    record = change.record
    label = _label(Target.WITHDRAWAL, record.request_id)
    if record.version == 0:
        return Put(withdrawal_item(record, change.new_status), Absent(), label)
    sets: dict[str, Value] = {
        "status": change.new_status,
        "decided_at": at,
        "gsi1pk": f"WQ#{change.new_status}",
    }
    if change.decided_by is not None:
        sets["decided_by"] = change.decided_by
    if change.reason is not None:
        sets["reason"] = change.reason
    return Update(
        withdrawal_key(record.request_id),
        set=sets,
        add={"version": 1},
        condition=all_of(eq("status", record.status), eq("version", record.version)),
        label=label,
    )


Built = tuple[JournalEntry, list[TransactItem], str]
"""A commit as written: its journal entry, the transaction's items, the request token."""


def build(commit: Commit, keyring: Keyring) -> Built:
    """The journal entry, the transaction's items and its client request token."""
    entry, journal = _journal(commit, keyring)
    deltas = _deltas(commit)
    result = json.dumps(commit.result or {}, sort_keys=True)
    items: list[TransactItem] = []
    if commit.no_settlement_open:
        items.append(
            Check(
                SEQUENCE_KEY,
                any_of(Absent(), eq("status", SequenceStatus.DONE)),
                _label(Target.GATE, "SEQ"),
            )
        )
    items.append(journal)
    if isinstance(commit.chain, NewMember):
        items += _new_member(commit.chain, entry, deltas)
    items += _member_updates(commit, entry, deltas)
    items += _system_update(commit, deltas)
    items += _unique_items(commit, entry, result)
    items += _inbox(commit, entry)
    if commit.withdrawal is not None:
        items.append(_withdrawal(commit.withdrawal, commit.at))
    items += commit.extra_items  # issue 13: the programs' own items
    token = hashlib.sha256(f"{commit.event_key}|{entry.hash}|{result}".encode()).hexdigest()[:36]
    return entry, items, token


def transact_built(table: Table, built: Built) -> JournalEntry:
    """Send a built commit as one transaction; return its journal entry."""
    entry, items, token = built
    try:
        table.transact(items, token)
    except TransactionCancelled as exc:
        raise translate(exc.reasons) from exc
    except Unavailable as exc:
        # no answer, or a transient refusal: the caller retries, and the client
        # request token makes a repeat of a committed transaction a no-op
        raise UnavailableError(str(exc)) from exc
    return entry


PROGRAM_TARGETS = frozenset({"lottery", "catalog", "month"})
"""Labels of the programs' items (issue 13): a failed condition means another event moved
them since they were read (a draw, a redemption): reload and decide again."""


def translate(reasons: Sequence[Reason]) -> Exception:
    """The domain error for a cancelled event transaction (first matching cause wins)."""
    failed = [(_target(reason.label), reason.label, reason.code) for reason in reasons]
    for target, label, code in failed:
        if code == "ConditionalCheckFailed" and target in {"order", "idempotency", "claim"}:
            return AlreadyExistsError(target, label.split(":", 1)[1])
        if code == "ConditionalCheckFailed" and target == Target.GATE:
            return SettlementRunningError("a settlement run is unfinished")
    for target, _, code in failed:
        if code == "ConditionalCheckFailed" and target in {
            "member",
            "withdrawal",
            "journal",
            *PROGRAM_TARGETS,
        }:
            return ConflictError(f"{target} changed since it was read")
        if code in {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}:
            return ConflictError(f"{target}: {code}")
    if any(target == Target.MEMBER for target, _, _ in failed):
        return GuardError("a balance guard failed")
    return UnavailableError(f"transaction cancelled: {[label for _, label, _ in failed]}")
