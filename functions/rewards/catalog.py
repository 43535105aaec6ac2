"""The redemption catalog (seed 002 权益兑换) and the spend-only balance.

Operators list items (name, points price, stock, optional per-member limit);
members redeem one at a time. Points are paid from the member's **spare** balance
first (spend-only points: lottery exit refunds and coins, issue 13), then from
available points, and are burned. Stock never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import RejectCode, Rejected
from .ledger import SYSTEM, Bucket, Posting
from .money import Cents, format_cents
from .program_plans import CatalogPolicy


@dataclass(frozen=True, slots=True)
class CatalogItem:
    item: str
    name: str
    price: Cents
    stock: int
    limit: int = 0
    """Redemptions per member (0: no limit)."""
    redeemed: int = 0


@dataclass(frozen=True, slots=True)
class Spender:
    """A member about to spend: both balances and the freeze."""

    member: str
    available: Cents
    spare: Cents
    frozen: bool


@dataclass(frozen=True, slots=True)
class RedeemOutcome:
    item: CatalogItem
    """The item after this redemption (one less in stock, one more redeemed)."""
    from_spare: Cents
    from_available: Cents
    postings: tuple[Posting, ...] = field(repr=False)


def split_spend(points: Cents, spare: Cents) -> tuple[Cents, Cents]:
    """``points`` paid as ``(from spare, from available)``: spend-only points go first."""
    from_spare = min(points, spare)
    return from_spare, points - from_spare


def spend_postings(
    member: str, from_spare: Cents, from_available: Cents, to_pool: Cents = 0
) -> list[Posting]:
    """Points leaving a member: ``to_pool`` of them into the lottery pool, the rest burned."""
    points = from_spare + from_available
    postings: list[Posting] = []
    if from_spare:
        postings.append(Posting(member, Bucket.SPARE, -from_spare))
    if from_available:
        postings.append(Posting(member, Bucket.AVAILABLE, -from_available))
    if to_pool:
        postings.append(Posting(SYSTEM, Bucket.LOTTERY_POOL, to_pool))
    if points - to_pool:
        postings.append(Posting(SYSTEM, Bucket.BURNED, points - to_pool))
    return postings


def check_listing(policy: CatalogPolicy | None) -> None:
    if policy is None:
        raise Rejected(RejectCode.PROGRAM_OFF, "this plan has no catalog")


def listed(
    existing: CatalogItem | None, item: str, name: str, price: Cents, stock: int, limit: int
) -> CatalogItem:
    """The item as (re)listed: name, price, limit and stock replaced; redeemed kept."""
    return CatalogItem(item, name, price, stock, limit, existing.redeemed if existing else 0)


def decide_redeem(
    policy: CatalogPolicy | None,
    spender: Spender | None,
    name: str,
    item: CatalogItem | None,
    item_id: str,
    *,
    redeemed_by_member: int,
) -> RedeemOutcome:
    """Redeem one ``item`` (checks in docs/rules-programs.md order)."""
    if spender is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if policy is None:
        raise Rejected(RejectCode.PROGRAM_OFF, "this plan has no catalog")
    if item is None:
        raise Rejected(RejectCode.UNKNOWN_ITEM, f"no catalog item {item_id!r}")
    if spender.frozen:
        raise Rejected(RejectCode.FROZEN, f"member {spender.member!r} is frozen")
    if item.stock < 1:
        raise Rejected(RejectCode.OUT_OF_STOCK, f"{item.name} is out of stock")
    if item.limit and redeemed_by_member >= item.limit:
        raise Rejected(RejectCode.LIMIT_REACHED, f"{item.name}: at most {item.limit} per member")
    if item.price > spender.spare + spender.available:
        raise Rejected(
            RejectCode.INSUFFICIENT_POINTS,
            f"{format_cents(spender.spare + spender.available)} points to spend, "
            f"{item.name} costs {format_cents(item.price)}",
        )
    from_spare, from_available = split_spend(item.price, spender.spare)
    after = CatalogItem(
        item.item, item.name, item.price, item.stock - 1, item.limit, item.redeemed + 1
    )
    postings = spend_postings(spender.member, from_spare, from_available)
    return RedeemOutcome(after, from_spare, from_available, tuple(postings))
