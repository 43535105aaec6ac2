"""Double-entry postings: the only way any balance changes.

Every outcome the rules produce is a tuple of postings whose amounts sum to
zero per asset. Member accounts are ``(member, bucket)``; platform accounts are
``(SYSTEM, bucket)``. The in-memory book and the DynamoDB store both apply
exactly these postings, so the two can never disagree about a balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .money import Cents

SYSTEM = "@system"
"""Owner of platform accounts; ``@`` cannot start a name a member could be given by us."""


class Asset(StrEnum):
    POINTS = "points"
    CASH = "cash"


class Bucket(StrEnum):
    """Account names. Member points: available/locked/withdrawing; member cash: commission/payable.

    Platform points: issuance (negative: all points ever granted), burned.
    Platform cash: sales (negative: all cash members paid), reserve (backs the
    point price), platform (the operator's share), paid_out (cash sent to members).
    """

    AVAILABLE = "available"
    LOCKED = "locked"
    WITHDRAWING = "withdrawing"
    COMMISSION = "commission"
    PAYABLE = "payable"
    ISSUANCE = "issuance"
    BURNED = "burned"
    SALES = "sales"
    RESERVE = "reserve"
    PLATFORM = "platform"
    PAID_OUT = "paid_out"
    # -- engagement programs (issue 13): member spend-only and staked points; the
    # platform's lottery pool and the points programs issue (negative, like issuance)
    SPARE = "spare"
    STAKED = "staked"
    LOTTERY_POOL = "lottery_pool"
    REWARDS = "rewards"
    SPARE_ISSUANCE = "spare_issuance"
    CLAWBACK = "clawback"
    """Platform points (issue 12): taken back by refunds (a void grant's locked remainder,
    released points taken back from available, debt repaid from later credits)."""


ASSET_OF: dict[Bucket, Asset] = {
    Bucket.AVAILABLE: Asset.POINTS,
    Bucket.LOCKED: Asset.POINTS,
    Bucket.WITHDRAWING: Asset.POINTS,
    Bucket.ISSUANCE: Asset.POINTS,
    Bucket.BURNED: Asset.POINTS,
    Bucket.COMMISSION: Asset.CASH,
    Bucket.PAYABLE: Asset.CASH,
    Bucket.SALES: Asset.CASH,
    Bucket.RESERVE: Asset.CASH,
    Bucket.PLATFORM: Asset.CASH,
    Bucket.PAID_OUT: Asset.CASH,
    # -- engagement programs (issue 13)
    Bucket.SPARE: Asset.POINTS,
    Bucket.STAKED: Asset.POINTS,
    Bucket.LOTTERY_POOL: Asset.POINTS,
    Bucket.REWARDS: Asset.POINTS,
    Bucket.SPARE_ISSUANCE: Asset.POINTS,
    Bucket.CLAWBACK: Asset.POINTS,
}


@dataclass(frozen=True, slots=True)
class Posting:
    owner: str
    bucket: Bucket
    amount: Cents

    @property
    def asset(self) -> Asset:
        return ASSET_OF[self.bucket]


def move(amount: Cents, owner_from: str, from_: Bucket, owner_to: str, to: Bucket) -> list[Posting]:
    """Two postings moving ``amount`` between accounts of the same asset; empty for 0."""
    if amount == 0:
        return []
    assert amount > 0, "moves carry positive amounts; direction is from → to"
    assert ASSET_OF[from_] is ASSET_OF[to], "a move never converts points into cash"
    return [Posting(owner_from, from_, -amount), Posting(owner_to, to, amount)]


def imbalance(postings: Iterable[Posting]) -> dict[Asset, Cents]:
    """Net amount per asset; an empty dict means the postings balance."""
    totals: dict[Asset, Cents] = defaultdict(int)
    for posting in postings:
        totals[posting.asset] += posting.amount
    return {asset: total for asset, total in totals.items() if total != 0}
