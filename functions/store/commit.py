"""What one event changes: the :class:`Commit` a use case hands the store, and its vocabulary.

The store turns a commit into one transaction (:mod:`functions.store.transaction`).
The names a commit may carry are closed sets: balance buckets, statistics (added) and
settable fields; anything else is refused before a byte is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from functions.rewards.ledger import Bucket, Posting

from .records import MemberRecord, WithdrawalRecord
from .table import TransactItem

MEMBER_BUCKETS = {
    Bucket.AVAILABLE: "available",
    Bucket.LOCKED: "locked",
    Bucket.WITHDRAWING: "withdrawing",
    Bucket.COMMISSION: "commission",
    Bucket.PAYABLE: "payable",
    Bucket.SPARE: "spare",  # issue 13
    Bucket.STAKED: "staked",  # issue 13
}
SYSTEM_BUCKETS = {
    Bucket.ISSUANCE: "issuance",
    Bucket.BURNED: "burned",
    Bucket.SALES: "sales",
    Bucket.RESERVE: "reserve",
    Bucket.PLATFORM: "platform",
    Bucket.PAID_OUT: "paid_out",
    Bucket.LOTTERY_POOL: "lottery_pool",  # issue 13
    Bucket.REWARDS: "rewards",  # issue 13
    Bucket.SPARE_ISSUANCE: "spare_issuance",  # issue 13
    Bucket.CLAWBACK: "clawback",  # economics (issue 12): refunds
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
        # economics (issue 12): refunds
        "debt",
        "commission_debt",
        "clawed_back",
    }
)
PROGRAM_STATISTICS = frozenset(
    {
        # engagement programs (issue 13; functions/store/program_records.py): counters
        # the journal does not determine alone (free draws, stake numbers), so verify
        # checks them through the balance identity, not by replaying them one by one
        "orders",
        "free_draws",
        "won",
        "drawn",
        "stake_seq",
        "stake_count",
        "stake_bonus",
        "star_reward",
        "bole_reward",
        "penalties",
        "ladder",
        "team_bonus",
        "redeemed",
        "spare_spent",
        "coins",
        "exit_refunds",
        "capped",
    }
)
STATISTICS = STATISTICS | PROGRAM_STATISTICS
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
        "region",  # economics (issue 12)
        "region_cash",
        # engagement programs (issue 13)
        "stakes",
        "stars",
        "role",
        "role_streak",
        "role_below",
        "closed_month",
        # economics (issue 12): the activity gate's marks
        "gate_orders",
        "gate_referrals",
        "active_run",
    }
)


class Target(StrEnum):
    """What a transaction item is, so a cancellation names what failed."""

    JOURNAL = "journal"
    MEMBER = "member"
    REFERRAL = "referral"
    SYSTEM = "system"
    ORDER = "order"
    IDEMPOTENCY = "idempotency"
    CLAIM = "claim"
    WITHDRAWAL = "withdrawal"
    GATE = "gate"
    INBOX = "inbox"


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
    """Everything one event changes; applied all-or-nothing by :func:`commit`."""

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
    closed_month: str | None = None
    """Month close (issue 13): refuse if the chain member was closed for this month or a
    later one, and record the month on it (``closed_month``)."""
    extra_items: Sequence[TransactItem] = ()
    """Items of the engagement programs the event also writes (issue 13: the lottery's
    queue, the catalog item, a month's activity), built by ``program_store``."""
    circulating: int = 0
    """Economics (issue 12): added to circulating even when deferred — a settlement's
    release that repaid debt left available at once, which the page total cannot know."""
