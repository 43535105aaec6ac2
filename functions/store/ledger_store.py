"""The DynamoDB ledger store: typed reads and one atomic transaction per event.

``commit`` turns a :class:`Commit` (balanced postings plus the item changes an
event needs) into a single ``TransactWriteItems``:

* every member the postings touch gets ``ADD`` on its balances, guarded by
  ``balance >= amount`` for every decrement so nothing goes negative;
* the member whose chain records the event is version-checked, and the
  journal entry is put with ``attribute_not_exists`` at ``seq + 1``;
* platform accounts go to one of :data:`SHARDS` total items, chosen from the
  event key, so no single item is written by every purchase;
* unique items (order, idempotency record, claims) are put only if absent;
* the entry's hash is an HMAC under the store's :class:`Keyring` (its current
  key, whose id the entry records), so only a holder of the key can chain entries.

Cancellation reasons are mapped back to what failed: a version move is a
:class:`ConflictError` (reload and retry), an existing unique item is
:class:`AlreadyExistsError`.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from functions.rewards.ledger import SYSTEM, Bucket, Posting

from . import models as m
from .errors import (
    AlreadyExistsError,
    ConflictError,
    GuardError,
    SettlementRunningError,
    UnavailableError,
)
from .journal import GENESIS, details_text, encode_postings, entry_mac
from .keyring import Keyring, default_keyring
from .records import (
    GrantRecord,
    JournalEntry,
    MemberRecord,
    PayoutBatchRecord,
    PayoutClaimRecord,
    SettlementSequence,
    SystemTotals,
    WithdrawalRecord,
    WithdrawalStatus,
)

MEMBER_BUCKETS = {
    Bucket.AVAILABLE: "available",
    Bucket.LOCKED: "locked",
    Bucket.WITHDRAWING: "withdrawing",
    Bucket.COMMISSION: "commission",
    Bucket.PAYABLE: "payable",
}
SYSTEM_BUCKETS = {
    Bucket.ISSUANCE: "issuance",
    Bucket.BURNED: "burned",
    Bucket.SALES: "sales",
    Bucket.RESERVE: "reserve",
    Bucket.PLATFORM: "platform",
    Bucket.PAID_OUT: "paid_out",
}
STATISTICS = frozenset(
    {
        "released",
        "forfeited",
        "withdrawn_cash",
        "withdrawn_points",
        "spent",
        "transferred_out",
        "transferred_in",
        "personal_volume",
        "adjusted",
        "grant_seq",
    }
)
SETTABLE = frozenset(
    {
        "frozen",
        "grants",
        "last_settled",
        "team_volume",
        "team_size",
        "level",
        "telegram_id",
        "phone",
        "invite_code",
        "language",
        "display_name",
    }
)
IDEMPOTENCY_TTL_S = 30 * 24 * 3600
"""TTL of the notification log's records (ops_store). The ledger's own idempotency records
never expire: ``jifen verify`` pairs each with its journal entry, and an expired record
would let a replayed key commit twice."""


_UNREAD_VERSION = 0
"""Placeholder version on items updated without reading them first (no condition)."""


def error_code(exc: PynamoDBException) -> str | None:
    """DynamoDB's error code, or None when no response came back (timeouts, resets)."""
    response = getattr(exc.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


SEQUENCE_KEY = ("SETTLE#SEQ", "SEQ")
"""The settlement sequence item: which run was claimed last and whether it is done."""
RUN_COMPUTING, RUN_COMPUTED, RUN_DONE = "computing", "computed", "done"
SEQUENCE_OPEN = "open"


class BatchStatus(StrEnum):
    """A payout batch header's status: claims are accepted only while ``claiming``."""

    CLAIMING = "claiming"
    SEALED = "sealed"


class BatchClaim(StrEnum):
    """What became of one attempt to claim a request for a payout batch."""

    CLAIMED = "claimed"
    TAKEN = "taken"
    """The request is no longer ``approved`` (another batch, or a run of this one, has it)."""
    SEALED = "sealed"
    """The batch was sealed meanwhile: it accepts no more claims."""


def member_pk(member: str) -> str:
    return f"M#{member}"


def shard_of(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % m.SHARDS


@dataclass(frozen=True, slots=True)
class NewMember:
    """A member created by this commit (join)."""

    member: str
    referrer: str | None
    joined_at: int
    profile: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Claim:
    """A unique value (``PHONE#…``, ``TG#…``, ``INVITE#…``) a member takes."""

    key: str
    member: str


@dataclass(frozen=True, slots=True)
class WithdrawalChange:
    """Create a withdrawal request (``record.version == 0``) or move its status."""

    record: WithdrawalRecord
    new_status: str
    decided_by: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class Commit:
    """Everything one event changes; applied all-or-nothing by :meth:`LedgerStore.commit`."""

    event_key: str
    kind: str
    at: int
    chain: MemberRecord | NewMember
    postings: Sequence[Posting] = ()
    details: Mapping[str, object] = field(default_factory=dict)
    statistics: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    sets: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    versions: Mapping[str, int] = field(default_factory=dict)
    """Other members whose version must not have moved (read-then-decide)."""
    fees: int = 0
    order: str | None = None
    result: Mapping[str, object] | None = None
    idempotency_key: str | None = None
    claims: Sequence[Claim] = ()
    withdrawal: WithdrawalChange | None = None
    settlement_seq: int | None = None
    """Settlement run: refuse (conflict) if the chain member was already settled by this run
    or a later one, and record the run on it (``settled_seq``)."""
    no_settlement_open: bool = False
    """Reserve-valued withdrawals: refuse while any settlement run is unfinished."""
    defer_circulating: bool = False
    """Settlement: circulating is added once per page (``apply_page_totals``), not per member."""


_Put = tuple[m.JifenItem, Condition | None, tuple[str, str]]
_Update = tuple[m.JifenItem, list[Action], Condition | None, bool, tuple[str, str]]


def _grant_maps(grants: Sequence[GrantRecord]) -> list[m.GrantMap]:
    return [
        m.GrantMap(  # type: ignore[no-untyped-call]
            seq=grant.seq,
            order=grant.order,
            points=grant.points,
            remaining=grant.remaining,
            daily=grant.daily,
        )
        for grant in grants
    ]


def _member_record(item: m.MemberItem) -> MemberRecord:
    return MemberRecord(
        member=item.member,
        referrer=item.referrer,
        joined_at=int(item.joined_at),
        frozen=bool(item.frozen),
        available=int(item.available),
        locked=int(item.locked),
        withdrawing=int(item.withdrawing),
        commission=int(item.commission),
        payable=int(item.payable),
        released=int(item.released),
        forfeited=int(item.forfeited),
        withdrawn_cash=int(item.withdrawn_cash),
        withdrawn_points=int(item.withdrawn_points),
        spent=int(item.spent),
        transferred_out=int(item.transferred_out),
        transferred_in=int(item.transferred_in),
        personal_volume=int(item.personal_volume),
        adjusted=int(item.adjusted),
        grants=tuple(
            GrantRecord(
                int(grant.seq),
                str(grant.order),
                int(grant.points),
                int(grant.remaining),
                int(grant.daily),
            )
            for grant in item.grants or []
        ),
        grant_seq=int(item.grant_seq),
        journal_seq=int(item.journal_seq),
        journal_head=item.journal_head or GENESIS,
        last_settled=item.last_settled,
        version=int(item.version or 0),
        settled_seq=int(item.settled_seq or 0),
        team_volume=int(item.team_volume or 0),
        team_size=int(item.team_size or 0),
        level=item.level,
        telegram_id=None if item.telegram_id is None else int(item.telegram_id),
        phone=item.phone,
        invite_code=item.invite_code,
        language=item.language,
        display_name=item.display_name,
    )


def _journal_entry(item: m.JournalItem) -> JournalEntry:
    return JournalEntry(
        member=item.member,
        seq=int(item.seq),
        event_key=item.event_key,
        kind=item.entry_kind,
        postings=item.postings,
        details=item.details,
        at=int(item.at),
        prev_hash=item.prev_hash,
        hash=item.hash,
        key_id=item.key_id or "",
    )


def _withdrawal_record(item: m.WithdrawalItem) -> WithdrawalRecord:
    return WithdrawalRecord(
        request_id=item.request_id,
        member=item.member,
        points=int(item.points),
        gross=int(item.gross),
        net=int(item.net),
        fee=int(item.fee),
        cash_source=item.cash_source,
        status=item.status,
        requested_at=int(item.requested_at),
        version=int(item.version or 0),
        decided_by=item.decided_by,
        reason=item.reason,
        batch=item.batch,
    )


class LedgerStore:
    """The only gateway to the table; services speak records and commits."""

    def __init__(
        self,
        table_name: str,
        host: str | None,
        region: str = "us-east-1",
        keyring: Keyring | None = None,
    ) -> None:
        """``keyring`` defaults to the local key file for a local endpoint, and to none at
        all for real AWS (commits then fail: the key must come from SSM, see runtime)."""
        m.bind(table_name, host, region)
        self.table_name = table_name
        self.host = host
        self.region = region
        self.keyring = keyring if keyring is not None else default_keyring(host)
        self.connection = Connection(host=host, region=region, max_retry_attempts=3)

    # -- reads -----------------------------------------------------------
    def get_member(self, member: str) -> MemberRecord | None:
        try:
            item = m.MemberItem.get(member_pk(member), "ACCOUNT", consistent_read=True)
        except m.MemberItem.DoesNotExist:
            return None
        return _member_record(item)

    def get_members(self, members: Sequence[str]) -> dict[str, MemberRecord]:
        keys = [(member_pk(name), "ACCOUNT") for name in dict.fromkeys(members)]
        found: dict[str, MemberRecord] = {}
        for item in m.MemberItem.batch_get(keys, consistent_read=True):
            record = _member_record(item)
            found[record.member] = record
        return found

    def ancestors(self, member: MemberRecord, generations: int) -> list[str]:
        """Referrer, its referrer, … up to ``generations`` (one read per generation)."""
        found: list[str] = []
        referrer = member.referrer
        while referrer is not None and len(found) < generations:
            found.append(referrer)
            parent = self.get_member(referrer)
            referrer = parent.referrer if parent is not None else None
        return found

    def system_totals(self) -> SystemTotals:
        keys = [(f"SYS#{shard:03d}", "TOTALS") for shard in range(m.SHARDS)]
        sums: dict[str, int] = defaultdict(int)
        for item in m.SystemTotalsItem.batch_get(keys, consistent_read=True):
            for name in (*SYSTEM_BUCKETS.values(), "circulating", "fees"):
                sums[name] += int(getattr(item, name) or 0)
        return SystemTotals(
            issuance=sums["issuance"],
            burned=sums["burned"],
            sales=sums["sales"],
            reserve=sums["reserve"],
            platform=sums["platform"],
            paid_out=sums["paid_out"],
            circulating=sums["circulating"],
            fees=sums["fees"],
        )

    def stored_result(self, key: str) -> str | None:
        try:
            return str(m.IdempotencyItem.get(f"IDEM#{key}", "IDEM", consistent_read=True).result)
        except m.IdempotencyItem.DoesNotExist:
            return None

    def get_order(self, order: str) -> tuple[str, str] | None:
        """``(event_key, result)`` of a recorded order, or None."""
        try:
            item = m.OrderItem.get(f"ORDER#{order}", "ORDER", consistent_read=True)
        except m.OrderItem.DoesNotExist:
            return None
        return item.event_key, item.result

    def claim_owner(self, key: str) -> str | None:
        try:
            return str(m.ClaimItem.get(key, "CLAIM", consistent_read=True).member)
        except m.ClaimItem.DoesNotExist:
            return None

    def iter_members(self) -> Iterator[MemberRecord]:
        """Every member in join order (merging the per-shard GSI listings)."""
        listings = [m.JifenItem.gsi1.query(f"MEMBERS#{shard:03d}") for shard in range(m.SHARDS)]
        keyed = (
            ((item.gsi1sk, item) for item in listing if isinstance(item, m.MemberItem))
            for listing in listings
        )
        for _, item in heapq.merge(*keyed, key=lambda pair: pair[0]):
            yield _member_record(item)

    def journal(self, member: str, *, newest_first: bool = False) -> Iterator[JournalEntry]:
        query = m.JournalItem.query(
            member_pk(member),
            m.JournalItem.sk.startswith("J#"),
            consistent_read=True,
            scan_index_forward=not newest_first,
        )
        for item in query:
            yield _journal_entry(item)

    def journal_page(
        self, member: str, *, limit: int, before_seq: int | None = None
    ) -> list[JournalEntry]:
        """Newest first, ``limit`` entries older than ``before_seq`` (history screens)."""
        condition = (
            m.JournalItem.sk.between("J#", f"J#{before_seq - 1:012d}")
            if before_seq is not None
            else m.JournalItem.sk.startswith("J#")
        )
        items = m.JournalItem.query(
            member_pk(member), condition, scan_index_forward=False, limit=limit
        )
        return [_journal_entry(item) for item in items]

    def children(self, member: str, *, limit: int | None = None) -> list[str]:
        """Direct invitees in join order."""
        query = m.ReferralEdgeItem.query(
            member_pk(member), m.ReferralEdgeItem.sk.startswith("CHILD#"), limit=limit
        )
        return [item.member for item in query]

    def get_withdrawal(self, request_id: str) -> WithdrawalRecord | None:
        try:
            item = m.WithdrawalItem.get(f"W#{request_id}", "W", consistent_read=True)
        except m.WithdrawalItem.DoesNotExist:
            return None
        return _withdrawal_record(item)

    def withdrawals(self, status: str, limit: int = 50) -> list[WithdrawalRecord]:
        items = m.JifenItem.gsi1.query(f"WQ#{status}", limit=limit)
        return [_withdrawal_record(item) for item in items if isinstance(item, m.WithdrawalItem)]

    def scan_journal(self) -> Iterator[m.JournalItem]:
        """Every journal entry (audit only: a full scan)."""
        for item in m.JifenItem.scan(m.JifenItem.kind == m.JournalItem):
            if isinstance(item, m.JournalItem):
                yield item

    def scan_audit_records(self) -> Iterator[m.JifenItem]:
        """Every withdrawal, idempotency record and order (audit only: a full scan)."""
        kinds = (m.WithdrawalItem, m.IdempotencyItem, m.OrderItem)
        condition = m.JifenItem.kind.is_in(*kinds)
        for item in m.JifenItem.scan(condition):
            if isinstance(item, kinds):
                yield item

    # -- the unit of work ------------------------------------------------
    def commit(self, commit: Commit) -> JournalEntry:
        """Apply ``commit`` atomically; return the journal entry it appended."""
        labels: list[tuple[str, str]] = []  # (what, key) in TransactItems order
        puts: list[tuple[m.JifenItem, Condition | None, tuple[str, str]]] = []
        updates: list[
            tuple[m.JifenItem, list[Action], Condition | None, bool, tuple[str, str]]
        ] = []

        chain = commit.chain
        chain_member = chain.member
        seq = 1 if isinstance(chain, NewMember) else chain.journal_seq + 1
        prev = GENESIS if isinstance(chain, NewMember) else chain.journal_head
        postings_text = encode_postings(commit.postings)
        details = details_text(commit.details)
        key_id, key = self.keyring.current()
        digest = entry_mac(
            key,
            key_id=key_id,
            prev_hash=prev,
            member=chain_member,
            seq=seq,
            event_key=commit.event_key,
            kind=commit.kind,
            postings=postings_text,
            details=details,
            at=commit.at,
        )
        journal = m.JournalItem(
            member_pk(chain_member),
            f"J#{seq:012d}",
            member=chain_member,
            seq=seq,
            event_key=commit.event_key,
            entry_kind=commit.kind,
            postings=postings_text,
            details=details,
            at=commit.at,
            prev_hash=prev,
            hash=digest,
            key_id=key_id,
        )
        puts.append((journal, m.JifenItem.pk.does_not_exist(), ("journal", chain_member)))

        member_deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        system_deltas: dict[str, int] = defaultdict(int)
        for posting in commit.postings:
            if posting.owner == SYSTEM:
                system_deltas[SYSTEM_BUCKETS[posting.bucket]] += posting.amount
            else:
                member_deltas[posting.owner][MEMBER_BUCKETS[posting.bucket]] += posting.amount
                if posting.bucket is Bucket.AVAILABLE and not commit.defer_circulating:
                    system_deltas["circulating"] += posting.amount
        for member, stats in commit.statistics.items():
            for name, delta in stats.items():
                assert name in STATISTICS, name
                member_deltas[member][name] += delta
        if commit.fees:
            system_deltas["fees"] += commit.fees

        touched = set(member_deltas) | set(commit.sets) | set(commit.versions) | {chain_member}
        if isinstance(chain, NewMember):
            touched.discard(chain_member)
            new = m.MemberItem(
                member_pk(chain_member),
                "ACCOUNT",
                member=chain_member,
                referrer=chain.referrer,
                joined_at=chain.joined_at,
                journal_seq=1,
                journal_head=digest,
                gsi1pk=f"MEMBERS#{shard_of(chain_member):03d}",
                gsi1sk=f"{chain.joined_at:020d}#{chain_member}",
            )
            for name, value in chain.profile.items():
                assert name in SETTABLE, name
                setattr(new, name, value)
            for name, delta in member_deltas.get(chain_member, {}).items():
                setattr(new, name, delta)
            puts.append((new, m.JifenItem.pk.does_not_exist(), ("member", chain_member)))
            if chain.referrer is not None:
                edge = m.ReferralEdgeItem(
                    member_pk(chain.referrer),
                    f"CHILD#{chain.joined_at:020d}#{chain_member}",
                    member=chain_member,
                    joined_at=chain.joined_at,
                )
                puts.append((edge, None, ("referral", chain_member)))
        for member in sorted(touched):
            item = m.MemberItem(member_pk(member), "ACCOUNT")
            actions: list[Action] = []
            condition: Condition = m.JifenItem.pk.exists()
            for name, delta in sorted(member_deltas.get(member, {}).items()):
                if delta == 0:
                    continue
                attribute = getattr(m.MemberItem, name)
                actions.append(attribute.add(delta))
                if delta < 0 and name in MEMBER_BUCKETS.values():
                    condition &= attribute >= -delta
            for name, value in commit.sets.get(member, {}).items():
                assert name in SETTABLE, name
                attribute = getattr(m.MemberItem, name)
                if name == "grants":
                    actions.append(attribute.set(_grant_maps(value)))  # type: ignore[arg-type]
                elif value is None:
                    actions.append(attribute.remove())
                else:
                    actions.append(attribute.set(value))
            versioned = False
            if member == chain_member:
                assert isinstance(chain, MemberRecord)
                actions.append(m.MemberItem.journal_seq.set(seq))
                actions.append(m.MemberItem.journal_head.set(digest))
                item.version = chain.version
                versioned = True
                if commit.settlement_seq is not None:
                    condition &= m.MemberItem.settled_seq.does_not_exist() | (
                        m.MemberItem.settled_seq < commit.settlement_seq
                    )
                    actions.append(m.MemberItem.settled_seq.set(commit.settlement_seq))
            elif member in commit.versions:
                item.version = commit.versions[member]
                versioned = True
            else:
                # Not read first (commission upline, transfer recipient): no version condition,
                # but the version must still move. pynamodb emits ``ADD version 1`` when the
                # instance has a version and ``SET version = 1`` when it has none, which would
                # rewind it and let a stale reader's conditional write through.
                item.version = _UNREAD_VERSION
            if actions or versioned:
                updates.append((item, actions, condition, versioned, ("member", member)))

        if system_deltas and any(system_deltas.values()):
            shard = shard_of(commit.event_key)
            totals = m.SystemTotalsItem(f"SYS#{shard:03d}", "TOTALS")
            actions = [
                getattr(m.SystemTotalsItem, name).add(delta)
                for name, delta in sorted(system_deltas.items())
                if delta
            ]
            updates.append((totals, actions, None, False, ("system", str(shard))))

        result_text = json.dumps(commit.result or {}, sort_keys=True)
        if commit.order is not None:
            order = m.OrderItem(
                f"ORDER#{commit.order}",
                "ORDER",
                member=chain_member,
                event_key=commit.event_key,
                result=result_text,
                created_at=commit.at,
            )
            puts.append((order, m.JifenItem.pk.does_not_exist(), ("order", commit.order)))
        if commit.idempotency_key is not None:
            record = m.IdempotencyItem(
                f"IDEM#{commit.idempotency_key}",
                "IDEM",
                result=result_text,
                created_at=commit.at,
                entry_member=chain_member,
                entry_seq=seq,
            )
            puts.append(
                (record, m.JifenItem.pk.does_not_exist(), ("idempotency", commit.idempotency_key))
            )
        for claim in commit.claims:
            claimed = m.ClaimItem(claim.key, "CLAIM", member=claim.member, created_at=commit.at)
            puts.append((claimed, m.JifenItem.pk.does_not_exist(), ("claim", claim.key)))
        if commit.withdrawal is not None:
            self._withdrawal_ops(commit.withdrawal, commit.at, puts, updates)

        with_token = hashlib.sha256(
            (commit.event_key + "|" + digest + "|" + result_text).encode()
        ).hexdigest()[:36]
        try:
            with TransactWrite(connection=self.connection, client_request_token=with_token) as tx:
                if commit.no_settlement_open:
                    tx.condition_check(
                        m.SettlementSequenceItem,
                        *SEQUENCE_KEY,
                        condition=m.JifenItem.pk.does_not_exist()
                        | (m.SettlementSequenceItem.status == RUN_DONE),
                    )
                    labels.append(("gate", "SEQ"))
                for put_item, put_condition, label in puts:
                    tx.save(put_item, condition=put_condition)
                    labels.append(label)
                for target, target_actions, target_condition, versioned, label in updates:
                    tx.update(
                        target,
                        target_actions,
                        condition=target_condition,
                        add_version_condition=versioned,
                    )
                    labels.append(label)
        except TransactWriteError as exc:
            raise self._translate(exc, labels) from exc
        return JournalEntry(
            chain_member,
            seq,
            commit.event_key,
            commit.kind,
            postings_text,
            details,
            commit.at,
            prev,
            digest,
            key_id,
        )

    def _withdrawal_ops(
        self,
        change: WithdrawalChange,
        at: int,
        puts: list[_Put],
        updates: list[_Update],
    ) -> None:
        record = change.record
        if record.version == 0:
            item = m.WithdrawalItem(
                f"W#{record.request_id}",
                "W",
                request_id=record.request_id,
                member=record.member,
                points=record.points,
                gross=record.gross,
                net=record.net,
                fee=record.fee,
                cash_source=record.cash_source,
                status=change.new_status,
                requested_at=record.requested_at,
                gsi1pk=f"WQ#{change.new_status}",
                gsi1sk=f"{record.requested_at:020d}#{record.request_id}",
            )
            puts.append((item, m.JifenItem.pk.does_not_exist(), ("withdrawal", record.request_id)))
            return
        existing = m.WithdrawalItem(f"W#{record.request_id}", "W")
        existing.version = record.version
        actions: list[Action] = [
            m.WithdrawalItem.status.set(change.new_status),
            m.WithdrawalItem.decided_at.set(at),
            m.JifenItem.gsi1pk.set(f"WQ#{change.new_status}"),
        ]
        if change.decided_by is not None:
            actions.append(m.WithdrawalItem.decided_by.set(change.decided_by))
        if change.reason is not None:
            actions.append(m.WithdrawalItem.reason.set(change.reason))
        condition = m.WithdrawalItem.status == record.status
        updates.append((existing, actions, condition, True, ("withdrawal", record.request_id)))

    @staticmethod
    def _translate(exc: TransactWriteError, labels: Sequence[tuple[str, str]]) -> Exception:
        code = error_code(exc)
        if code != "TransactionCanceledException":
            if code is None or code in {
                "ProvisionedThroughputExceededException",
                "ThrottlingException",
                "RequestLimitExceeded",
                "InternalServerError",
                "TransactionConflict",
                "TransactionInProgressException",
            }:
                # no answer (timeout, reset) or a transient refusal: the caller retries; the
                # client request token makes a repeat of a committed transaction a no-op
                return UnavailableError(code or f"no response: {exc.cause!r}")
            return exc
        failed = [
            (label, reason.code)
            for label, reason in zip(labels, exc.cancellation_reasons, strict=False)
            if reason is not None and reason.code not in (None, "None")
        ]
        for (what, key), code in failed:
            if code == "ConditionalCheckFailed" and what in {"order", "idempotency", "claim"}:
                return AlreadyExistsError(what, key)
            if code == "ConditionalCheckFailed" and what == "gate":
                return SettlementRunningError("a settlement run is unfinished")
        for (what, _key), code in failed:
            if code == "ConditionalCheckFailed" and what in {"member", "withdrawal", "journal"}:
                return ConflictError(f"{what} changed since it was read")
            if code in {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}:
                return ConflictError(f"{what}: {code}")
        if any(what == "member" for (what, _), _ in failed):
            return GuardError("a balance guard failed")
        return UnavailableError(f"transaction cancelled: {failed}")

    # -- settlement pages --------------------------------------------------
    def put_unique(self, item: m.JifenItem) -> bool:
        """Put ``item`` if its key is free; False when it already existed."""
        try:
            item.save(condition=m.JifenItem.pk.does_not_exist())
        except PutError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def batch_put(self, items: Sequence[m.JifenItem]) -> None:
        with m.JifenItem.batch_write() as batch:
            for item in items:
                batch.save(item)

    def settlement_run(self, date: str) -> m.SettlementRunItem | None:
        try:
            return m.SettlementRunItem.get(f"SETTLE#{date}", "RUN", consistent_read=True)
        except m.SettlementRunItem.DoesNotExist:
            return None

    def settlement_sequence(self) -> SettlementSequence | None:
        """The last claimed run (strongly consistent), or None before the first run."""
        try:
            item = m.SettlementSequenceItem.get(*SEQUENCE_KEY, consistent_read=True)
        except m.SettlementSequenceItem.DoesNotExist:
            return None
        return SettlementSequence(int(item.seq), item.date, item.status)

    def open_run(
        self, date: str, run_id: str, at: int, previous: SettlementSequence | None
    ) -> bool:
        """Claim ``date`` as the next run, atomically with moving the sequence past ``previous``.

        One transaction: the sequence goes from ``previous`` (which must be ``done``;
        None: no run yet) to ``(previous.seq + 1, date, open)``, and the run record is
        created ``computing`` as ``run_id`` with that sequence number. False when
        another worker moved the sequence first or the run record already exists.
        """
        seq = 1 if previous is None else previous.seq + 1
        run = m.SettlementRunItem(
            f"SETTLE#{date}",
            "RUN",
            date=date,
            run_id=run_id,
            run_seq=seq,
            status=RUN_COMPUTING,
            created_at=at,
        )
        sequence = m.SettlementSequenceItem(*SEQUENCE_KEY)
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.save(run, condition=m.JifenItem.pk.does_not_exist())
                if previous is None:
                    sequence.seq, sequence.date, sequence.status = seq, date, SEQUENCE_OPEN
                    tx.save(sequence, condition=m.JifenItem.pk.does_not_exist())
                else:
                    tx.update(
                        sequence,
                        [
                            m.SettlementSequenceItem.seq.set(seq),
                            m.SettlementSequenceItem.date.set(date),
                            m.SettlementSequenceItem.status.set(SEQUENCE_OPEN),
                        ],
                        condition=(m.SettlementSequenceItem.seq == previous.seq)
                        & (m.SettlementSequenceItem.status == RUN_DONE),
                    )
        except TransactWriteError as exc:
            if error_code(exc) == "TransactionCanceledException":
                return False
            raise UnavailableError(f"run not claimed: {error_code(exc)}") from exc
        return True

    def take_over_run(self, run: m.SettlementRunItem, run_id: str) -> bool:
        """Replace a run stuck in ``computing`` (its worker crashed); False if we lost."""
        try:
            run.update(
                actions=[m.SettlementRunItem.run_id.set(run_id)],
                condition=(m.SettlementRunItem.run_id == run.run_id)
                & (m.SettlementRunItem.status == RUN_COMPUTING),
            )
        except UpdateError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def write_pages(self, date: str, run_id: str, payloads: Sequence[bytes]) -> None:
        self.batch_put(
            [
                m.SettlementPageItem(
                    f"SETTLE#{date}",
                    f"PAGE#{run_id}#{number:06d}",
                    date=date,
                    run_id=run_id,
                    page=number,
                    payload=payload,
                )
                for number, payload in enumerate(payloads)
            ]
        )

    def mark_run_computed(self, date: str, run_id: str, pages: int, totals: str) -> bool:
        """Publish the pages of ``run_id``; False if another worker took the run over."""
        run = m.SettlementRunItem(f"SETTLE#{date}", "RUN")
        try:
            run.update(
                actions=[
                    m.SettlementRunItem.status.set(RUN_COMPUTED),
                    m.SettlementRunItem.pages.set(pages),
                    m.SettlementRunItem.totals.set(totals),
                ],
                condition=(m.SettlementRunItem.run_id == run_id)
                & (m.SettlementRunItem.status == RUN_COMPUTING),
            )
        except UpdateError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def settlement_pages(
        self, date: str, run_id: str | None = None
    ) -> Iterator[m.SettlementPageItem]:
        """The pages of the date's current run (or of ``run_id``), in order."""
        if run_id is None:
            run = self.settlement_run(date)
            if run is None:
                return
            run_id = run.run_id
        query = m.JifenItem.query(
            f"SETTLE#{date}", m.JifenItem.sk.startswith(f"PAGE#{run_id}#"), consistent_read=True
        )
        for item in query:
            if isinstance(item, m.SettlementPageItem):
                yield item

    def get_page(self, date: str, run_id: str, number: int) -> m.SettlementPageItem | None:
        try:
            return m.SettlementPageItem.get(
                f"SETTLE#{date}", f"PAGE#{run_id}#{number:06d}", consistent_read=True
            )
        except m.SettlementPageItem.DoesNotExist:
            return None

    def applied_pages(self, date: str, run_id: str) -> set[int]:
        query = m.JifenItem.query(
            f"SETTLE#{date}", m.JifenItem.sk.startswith(f"APPLIED#{run_id}#"), consistent_read=True
        )
        return {int(item.sk.rsplit("#", 1)[1]) for item in query}

    def open_settlement(self) -> str | None:
        """The date of the unfinished settlement run, if any (reserve prices are in flux)."""
        sequence = self.settlement_sequence()
        return sequence.date if sequence is not None and sequence.open else None

    def set_team_figures(self, member: str, volume: int, size: int, level: str | None) -> None:
        """Statement figures only (idempotent SET, no journal): not part of the ledger."""
        item = m.MemberItem(member_pk(member), "ACCOUNT")
        item.version = _UNREAD_VERSION  # ADD 1, never SET 1 (see commit)
        item.update(
            actions=[
                m.MemberItem.team_volume.set(volume),
                m.MemberItem.team_size.set(size),
                m.MemberItem.level.set(level) if level else m.MemberItem.level.remove(),
            ],
            condition=m.JifenItem.pk.exists(),
            add_version_condition=False,
        )

    def apply_page_totals(self, page: m.SettlementPageItem, circulating: int, at: int) -> bool:
        """Mark a page applied and add its released points to circulating, exactly once.

        False when the page was already applied; other cancellations (a
        conflicting write on the shard) raise :class:`UnavailableError` so the
        caller retries instead of losing the total.
        """
        marker = m.PageAppliedItem(page.pk, f"APPLIED#{page.run_id}#{int(page.page):06d}", at=at)
        shard = m.SystemTotalsItem(f"SYS#{shard_of(f'{page.pk}{page.sk}'):03d}", "TOTALS")
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.save(marker, condition=m.JifenItem.pk.does_not_exist())
                if circulating:
                    tx.update(shard, [m.SystemTotalsItem.circulating.add(circulating)])
        except TransactWriteError as exc:
            reasons = (
                exc.cancellation_reasons
                if error_code(exc) == ("TransactionCanceledException")
                else []
            )
            first = reasons[0] if reasons else None
            if first is not None and first.code == "ConditionalCheckFailed":
                return False
            raise UnavailableError(f"page totals not applied: {error_code(exc)}") from exc
        return True

    def finish_run(self, run: m.SettlementRunItem) -> None:
        """Mark ``run`` done and close the sequence in one transaction (idempotent).

        The sequence is closed only if it still names this run, so finishing one date
        can never close another date's run.
        """
        sequence = m.SettlementSequenceItem(*SEQUENCE_KEY)
        record = m.SettlementRunItem(run.pk, run.sk)
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.update(
                    record,
                    [
                        m.SettlementRunItem.status.set(RUN_DONE),
                        m.SettlementRunItem.pages_applied.set(int(run.pages)),
                    ],
                    condition=(m.SettlementRunItem.run_id == run.run_id)
                    & (m.SettlementRunItem.status == RUN_COMPUTED),
                )
                tx.update(
                    sequence,
                    [m.SettlementSequenceItem.status.set(RUN_DONE)],
                    condition=(m.SettlementSequenceItem.seq == run.run_seq)
                    & (m.SettlementSequenceItem.date == run.date),
                )
        except TransactWriteError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise UnavailableError(f"run not finished: {error_code(exc)}") from exc
            current = self.settlement_run(run.date)
            if current is None or current.status != RUN_DONE:
                raise UnavailableError(f"run of {run.date} could not be finished") from exc

    # -- payout batches ----------------------------------------------------
    def withdrawals_before(
        self, status: str, before_us: int, limit: int | None = None
    ) -> list[WithdrawalRecord]:
        """Requests in queue ``WQ#<status>`` made before ``before_us``, oldest first (GSI)."""
        items = m.JifenItem.gsi1.query(
            f"WQ#{status}", m.JifenItem.gsi1sk < f"{before_us:020d}", limit=limit
        )
        return [_withdrawal_record(item) for item in items if isinstance(item, m.WithdrawalItem)]

    def iter_withdrawals(self, status: str) -> Iterator[WithdrawalRecord]:
        """Every request in queue ``WQ#<status>``, oldest first (GSI, all pages)."""
        for item in m.JifenItem.gsi1.query(f"WQ#{status}"):
            if isinstance(item, m.WithdrawalItem):
                yield _withdrawal_record(item)

    def payout_batch(self, date: str) -> PayoutBatchRecord | None:
        try:
            item = m.PayoutBatchItem.get(f"PAYOUT#{date}", "BATCH", consistent_read=True)
        except m.PayoutBatchItem.DoesNotExist:
            return None
        return PayoutBatchRecord(
            date=item.date,
            status=item.status,
            cutoff_us=int(item.cutoff),
            opened_at=int(item.opened_at),
            sealed_at=None if item.sealed_at is None else int(item.sealed_at),
        )

    def open_payout_batch(self, date: str, cutoff_us: int, at: int) -> PayoutBatchRecord:
        """The day's batch header, created ``claiming`` if absent (a concurrent opener may win)."""
        self.put_unique(
            m.PayoutBatchItem(
                f"PAYOUT#{date}",
                "BATCH",
                date=date,
                status=BatchStatus.CLAIMING.value,
                cutoff=cutoff_us,
                opened_at=at,
            )
        )
        opened = self.payout_batch(date)
        assert opened is not None, f"payout batch {date} vanished after it was opened"
        return opened

    def seal_payout_batch(self, date: str, at: int) -> None:
        """``claiming`` → ``sealed`` (idempotent): from now on the batch's claims are fixed."""
        header = m.PayoutBatchItem(f"PAYOUT#{date}", "BATCH")
        try:
            header.update(
                actions=[
                    m.PayoutBatchItem.status.set(BatchStatus.SEALED.value),
                    m.PayoutBatchItem.sealed_at.set(at),
                ],
                condition=m.PayoutBatchItem.status == BatchStatus.CLAIMING.value,
            )
        except UpdateError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            sealed = self.payout_batch(date)
            if sealed is None or sealed.status != BatchStatus.SEALED:
                raise

    def claim_for_payout(self, date: str, record: WithdrawalRecord, at: int) -> BatchClaim:
        """Move ``record`` ``approved`` → ``batched`` into day ``date``'s batch, atomically.

        One transaction: the header must still be ``claiming``, the claim item must be
        new, and the request must still be ``approved`` at the version read. So a
        request belongs to at most one batch, and no claim lands after a seal.
        """
        pk = f"PAYOUT#{date}"
        claim = m.PayoutClaimItem(
            pk,
            f"CLAIM#{record.requested_at:020d}#{record.request_id}",
            request_id=record.request_id,
            member=record.member,
            net=record.net,
            gross=record.gross,
            fee=record.fee,
            points=record.points,
            cash_source=record.cash_source,
            requested_at=record.requested_at,
            approved_by=record.decided_by,
            claimed_at=at,
        )
        request = m.WithdrawalItem(f"W#{record.request_id}", "W")
        request.version = record.version
        try:
            with TransactWrite(connection=self.connection) as tx:
                # pynamodb sends condition checks, then puts, then updates: the labels'
                # order below is the order of the cancellation reasons
                tx.condition_check(
                    m.PayoutBatchItem,
                    pk,
                    "BATCH",
                    condition=m.PayoutBatchItem.status == BatchStatus.CLAIMING.value,
                )
                tx.save(claim, condition=m.JifenItem.pk.does_not_exist())
                tx.update(
                    request,
                    [
                        m.WithdrawalItem.status.set(WithdrawalStatus.BATCHED.value),
                        m.WithdrawalItem.batch.set(date),
                        m.JifenItem.gsi1pk.set(f"WQ#{WithdrawalStatus.BATCHED.value}"),
                    ],
                    condition=m.WithdrawalItem.status == WithdrawalStatus.APPROVED.value,
                    add_version_condition=True,
                )
        except TransactWriteError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise self._translate(exc, ()) from exc
            codes = [None if reason is None else reason.code for reason in exc.cancellation_reasons]
            header_code, claim_code, request_code = [*codes, None, None, None][:3]
            if header_code == "ConditionalCheckFailed":
                return BatchClaim.SEALED
            if "ConditionalCheckFailed" in (claim_code, request_code):
                return BatchClaim.TAKEN
            raise UnavailableError(f"payout claim cancelled: {codes}") from exc
        return BatchClaim.CLAIMED

    def payout_claims(self, date: str) -> list[PayoutClaimRecord]:
        """Day ``date``'s claims in report order (strongly consistent Query of its partition)."""
        query = m.JifenItem.query(
            f"PAYOUT#{date}", m.JifenItem.sk.startswith("CLAIM#"), consistent_read=True
        )
        return [
            PayoutClaimRecord(
                date=date,
                request_id=item.request_id,
                member=item.member,
                net=int(item.net),
                gross=int(item.gross),
                fee=int(item.fee),
                points=int(item.points),
                cash_source=item.cash_source,
                requested_at=int(item.requested_at),
                approved_by=item.approved_by,
                claimed_at=int(item.claimed_at),
            )
            for item in query
            if isinstance(item, m.PayoutClaimItem)
        ]

    def raw(self) -> Any:
        """The botocore client under pynamodb (benchmarks count its requests)."""
        return self.connection.client
