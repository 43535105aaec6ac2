"""Roles and monthly commissions (seed 003 会员-推广员-合伙人; docs/rules-programs.md).

Members are ``member``, ``promoter`` or ``partner``. With ``roles.gate_commission``
only promoters and partners earn the purchase commission. A month's close pays, from
the platform's cash into the commission wallet, the ladder (a promoter's or
partner's rate of its direct customers' cash in the month, by bracket) and the team
performance (a partner's ``team_rate`` of its whole team's cash in the month), then
moves roles: automatic promotion, partner after consecutive months at the threshold,
back to promoter after as many months below it. One bottom-up pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import RejectCode, Rejected
from .ledger import SYSTEM, Bucket, Posting
from .money import Cents, mul_floor
from .program_plans import RolesPolicy
from .tree import NO_PARENT

MEMBER = "member"
PROMOTER = "promoter"
PARTNER = "partner"
ROLES = (MEMBER, PROMOTER, PARTNER)
_MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def valid_month(value: object) -> str | None:
    """``value`` if it is a month written ``YYYY-MM``, else None."""
    return value if isinstance(value, str) and _MONTH_RE.fullmatch(value) else None


def month_of(date: str | None) -> str | None:
    """The business month (``YYYY-MM``) of a business date; None without a date."""
    return None if date is None else date[:7]


def month_end(month: str) -> str:
    """The last calendar day of ``month`` (the date whose plan version closes it)."""
    year, number = int(month[:4]), int(month[5:7])
    following = f"{year + number // 12:04d}-{number % 12 + 1:02d}-01"
    return (dt.date.fromisoformat(following) - dt.timedelta(days=1)).isoformat()


def earns_commission(policy: RolesPolicy | None, role: str) -> bool:
    """Whether a member of ``role`` earns the purchase commission under this plan."""
    return policy is None or not policy.gate_commission or role in (PROMOTER, PARTNER)


@dataclass(frozen=True, slots=True)
class RoleStatus:
    """A member's role and the months counted towards its next change."""

    role: str = MEMBER
    streak: int = 0
    """Consecutive closed months a promoter's direct total reached the partner threshold."""
    below: int = 0
    """Consecutive closed months a partner's direct total stayed below the threshold."""


def decide_promote(policy: RolesPolicy | None, member_known: bool, name: str) -> None:
    """An operator sets a member's role (counts towards the next change start again)."""
    if not member_known:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if policy is None:
        raise Rejected(RejectCode.PROGRAM_OFF, "this plan has no roles")


def check_close(policy: RolesPolicy | None, month: str, last_closed: str | None) -> None:
    """Months close in order, once each (a repeat is reported, not refused)."""
    if policy is None:
        raise Rejected(RejectCode.PROGRAM_OFF, "this plan has no roles")
    if last_closed is not None and month < last_closed:
        raise Rejected(
            RejectCode.MONTH_OUT_OF_ORDER,
            f"{month} is before {last_closed}, the last month closed; months close in order",
        )


@dataclass(slots=True)
class MonthClose:
    """One month's close, as arrays by member number."""

    direct: list[Cents]
    team: list[Cents]
    ladder: list[Cents]
    team_bonus: list[Cents]
    status: list[RoleStatus]
    promoted: int = 0
    partners: int = 0
    demoted: int = 0
    changed: list[int] = field(default_factory=list)
    """Members whose commission or role status this close changes."""

    def totals(self) -> dict[str, int]:
        return {
            "ladder": sum(self.ladder),
            "team_bonus": sum(self.team_bonus),
            "promoted": self.promoted,
            "partners": self.partners,
            "demoted": self.demoted,
            "members": len(self.changed),
        }

    def postings(self, names: Sequence[str], index: int) -> tuple[Posting, ...]:
        """Member ``index``'s pay: the platform's cash into its commission wallet."""
        paid = self.ladder[index] + self.team_bonus[index]
        if not paid:
            return ()
        return (
            Posting(SYSTEM, Bucket.PLATFORM, -paid),
            Posting(names[index], Bucket.COMMISSION, paid),
        )


def close_month(
    policy: RolesPolicy,
    parents: Sequence[int],
    order: Sequence[int],
    cash: Sequence[Cents],
    orders: Sequence[int],
    status: Sequence[RoleStatus],
) -> MonthClose:
    """Pay the month's ladder and team performance, then move roles (pure, linear).

    ``cash``/``orders`` are each member's own purchases in the month; ``status`` the
    roles as they stood during the month; ``order`` is bottom-up.
    """
    n = len(parents)
    direct = [0] * n
    team = [0] * n
    for index in order:
        parent = parents[index]
        if parent != NO_PARENT:
            direct[parent] += cash[index]
            team[parent] += team[index] + cash[index]
    ladder = [0] * n
    team_bonus = [0] * n
    result = MonthClose(direct, team, ladder, team_bonus, list(status))
    promote, partner = policy.promote, policy.partner
    for index in range(n):
        before = status[index]
        role = before.role
        if role in (PROMOTER, PARTNER) and direct[index]:
            ladder[index] = mul_floor(direct[index], policy.ladder_rate(direct[index]))
        if role == PARTNER and team[index]:
            team_bonus[index] = mul_floor(team[index], policy.team_rate)
        after = before
        if role == MEMBER and promote is not None:
            count = orders[index]
            if count >= promote.purchases and cash[index] >= promote.average * count:
                after = RoleStatus(PROMOTER)
                result.promoted += 1
        elif role == PROMOTER and partner is not None:
            streak = before.streak + 1 if direct[index] >= partner.threshold else 0
            if streak >= partner.months:
                after = RoleStatus(PARTNER)
                result.partners += 1
            else:
                after = RoleStatus(PROMOTER, streak, 0)
        elif role == PARTNER and partner is not None:
            below = before.below + 1 if direct[index] < partner.threshold else 0
            if below >= partner.months:
                after = RoleStatus(PROMOTER)
                result.demoted += 1
            else:
                after = RoleStatus(PARTNER, 0, below)
        result.status[index] = after
        if after != before or ladder[index] or team_bonus[index]:
            result.changed.append(index)
    return result
