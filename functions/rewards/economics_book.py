"""The economics controls' events and settlement step on the in-memory book (issue 12).

Refunds, gifts of locked points, regions, and the settlement's economics step (stage
counters, pools, debt repayment) as functions of the :class:`~functions.rewards.book.MemoryBook`,
as :class:`~functions.rewards.program_book.ProgramBook` keeps the programs': the book
dispatches, these decide and apply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .decisions import (
    check_member,
)
from .events import (
    GiftLocked,
    Refund,
    SetRegion,
)
from .gifts import decide_gift
from .issuance import IssuanceState, issuance_room
from .ledger import SYSTEM, Bucket, Posting
from .money import Cents
from .plan import Plan
from .pools import PoolOutcome
from .refunds import Debtor, check_refund, decide_refund
from .settlement import SettlementResult

if TYPE_CHECKING:
    from .book import MemoryBook


def settle_economics(
    book: MemoryBook,
    plan: Plan,
    result: SettlementResult,
    waits: list[bool] | None,
    issued: IssuanceState,
) -> PoolOutcome | None:
    """Economics steps after the release (issue 12): stage counters, pools, debt, marks."""
    economy = book.economy
    if economy.staged:
        economy.count_releases(book.grants, waits)
    pools: PoolOutcome | None = None
    credits: dict[int, Cents] = {}
    if plan.pools is not None:
        pools = economy.pools(
            plan,
            result.level,
            result.team_volume,
            issuance_room(plan, issued),
            len(book.members),
        )
        credits = pools.credits("points")
        for position, amount in credits.items():
            name = book.members[position].name
            book._apply(
                [
                    Posting(SYSTEM, Bucket.ISSUANCE, -amount),
                    Posting(name, Bucket.AVAILABLE, amount),
                ]
            )
            book.members[position].released += amount
            economy.pool_points[position] = economy.pool_points.get(position, 0) + amount
        for position, amount in pools.credits("cash").items():
            name = book.members[position].name
            book._apply(
                [
                    Posting(SYSTEM, Bucket.PLATFORM, -amount),
                    Posting(name, Bucket.COMMISSION, amount),
                ]
            )
            economy.pool_cash[position] = economy.pool_cash.get(position, 0) + amount
            book._apply(economy.repay_commission(position, name, amount))
    for position in sorted(economy.debt):  # credits of this run repay debt first
        name = book.members[position].name
        credit = result.static[position] + result.paid[position] + credits.get(position, 0)
        book._apply(economy.repay(position, name, credit))
    economy.close_run(result.team_volume, pools)
    return pools


def refund(book: MemoryBook, event: Refund) -> None:
    economy = book.economy
    facts = check_refund(economy.orders.get(event.order), event.order, runs_now=economy.runs)
    buyer_at = book.index[facts.member]
    holder_at = economy.holder.get(event.order, buyer_at)
    held = book.grants[holder_at]
    meta = economy.meta(holder_at, held)
    found = next((i for i, m in enumerate(meta) if facts.locked and m[0] == event.order), None)
    remaining = held[found][0] if found is not None else 0
    balances = book.balances
    uplines = {
        name: Debtor(
            name,
            0,
            0,
            balances.get((name, Bucket.COMMISSION), 0),
            economy.commission_debt.get(book.index[name], 0),
        )
        for name, _ in facts.commissions
    }
    outcome = decide_refund(
        facts,
        buyer=Debtor(
            facts.member,
            balances.get((facts.member, Bucket.AVAILABLE), 0),
            economy.debt.get(buyer_at, 0),
        ),
        remaining=remaining,
        holder=book.members[holder_at].name if found is not None else None,
        reserve=balances.get((SYSTEM, Bucket.RESERVE), 0),
        uplines=uplines,
    )
    book._apply(outcome.postings)
    if found is not None:
        del held[found]
        del meta[found]
        if holder_at in economy.staged and not any(m[2] for m in meta):
            economy.staged.discard(holder_at)
        economy.voided[holder_at] = economy.voided.get(holder_at, 0) + outcome.voided
    buyer = book.members[buyer_at]
    book.personal_volume[buyer_at] -= outcome.cash
    buyer.spent -= outcome.points_returned
    if outcome.clawed_back:
        economy.clawed_back[buyer_at] = economy.clawed_back.get(buyer_at, 0) + outcome.clawed_back
    if outcome.debt:
        economy.debt[buyer_at] = outcome.debt
    else:
        economy.debt.pop(buyer_at, None)
    for name, _, owed in outcome.commissions:
        where = book.index[name]
        if owed:
            economy.commission_debt[where] = owed
        else:
            economy.commission_debt.pop(where, None)
    economy.orders[event.order] = replace(facts, refunded=True)
    economy.holder.pop(event.order, None)
    economy.sales -= outcome.cash
    if facts.region is not None:
        economy.region_sales[facts.region] -= outcome.cash
    economy.refunds += 1
    economy.refunded += outcome.cash


def gift(book: MemoryBook, event: GiftLocked) -> None:
    economy = book.economy
    sender_at = book.index.get(event.sender)
    held = book.grants[sender_at] if sender_at is not None else []
    meta = economy.meta(sender_at, held) if sender_at is not None else []
    outcome = decide_gift(
        sender_name=event.sender,
        recipient_name=event.recipient,
        order=event.order,
        sender=book.snapshot(event.sender),
        recipient=book.snapshot(event.recipient),
        grants=[(m[0], grant[0]) for m, grant in zip(meta, held, strict=True)],
    )
    assert sender_at is not None
    recipient_at = book.index[event.recipient]
    book._apply(outcome.postings)
    grant = held.pop(outcome.position)
    moved = meta.pop(outcome.position)
    if sender_at in economy.staged and not any(m[2] for m in meta):
        economy.staged.discard(sender_at)
    book.grants[recipient_at].append(grant)
    economy.add_grant(recipient_at, book.grants[recipient_at], moved)
    if moved[0] is not None:
        economy.holder[moved[0]] = recipient_at


def set_region(book: MemoryBook, event: SetRegion) -> None:
    check_member(book.snapshot(event.member), event.member)
    position = book.index[event.member]
    if event.region is None:
        book.economy.region.pop(position, None)
    else:
        book.economy.region[position] = event.region
