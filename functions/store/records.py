"""Plain records the store hands to services (no storage type leaks upward)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from functions.rewards.decisions import MemberSnapshot
from functions.rewards.money import Cents

from .program_records import MemberPrograms


@dataclass(frozen=True, slots=True)
class GrantRecord:
    seq: int
    order: str
    points: Cents
    remaining: Cents
    daily: Cents
    # economics (issue 12): release stages
    releases: int = 0
    """Settlements that released from a staged grant so far (its stage counter)."""
    schedule: tuple[tuple[int, Cents], ...] | None = None
    """A staged grant's ``(days, daily)`` per stage, fixed at purchase; None: not staged."""


@dataclass(frozen=True, slots=True)
class MemberRecord:
    member: str
    referrer: str | None
    joined_at: int
    frozen: bool
    available: Cents
    locked: Cents
    withdrawing: Cents
    commission: Cents
    payable: Cents
    released: Cents
    forfeited: Cents
    withdrawn_cash: Cents
    withdrawn_points: Cents
    spent: Cents
    transferred_out: Cents
    transferred_in: Cents
    personal_volume: Cents
    adjusted: Cents
    grants: tuple[GrantRecord, ...]
    grant_seq: int
    journal_seq: int
    journal_head: str
    last_settled: str | None
    version: int
    settled_seq: int = 0
    """Sequence number of the last settlement run applied to the member (0: none)."""
    team_volume: Cents = 0
    team_size: int = 0
    level: str | None = None
    telegram_id: int | None = None
    phone: str | None = None
    invite_code: str | None = None
    language: str | None = None
    display_name: str | None = None
    username: str | None = None
    """The Telegram @username the member last used (set by the bot, not versioned)."""
    programs: MemberPrograms = field(default_factory=MemberPrograms)
    """The engagement programs' state on the item (issue 13)."""
    # economics (issue 12): refunds
    debt: Cents = 0
    """Points owed after a refund; later credits repay it first."""
    commission_debt: Cents = 0
    """Commission owed after a refund; later commission repays it first."""
    clawed_back: Cents = 0
    """Points refunds took from the member's available (for a refund or to repay debt)."""
    # economics (issue 12): the activity gate's marks, written by the member's settlement
    gate_orders: int = 0
    """The member's order count the last gated run saw."""
    gate_referrals: int = 0
    """The member's direct referrals the last gated run saw."""
    active_run: int | None = None
    """The run (sequence number) that first saw the member's latest activity."""
    # economics (issue 12): regions (region-scoped dividend pools)
    region: str | None = None
    """The member's region (set at join, changed only by an operator; None: none)."""
    region_cash: str = ""
    """Cash of the member's orders by the region each was counted in, net of refunds (a
    JSON object; empty: none), summed over members by the settlement's scoped pools."""

    def snapshot(self) -> MemberSnapshot:
        return MemberSnapshot(
            self.member,
            self.available,
            self.frozen,
            self.programs.spare,
            self.debt,
            self.commission_debt,
        )

    # issue 13: the programs' balances, read like the other member accounts (commit.py)
    @property
    def spare(self) -> Cents:
        return self.programs.spare

    @property
    def staked(self) -> Cents:
        return self.programs.staked


@dataclass(frozen=True, slots=True)
class JournalEntry:
    member: str
    seq: int
    event_key: str
    kind: str
    postings: str
    details: str
    at: int
    prev_hash: str
    hash: str
    key_id: str = ""


class EntryKind(StrEnum):
    """A journal entry's ``kind``, as stored (and hashed): what event made the entry.

    ``JournalEntry.kind`` stays ``str``: a journal may hold kinds this code does not
    know (an audit reports them rather than failing).
    """

    JOIN = "join"
    PURCHASE = "purchase"
    SETTLEMENT = "settlement"
    TRANSFER = "transfer"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWAL_APPROVED = "withdrawal_approved"
    WITHDRAWAL_REJECTED = "withdrawal_rejected"
    WITHDRAWAL_PAID = "withdrawal_paid"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    ADJUSTMENT = "adjustment"
    # -- engagement programs (issue 13)
    DRAW = "draw"
    LOTTERY_EXIT = "lottery_exit"
    STAKE = "stake"
    UNSTAKE = "unstake"
    REDEEM = "redeem"
    ROLE = "role"
    MONTH_CLOSE = "month_close"
    REFUND = "refund"  # economics (issue 12)
    REGION = "region"  # economics (issue 12): an operator set a member's region
    GIFT = "gift"  # economics (issue 12): locked points


class WithdrawalStatus(StrEnum):
    """A withdrawal request's status, as stored (``status`` and the ``WQ#<status>`` queue).

    ``pending`` → ``approved`` → ``batched`` (claimed by exactly one day's payout
    batch) → ``paid``; or ``pending`` → ``rejected``.
    """

    PENDING = "pending"
    APPROVED = "approved"
    BATCHED = "batched"
    PAID = "paid"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    request_id: str
    member: str
    points: Cents
    gross: Cents
    net: Cents
    fee: Cents
    cash_source: str
    status: str
    requested_at: int
    version: int
    decided_by: str | None = None
    reason: str | None = None
    batch: str | None = None
    """The business date of the payout batch that claimed it (``batched`` and after)."""


@dataclass(frozen=True, slots=True)
class PayoutBatchRecord:
    """Day ``date``'s payout batch header: ``claiming`` until sealed, then fixed forever."""

    date: str
    status: str
    cutoff_us: int
    opened_at: int
    sealed_at: int | None = None


@dataclass(frozen=True, slots=True)
class PayoutClaimRecord:
    """One request claimed by a batch, with everything its report line shows.

    The report is rendered from these alone, so a rerun reproduces it byte for
    byte whatever happened to the request since.
    """

    date: str
    request_id: str
    member: str
    net: Cents
    gross: Cents
    fee: Cents
    points: Cents
    cash_source: str
    requested_at: int
    approved_by: str | None
    claimed_at: int


@dataclass(frozen=True, slots=True)
class SystemTotals:
    """Platform accounts summed over every shard."""

    issuance: Cents = 0
    burned: Cents = 0
    sales: Cents = 0
    reserve: Cents = 0
    platform: Cents = 0
    paid_out: Cents = 0
    circulating: Cents = 0
    fees: Cents = 0
    # -- engagement programs (issue 13)
    lottery_pool: Cents = 0
    rewards: Cents = 0
    spare_issuance: Cents = 0
    clawback: Cents = 0  # economics (issue 12): points refunds took back


@dataclass(frozen=True, slots=True)
class SettlementSequence:
    """The last claimed settlement run: its sequence number, date, and ``open``/``done``."""

    seq: int
    date: str
    status: str
    sales_mark: Cents = 0
    """Economics (issue 12): cumulative cash sales the last finished run counted (throttle)."""
    region_mark: str = ""
    """Economics (issue 12): the cash per region the last finished run counted (JSON)."""
    pool_carry: str = ""
    """Economics (issue 12): the pools' balances the last finished run left (JSON object by
    pool key; empty: none), so the next run's pools continue from them."""

    @property
    def open(self) -> bool:
        return self.status != "done"


@dataclass(frozen=True, slots=True)
class SettlementRun:
    """A date's settlement run: who computes it (``run_id``), its place in the sequence,
    ``computing`` → ``computed`` → ``done``, its pages and totals (JSON)."""

    date: str
    run_id: str
    run_seq: int
    status: str
    pages: int
    totals: str
    pages_applied: int
    created_at: int


@dataclass(frozen=True, slots=True)
class SettlementPage:
    """One page of a run's per-member results (compressed JSON)."""

    date: str
    run_id: str
    page: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class DailyAggregate:
    """One business date's figures for the dashboards, written once as its run finishes.

    Flows of the date come from the run itself (``static``, ``accelerated``, ``forfeited``,
    ``active``, ``members``); the platform accounts are cumulative, as stored (``sales``
    and ``issuance`` negative), snapshotted when every page was applied, so a day's sales
    are the difference between two consecutive aggregates. ``price_num``/``price_den``
    are the exact point price then (None: no price yet). ``reserve_set_aside`` is the net
    cash of withdrawal requests taken from the reserve and not yet paid out (the queues
    ``pending``, ``approved``, ``batched``), so the pool report can balance exactly.
    ``programs`` is JSON of program figures (lottery and dividend pools, the throttle
    factor) once those programs exist; ``{}`` until then.
    """

    date: str
    run_seq: int
    plan: str
    valuation: str
    written_at: int
    members: int
    active: int
    static: Cents
    accelerated: Cents
    forfeited: Cents
    issuance: Cents
    burned: Cents
    sales: Cents
    reserve: Cents
    platform: Cents
    paid_out: Cents
    circulating: Cents
    fees: Cents
    reserve_set_aside: Cents
    price_num: int | None
    price_den: int | None
    programs: str = "{}"

    @property
    def released(self) -> Cents:
        return self.static + self.accelerated


@dataclass(frozen=True, slots=True)
class OperatorAction:
    """One thing an operator did (or tried) in the console or the bot: the audit log."""

    at: int
    action_id: str
    operator: str
    action: str
    target: str
    outcome: str
    """``ok`` or the stable code it was refused with."""
    detail: str = "{}"
    """JSON: the reason, the amount, the request ids, ..."""


# -- what an audit reads besides balances ---------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A journal entry with the key it is stored under (which its MAC does not cover)."""

    pk: str
    sk: str
    entry: JournalEntry


@dataclass(frozen=True, slots=True)
class StoredWithdrawal:
    """A withdrawal item with the id its key names (a forger may make them differ)."""

    request_id: str
    record: WithdrawalRecord


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """An ``IDEM#`` record: the first result of a keyed event and the entry it made."""

    key: str
    result: str
    entry_member: str | None
    entry_seq: int | None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An ``ORDER#`` item: the order counted once, with the event key that recorded it."""

    order: str
    member: str
    event_key: str
    result: str


# -- plan versions (functions/store/plan_store.py) -------------------------------------


@dataclass(frozen=True, slots=True)
class PlanVersionRecord:
    """One published plan version, immutable, chained to the one before by its keyed hash.

    ``text`` is the plan's canonical JSON (:func:`~functions.rewards.plan.canonical_plan_text`),
    ``digest`` its SHA-256; ``effective_from`` is None for version 1 (from the start).
    """

    version: int
    effective_from: str | None
    operator: str
    reason: str
    name: str
    text: str
    digest: str
    published_at: int
    prev_hash: str
    hash: str
    key_id: str


@dataclass(frozen=True, slots=True)
class PlanHead:
    """The last version published and its hash (moved in the publishing transaction)."""

    version: int
    hash: str


@dataclass(frozen=True, slots=True)
class NewPlanVersion:
    """What a publication asks the store to write: the next version after ``previous``."""

    version: int
    effective_from: str | None
    operator: str
    reason: str
    name: str
    text: str
    published_at: int
    previous: PlanHead | None


@dataclass(frozen=True, slots=True)
class PlanDraftRecord:
    """A previewed publication waiting for its operator's confirmation (bot), with a TTL."""

    draft_id: str
    text: str
    effective_from: str
    reason: str
    operator: str
    base_version: int
    created_at: int


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """A recorded order as the dry run repeats it: who bought how much, and when."""

    order: str
    member: str
    amount: Cents
    points: Cents
    at: int


@dataclass(frozen=True, slots=True)
class InboxRef:
    """An entry on another member's chain that moved this member's balances (an ``IN#`` item).

    Transfers post to the recipient and purchases pay commission to uplines, but the entry
    is chained on the sender's or buyer's journal only; the reference puts it in the
    touched member's history without a version check on that member. ``available`` …
    ``payable`` are this member's net amounts in the entry (hundredths).
    """

    member: str
    at: int
    source: str
    """The member whose chain holds the entry."""
    seq: int
    kind: str
    available: Cents = 0
    locked: Cents = 0
    withdrawing: Cents = 0
    commission: Cents = 0
    payable: Cents = 0


AuditRecord = StoredWithdrawal | IdempotencyRecord | OrderRecord | InboxRef
