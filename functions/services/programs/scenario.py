"""The engagement programs in scenario runs on DynamoDB (issue 13).

:class:`~functions.services.scenario_backend.DynamoBackend` hands program events here
and reads the programs' report fields from the store, formatted by the engine's own
:mod:`functions.rewards.program_report`, so the live report equals the book's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace

from functions.rewards.events import (
    CloseMonth,
    Draw,
    ListItem,
    LotteryExit,
    ProgramEvent,
    Promote,
    Redeem,
    Stake,
    Unstake,
)
from functions.rewards.plan import Plan
from functions.rewards.program_report import (
    STAKING_ROW_KEYS,
    Group,
    MemberFacts,
    TotalsFacts,
    catalog_section,
    groups_of,
    member_fields,
    sections,
    settlement_fields,
    totals_fields,
)
from functions.rewards.report import SettlementRow
from functions.rewards.staking import star_ranks
from functions.rewards.tree import bottom_up_order
from functions.rewards.versions import PlanHistory
from functions.store.records import MemberRecord

from ..ledger import Ledger
from .month_close import run_month_close


def apply_program(
    ledger: Ledger, event: ProgramEvent, event_id: str, business_date: str | None
) -> dict[str, object] | None:
    """One scripted program event through the live use case, keyed by its line; a month
    close returns its ``month_closes`` row."""
    match event:
        case Draw():
            ledger.draw(event.member, event_id, business_date=business_date)
        case LotteryExit():
            ledger.lottery_exit(
                event.member, event_id, entry=event.entry, business_date=business_date
            )
        case Stake():
            ledger.stake(
                event.member,
                event.points,
                event.term,
                event_id,
                business_date=business_date,
                phone_required=False,
            )
        case Unstake():
            ledger.unstake(event.member, event_id, stake=event.stake)
        case ListItem():
            ledger.list_item(
                event.item,
                event.name,
                event.price,
                event.stock,
                limit=event.limit,
                business_date=business_date,
            )
        case Redeem():
            ledger.redeem(event.member, event.item, event_id, business_date=business_date)
        case Promote():
            ledger.promote(
                event.member, event.role, event_id, operator="scenario", business_date=business_date
            )
        case CloseMonth():
            return run_month_close(ledger, event.month)
    return None


def program_groups(history: PlanHistory) -> frozenset[Group]:
    return groups_of(version.plan for version in history)


def member_extras(
    ledger: Ledger,
    groups: frozenset[Group],
    plan: Plan,
    members: Sequence[MemberRecord],
    parents: Sequence[int],
) -> Iterator[dict[str, object]]:
    """Each member's program fields, in join order (as the book's ``member_extras``)."""
    stars: list[int] = []
    if Group.STAKING in groups:
        holds = [bool(record.programs.stakes) for record in members]
        stars = star_ranks(plan.staking, parents, bottom_up_order(parents), holds)
    waiting: dict[str, int] = {}
    if Group.LOTTERY in groups:
        for entry in ledger.store.waiting_entries():
            waiting[entry.member] = waiting.get(entry.member, 0) + 1
    for position, record in enumerate(members):
        p = record.programs
        facts = MemberFacts(
            spare=p.spare,
            won=p.won,
            free_draws=p.free_draws,
            waiting=waiting.get(record.member, 0),
            staked=p.staked,
            stars=stars[position] if stars else 0,
            stake_bonus=p.stake_bonus,
            star_reward=p.star_reward,
            bole_reward=p.bole_reward,
            role=p.role,
            ladder=p.ladder,
            team_bonus=p.team_bonus,
        )
        yield member_fields(groups, facts)


def totals_extra(
    ledger: Ledger, groups: frozenset[Group], members: Sequence[MemberRecord]
) -> dict[str, object]:
    """The programs' totals (as the book's ``totals_extra``)."""
    if not groups:
        return {}
    store = ledger.store
    programs = [record.programs for record in members]
    redeemed = 0
    if Group.CATALOG in groups:
        for item in store.catalog_items():
            redeemed += sum(row.price for row in store.redemptions(item.item, item.redeemed))
    facts = TotalsFacts(
        spare=sum(p.spare for p in programs),
        coins=sum(p.coins for p in programs),
        exit_refunds=sum(p.exit_refunds for p in programs),
        spare_spent=sum(p.spare_spent for p in programs),
        lottery_pool=store.system_totals().lottery_pool,
        draws=store.lottery_draws(),
        waiting=len(store.waiting_entries()) if Group.LOTTERY in groups else 0,
        prizes=sum(p.won for p in programs),
        staked=sum(p.staked for p in programs),
        stake_bonus=sum(p.stake_bonus for p in programs),
        star_reward=sum(p.star_reward for p in programs),
        bole_reward=sum(p.bole_reward for p in programs),
        capped=sum(p.capped for p in programs),
        ladder=sum(p.ladder for p in programs),
        team_bonus=sum(p.team_bonus for p in programs),
        redeemed=redeemed,
    )
    return totals_fields(groups, facts)


def program_sections(
    ledger: Ledger, groups: frozenset[Group], month_rows: list[dict[str, object]]
) -> list[tuple[str, object]]:
    """The report's month closes (the rows of the run's closes) and catalog."""
    items = []
    if Group.CATALOG in groups:
        items = [
            (item.item, item.name, item.price, item.stock, item.redeemed)
            for item in ledger.store.catalog_items()
        ]
    return sections(groups, month_rows, catalog_section(items))


def settlement_row(ledger: Ledger, row: SettlementRow, groups: frozenset[Group]) -> SettlementRow:
    """A settlement row with the staking step's figures (zeros on ``already_settled``)."""
    figures: dict[str, int] = {}
    run = ledger.store.settlement_run(row.date) if row.status == "settled" else None
    if run is not None:
        totals = json.loads(run.totals)
        figures = {key: totals.get(key, 0) for key in STAKING_ROW_KEYS}
    return replace(row, extra=settlement_fields(groups, figures))
