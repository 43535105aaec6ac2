"""The engagement programs' report fields (issue 13), one formatter for every backend.

A program's fields appear only when some version of the plan has its section, so a
plan without programs prints exactly what it always printed (SCENARIOS.md: add
fields, never rename). The in-memory book and the DynamoDB backend gather the same
facts and format them here, so their reports agree byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from .money import Cents, format_cents
from .plan import Plan


class Group(StrEnum):
    SPEND_ONLY = "spend_only"
    LOTTERY = "lottery"
    STAKING = "staking"
    ROLES = "roles"
    CATALOG = "catalog"


def plan_groups(plan: Plan) -> set[Group]:
    groups: set[Group] = set()
    if plan.lottery is not None:
        groups |= {Group.LOTTERY, Group.SPEND_ONLY}
    if plan.catalog is not None:
        groups |= {Group.CATALOG, Group.SPEND_ONLY}
    if plan.grant is not None and plan.grant.coins_ratio is not None:
        groups.add(Group.SPEND_ONLY)
    if plan.staking is not None:
        groups.add(Group.STAKING)
    if plan.roles is not None:
        groups.add(Group.ROLES)
    return groups


def groups_of(plans: Iterable[Plan]) -> frozenset[Group]:
    """The programs any of ``plans`` (a plan's versions) runs."""
    found: set[Group] = set()
    for plan in plans:
        found |= plan_groups(plan)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    spare: Cents = 0
    won: Cents = 0
    free_draws: int = 0
    waiting: int = 0
    staked: Cents = 0
    stars: int = 0
    stake_bonus: Cents = 0
    star_reward: Cents = 0
    bole_reward: Cents = 0
    role: str = "member"
    ladder: Cents = 0
    team_bonus: Cents = 0


@dataclass(frozen=True, slots=True)
class TotalsFacts:
    spare: Cents = 0
    coins: Cents = 0
    exit_refunds: Cents = 0
    spare_spent: Cents = 0
    lottery_pool: Cents = 0
    draws: int = 0
    waiting: int = 0
    prizes: Cents = 0
    staked: Cents = 0
    stake_bonus: Cents = 0
    star_reward: Cents = 0
    bole_reward: Cents = 0
    capped: Cents = 0
    ladder: Cents = 0
    team_bonus: Cents = 0
    redeemed: Cents = 0


def member_fields(groups: frozenset[Group], facts: MemberFacts) -> dict[str, object]:
    fields: dict[str, object] = {}
    if Group.SPEND_ONLY in groups:
        fields["spare"] = format_cents(facts.spare)
    if Group.LOTTERY in groups:
        fields["won"] = format_cents(facts.won)
        fields["free_draws"] = facts.free_draws
        fields["waiting"] = facts.waiting
    if Group.STAKING in groups:
        fields["staked"] = format_cents(facts.staked)
        fields["stars"] = facts.stars
        fields["stake_bonus"] = format_cents(facts.stake_bonus)
        fields["star_reward"] = format_cents(facts.star_reward)
        fields["bole_reward"] = format_cents(facts.bole_reward)
    if Group.ROLES in groups:
        fields["role"] = facts.role
        fields["ladder"] = format_cents(facts.ladder)
        fields["team_bonus"] = format_cents(facts.team_bonus)
    return fields


def totals_fields(groups: frozenset[Group], facts: TotalsFacts) -> dict[str, object]:
    fields: dict[str, object] = {}
    if Group.SPEND_ONLY in groups:
        fields["spare"] = format_cents(facts.spare)
        fields["coins"] = format_cents(facts.coins)
        fields["exit_refunds"] = format_cents(facts.exit_refunds)
        fields["spare_spent"] = format_cents(facts.spare_spent)
    if Group.LOTTERY in groups:
        fields["lottery_pool"] = format_cents(facts.lottery_pool)
        fields["draws"] = facts.draws
        fields["waiting"] = facts.waiting
        fields["prizes"] = format_cents(facts.prizes)
    if Group.STAKING in groups:
        fields["staked"] = format_cents(facts.staked)
        fields["stake_bonus"] = format_cents(facts.stake_bonus)
        fields["star_reward"] = format_cents(facts.star_reward)
        fields["bole_reward"] = format_cents(facts.bole_reward)
        fields["capped"] = format_cents(facts.capped)
    if Group.ROLES in groups:
        fields["ladder"] = format_cents(facts.ladder)
        fields["team_bonus"] = format_cents(facts.team_bonus)
    if Group.CATALOG in groups:
        fields["redeemed"] = format_cents(facts.redeemed)
    return fields


STAKING_ROW_KEYS = ("matured", "stake_bonus", "star_reward", "bole_reward", "capped")


def settlement_fields(groups: frozenset[Group], figures: Mapping[str, Cents]) -> dict[str, object]:
    """The staking step's totals on a settlement row (zeros on an ``already_settled`` row)."""
    if Group.STAKING not in groups:
        return {}
    return {key: format_cents(figures.get(key, 0)) for key in STAKING_ROW_KEYS}


MONTH_ROW_AMOUNTS = ("ladder", "team_bonus")
MONTH_ROW_COUNTS = ("promoted", "partners", "demoted", "members")


def month_row(month: str, status: str, figures: Mapping[str, int]) -> dict[str, object]:
    """A ``month_closes`` row: ``closed`` or ``already_closed`` (zeros)."""
    row: dict[str, object] = {"month": month, "status": status}
    row.update({key: format_cents(figures.get(key, 0)) for key in MONTH_ROW_AMOUNTS})
    row.update({key: figures.get(key, 0) for key in MONTH_ROW_COUNTS})
    return row


def catalog_section(items: Iterable[tuple[str, str, Cents, int, int]]) -> dict[str, object]:
    """The ``catalog`` object: per item (id order) its name, price, stock and redemptions."""
    return {
        item: {"name": name, "price": format_cents(price), "stock": stock, "redeemed": redeemed}
        for item, name, price, stock, redeemed in sorted(items)
    }


def sections(
    groups: frozenset[Group],
    month_rows: list[dict[str, object]],
    catalog: dict[str, object],
) -> list[tuple[str, object]]:
    """The report's program sections after ``settlements`` (only the programs run)."""
    found: list[tuple[str, object]] = []
    if Group.ROLES in groups:
        found.append(("month_closes", month_rows))
    if Group.CATALOG in groups:
        found.append(("catalog", catalog))
    return found
