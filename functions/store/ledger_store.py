"""The ledger store: typed reads and one atomic transaction per event, on any :class:`Table`.

Written once against the table port, so the DynamoDB adapter and the in-memory twin
run the very same item logic (``functions/store/items.py`` for the items,
``functions/store/commit.py`` for the transaction of one event,
``settlement_store.py`` and ``payout_store.py`` for runs and payout batches).
Services see it through :class:`functions.store.ports.LedgerPort`.

``commit`` turns a :class:`~functions.store.commit.Commit` (balanced postings plus
the item changes an event needs) into a single transaction:

* every member the postings touch gets ``ADD`` on its balances, guarded by
  ``balance >= amount`` for every decrement so nothing goes negative;
* the member whose chain records the event is version-checked, and the
  journal entry is put only if absent at ``seq + 1``;
* platform accounts go to one of :data:`~functions.store.items.SHARDS` total items,
  chosen from the event key, so no single item is written by every purchase;
* unique items (order, idempotency record, claims) are put only if absent;
* the entry's hash is an HMAC under the store's :class:`Keyring` (its current
  key, whose id the entry records), so only a holder of the key can chain entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence

from .aggregate_store import DailyAggregates
from .commit import SYSTEM_BUCKETS, Commit
from .items import (
    INBOX_PREFIX,
    ROSTER_SK,
    SHARDS,
    Kind,
    claim_key,
    idempotency_key,
    inbox_ref,
    journal_entry,
    journal_key,
    member_key,
    member_pk,
    member_record,
    number,
    optional_number,
    optional_text,
    order_key,
    roster_item,
    roster_partition,
    system_key,
    text,
    withdrawal_key,
    withdrawal_record,
)
from .keyring import Keyring
from .member_listing import listed_members, load_roll
from .member_roll import MemberRoll
from .payout_store import PayoutBatches
from .plan_store import PlanVersions
from .program_store import ProgramItems
from .records import (
    AuditRecord,
    IdempotencyRecord,
    InboxRef,
    JournalEntry,
    MemberRecord,
    OrderRecord,
    StoredEntry,
    StoredWithdrawal,
    SystemTotals,
    WithdrawalRecord,
)
from .settlement_store import SettlementRuns
from .settlement_writes import SettlementWrites
from .table import Absent, Exists, Put, Table, TransactionCancelled, Update
from .transaction import build, transact_built

SETTLEMENT_ATTRIBUTES = (
    "member",
    "referrer",
    "joined_at",
    "personal_volume",
    "grants",
    "team_volume",
    "team_size",
    "level",
    # economics (issue 12): the gate's marks, the regions' cash
    "gate_orders",
    "gate_referrals",
    "active_run",
    "orders",
    "region",
    "region_cash",
    # programs (issue 13): the stakes and the issuance cap's outstanding points
    "stakes",
    "staked",
    "spare",
    "available",
    "locked",
    "withdrawing",
)
"""What the compute step reads of a member (functions/services/settlement_results.py and
the release controls, pools and staking step it calls); the live-against-engine contract
tests (tests/contract/test_scenarios.py, test_programs.py) fail if one is missing."""


class LedgerStore(
    SettlementRuns, SettlementWrites, PayoutBatches, PlanVersions, DailyAggregates, ProgramItems
):
    """The only gateway to the ledger's items; services speak records and commits."""

    def __init__(
        self, table: Table, keyring: Keyring, reopen: Callable[[], Table] | None = None
    ) -> None:
        self.table = table
        self._keyring = keyring
        self._reopen = reopen
        """The same table on a new client, for another process (None: in-process only)."""
        self._init_settlement_writes()

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def table_name(self) -> str:
        return self.table.name

    # -- members ---------------------------------------------------------------
    def get_member(self, member: str) -> MemberRecord | None:
        item = self.table.get(member_key(member))
        return member_record(item) if item is not None else None

    def get_members(
        self, members: Sequence[str], *, consistent: bool = True
    ) -> dict[str, MemberRecord]:
        keys = [member_key(name) for name in dict.fromkeys(members)]
        found = (member_record(item) for item in self.table.batch_get(keys, consistent=consistent))
        return {record.member: record for record in found}

    def ancestors(self, member: MemberRecord, generations: int) -> list[str]:
        """Referrer, its referrer, … up to ``generations`` (one read per generation)."""
        found: list[str] = []
        referrer = member.referrer
        while referrer is not None and len(found) < generations:
            found.append(referrer)
            parent = self.get_member(referrer)
            referrer = parent.referrer if parent is not None else None
        return found

    def settlement_roll(self, processes: int = 1) -> MemberRoll:
        """Every member in join order, as columns of what the compute step reads
        (:data:`SETTLEMENT_ATTRIBUTES`), eventually consistent; read by ``processes``
        worker processes when the table can be opened again in another one
        (functions/store/member_listing.py)."""
        return load_roll(
            self.table, SETTLEMENT_ATTRIBUTES, reopen=self._reopen, processes=processes
        )

    def iter_members(self) -> Iterator[MemberRecord]:
        """Every member in join order (the shards' listings merged as they are read)."""
        for item in listed_members(self.table, None, consistent=True):
            yield member_record(item)

    def migrate_roster(self, limit: int | None = None) -> int:
        """Move members indexed by their own item (before issue 16) to roster items: the
        roster put (if absent) and the member's index keys removed, one transaction each.
        Idempotent; returns how many it moved."""
        moved = 0
        for shard in range(SHARDS):
            for item in self.table.query_index(
                roster_partition(shard), attributes=("member", "sk", "referrer", "joined_at")
            ):
                if item.get("sk") == ROSTER_SK:
                    continue
                if limit is not None and moved >= limit:
                    return moved
                name = text(item, "member")
                referrer = optional_text(item, "referrer")
                roster = roster_item(name, referrer, number(item, "joined_at"))
                try:
                    self.table.transact(
                        [
                            Put(roster, condition=Absent(), label=f"roster:{name}"),
                            Update(
                                member_key(name),
                                set={"gsi1pk": None, "gsi1sk": None},
                                condition=Exists(),
                                label=f"member:{name}",
                            ),
                        ],
                        hashlib.sha256(f"roster|{name}".encode()).hexdigest()[:36],
                    )
                except TransactionCancelled:
                    # already moved by an overlapping run: drop the index keys only
                    self.table.write(
                        Update(
                            member_key(name),
                            set={"gsi1pk": None, "gsi1sk": None},
                            condition=Exists(),
                        )
                    )
                moved += 1
        return moved

    def children(self, member: str, *, limit: int | None = None) -> list[str]:
        """Direct invitees in join order."""
        items = self.table.query(member_pk(member), prefix="CHILD#", limit=limit, consistent=False)
        return [text(item, "member") for item in items]

    def children_page(
        self, member: str, *, limit: int, before: str | None = None
    ) -> tuple[list[str], str | None]:
        """Direct invitees, newest first, ``limit`` at a time: ``(names, cursor)``; pass the
        cursor back as ``before`` for the next (older) page, None when there is none."""
        items = list(
            self.table.query(
                member_pk(member),
                prefix="CHILD#",
                below=before,
                newest_first=True,
                limit=limit + 1,
                consistent=False,
            )
        )
        more = len(items) > limit
        page = items[:limit]
        cursor = text(page[-1], "sk") if more and page else None
        return [text(item, "member") for item in page], cursor

    def claim_owner(self, key: str) -> str | None:
        item = self.table.get(claim_key(key))
        return text(item, "member") if item is not None else None

    # -- platform totals ---------------------------------------------------------
    def system_totals(self) -> SystemTotals:
        sums = dict.fromkeys((*SYSTEM_BUCKETS.values(), "circulating", "fees"), 0)
        for item in self.table.batch_get([system_key(shard) for shard in range(SHARDS)]):
            for name in sums:
                sums[name] += number(item, name)
        return SystemTotals(
            issuance=sums["issuance"],
            burned=sums["burned"],
            sales=sums["sales"],
            reserve=sums["reserve"],
            platform=sums["platform"],
            paid_out=sums["paid_out"],
            circulating=sums["circulating"],
            fees=sums["fees"],
            lottery_pool=sums["lottery_pool"],  # issue 13
            rewards=sums["rewards"],
            spare_issuance=sums["spare_issuance"],
            clawback=sums["clawback"],
        )

    # -- replays -----------------------------------------------------------------
    def stored_result(self, key: str) -> str | None:
        item = self.table.get(idempotency_key(key))
        return text(item, "result") if item is not None else None

    def get_order(self, order: str) -> tuple[str, str] | None:
        """``(event_key, result)`` of a recorded order, or None."""
        item = self.table.get(order_key(order))
        return (text(item, "event_key"), text(item, "result")) if item is not None else None

    def order_recorded_at(self, order: str) -> int | None:
        """When an order was recorded (economics, issue 12: a refund's window counts the
        settlement runs started since)."""
        item = self.table.get(order_key(order))
        return number(item, "created_at") if item is not None else None

    # -- journal -------------------------------------------------------------------
    def journal(self, member: str, *, newest_first: bool = False) -> Iterator[JournalEntry]:
        for item in self.table.query(member_pk(member), prefix="J#", newest_first=newest_first):
            yield journal_entry(item)

    def journal_page(
        self,
        member: str,
        *,
        limit: int,
        before_seq: int | None = None,
        consistent: bool = False,
    ) -> list[JournalEntry]:
        """Newest first, ``limit`` entries older than ``before_seq`` (history screens;
        ``consistent`` where a page is checked against the member's chain head)."""
        below = f"J#{before_seq:012d}" if before_seq is not None else None
        items = self.table.query(
            member_pk(member),
            prefix="J#",
            below=below,
            newest_first=True,
            limit=limit,
            consistent=consistent,
        )
        return [journal_entry(item) for item in items]

    def inbox_page(
        self, member: str, *, limit: int, before_at: int | None = None
    ) -> list[InboxRef]:
        """Newest first, ``limit`` references to other chains' entries that touched ``member``
        (transfers received, commissions), older than ``before_at`` (µs) when given."""
        below = f"{INBOX_PREFIX}{before_at:020d}" if before_at is not None else None
        items = self.table.query(
            member_pk(member),
            prefix=INBOX_PREFIX,
            below=below,
            newest_first=True,
            limit=limit,
            consistent=False,
        )
        return [inbox_ref(item) for item in items]

    def journal_entries(self, positions: Sequence[tuple[str, int]]) -> list[JournalEntry]:
        """The entries at ``(member, seq)`` that exist (one BatchGetItem per 100)."""
        keys = [journal_key(member, seq) for member, seq in dict.fromkeys(positions)]
        return [journal_entry(item) for item in self.table.batch_get(keys)] if keys else []

    # -- withdrawals ---------------------------------------------------------------
    def get_withdrawal(self, request_id: str) -> WithdrawalRecord | None:
        item = self.table.get(withdrawal_key(request_id))
        return withdrawal_record(item) if item is not None else None

    # -- the unit of work ------------------------------------------------------------
    def commit(self, change: Commit) -> JournalEntry:
        """Apply ``change`` atomically; return the journal entry it appended.

        A settled member-day touching only its member (``settlement_seq`` set, no platform
        account) is the exception: its member update goes alone and its entry is queued
        for the page's batch put (:mod:`functions.store.settlement_writes`), 2 write
        units instead of 5.
        """
        built = build(change, self.keyring)
        if change.settlement_seq is not None:
            settled = self.settle_member(change, built)
            if settled is not None:
                return settled
        return transact_built(self.table, built)

    # -- audit (full scans) ------------------------------------------------------------
    def scan_journal(self) -> Iterator[StoredEntry]:
        """Every journal entry with the key it is stored under."""
        for item in self.table.scan([Kind.JOURNAL]):
            yield StoredEntry(text(item, "pk"), text(item, "sk"), journal_entry(item))

    def scan_audit_records(self) -> Iterator[AuditRecord]:
        """Every withdrawal, idempotency record, order and inbox reference, as stored."""
        kinds = [Kind.WITHDRAWAL, Kind.IDEMPOTENCY, Kind.ORDER, Kind.INBOX]
        for item in self.table.scan(kinds):
            pk = text(item, "pk")
            if item.get("kind") == Kind.INBOX:
                yield inbox_ref(item)
            elif item.get("kind") == Kind.WITHDRAWAL:
                yield StoredWithdrawal(pk.removeprefix("W#"), withdrawal_record(item))
            elif item.get("kind") == Kind.IDEMPOTENCY:
                yield IdempotencyRecord(
                    pk.removeprefix("IDEM#"),
                    optional_text(item, "result") or "",
                    optional_text(item, "entry_member"),
                    optional_number(item, "entry_seq"),
                )
            else:
                yield OrderRecord(
                    pk.removeprefix("ORDER#"),
                    text(item, "member"),
                    text(item, "event_key"),
                    optional_text(item, "result") or "",
                )
