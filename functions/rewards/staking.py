"""Staking (seed 002 积分上链) and star ranks: decisions and the settlement step.

A stake locks available points for a number of settlements; at maturity the
principal returns with a bonus fixed when it was opened (``rates[(k-1) mod len]``,
k the member's counted stakes). Stars rank members by their direct members'
stakes and stars; a k★ member earns its star rate of the stakes opened in its
team, by differential up the line (a higher rate above pays only the difference,
an equal rate nothing more), and 伯乐奖 from ``bole_from`` stars. Everything is one
bottom-up pass over the tree (docs/rules-programs.md, "Staking and stars").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import RejectCode, Rejected
from .ledger import SYSTEM, Bucket, Posting
from .money import ZERO_RATE, Cents, format_cents, mul_floor
from .program_plans import StakingPolicy
from .tree import NO_PARENT


@dataclass(frozen=True, slots=True)
class Stake:
    """One open stake: its terms are fixed when it is opened, whatever plan comes later."""

    seq: int
    """The member's stake number (1, 2, …; early-exited stakes keep theirs)."""
    points: Cents
    term: int
    left: int
    """Settlements still to run before it matures."""
    rate: Fraction
    """Bonus at maturity, of the principal."""
    penalty: Fraction = ZERO_RATE
    """Share of the principal burned if it is ended early."""
    fresh: bool = True
    """Opened since the last settlement: counts towards the team's star rewards once."""


@dataclass(frozen=True, slots=True)
class Staker:
    member: str
    available: Cents
    frozen: bool
    orders: int
    """Purchases the member has made (staking unlocks with the first)."""
    phone: bool
    """A phone number is bound (the live system; scenario members count as bound)."""
    counted: int
    """Stakes opened and not ended early: the next stake is number ``counted + 1``."""
    last_seq: int


@dataclass(frozen=True, slots=True)
class StakeOutcome:
    stake: Stake
    postings: tuple[Posting, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class UnstakeOutcome:
    stake: Stake
    returned: Cents
    penalty: Cents
    postings: tuple[Posting, ...] = field(repr=False)


def decide_stake(
    policy: StakingPolicy | None, staker: Staker | None, name: str, points: Cents, term: int
) -> StakeOutcome:
    """Lock ``points`` for ``term`` settlements (checks in docs/rules-programs.md order)."""
    if staker is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if policy is None:
        raise Rejected(RejectCode.PROGRAM_OFF, "this plan has no staking")
    if term not in policy.terms:
        offered = ", ".join(str(term) for term in policy.terms)
        raise Rejected(RejectCode.INVALID_TERM, f"terms offered: {offered} settlements")
    if staker.frozen:
        raise Rejected(RejectCode.FROZEN, f"member {staker.member!r} is frozen")
    if staker.orders < 1 or not staker.phone:
        raise Rejected(
            RejectCode.NOT_ELIGIBLE, "staking unlocks with a bound phone and a first purchase"
        )
    if points > staker.available:
        raise Rejected(
            RejectCode.INSUFFICIENT_POINTS,
            f"{format_cents(staker.available)} points available, {format_cents(points)} to stake",
        )
    if points < policy.min_points:
        raise Rejected(
            RejectCode.BELOW_MINIMUM, f"the minimum stake is {format_cents(policy.min_points)}"
        )
    stake = Stake(
        seq=staker.last_seq + 1,
        points=points,
        term=term,
        left=term,
        rate=policy.rate_for(staker.counted + 1),
        penalty=policy.early_exit_penalty,
    )
    postings = (
        Posting(staker.member, Bucket.AVAILABLE, -points),
        Posting(staker.member, Bucket.STAKED, points),
    )
    return StakeOutcome(stake, postings)


def choose_stake(stakes: Sequence[Stake], seq: int | None) -> Stake | None:
    """The stake to end: the one numbered ``seq``, else the member's newest open stake."""
    if seq is None:
        return max(stakes, key=lambda stake: stake.seq, default=None)
    return next((stake for stake in stakes if stake.seq == seq), None)


def decide_unstake(member_known: bool, name: str, stake: Stake | None) -> UnstakeOutcome:
    """End an open stake early: the principal back, less its penalty (burned), no bonus.

    Needs no plan section: a stake keeps the terms it was opened with. A frozen member
    may end a stake (nothing is spent).
    """
    if not member_known:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if stake is None:
        raise Rejected(RejectCode.NO_STAKE, f"member {name!r} has no such open stake")
    penalty = mul_floor(stake.points, stake.penalty)
    returned = stake.points - penalty
    postings: list[Posting] = [Posting(name, Bucket.STAKED, -stake.points)]
    if returned:
        postings.append(Posting(name, Bucket.AVAILABLE, returned))
    if penalty:
        postings.append(Posting(SYSTEM, Bucket.BURNED, penalty))
    return UnstakeOutcome(stake, returned, penalty, tuple(postings))


# -- the settlement step ----------------------------------------------------------------


@dataclass(slots=True)
class StakeSettlement:
    """Per-member figures of one run's staking step, as arrays by member number.

    ``star_reward``, ``bole`` and ``bonus`` are what is paid (after the issuance cap);
    ``capped`` is what the cap held back in total.
    """

    stars: list[int]
    star_reward: list[Cents]
    bole: list[Cents]
    bonus: list[Cents]
    principal: list[Cents]
    matured: list[tuple[int, ...]]
    demand: Cents = 0
    capped: Cents = 0
    capped_by: list[Cents] = field(default_factory=list)
    """What the cap held back of each member's bonus, star and bole rewards."""

    def credited(self, index: int) -> Cents:
        """Points this run makes available to member ``index``."""
        return (
            self.principal[index] + self.bonus[index] + self.star_reward[index] + self.bole[index]
        )

    def totals(self) -> dict[str, Cents]:
        return {
            "matured": sum(self.principal),
            "stake_bonus": sum(self.bonus),
            "star_reward": sum(self.star_reward),
            "bole_reward": sum(self.bole),
            "capped": self.capped,
        }


def star_ranks(
    policy: StakingPolicy | None,
    parents: Sequence[int],
    order: Sequence[int],
    holds_stake: Sequence[bool],
) -> list[int]:
    """Every member's stars: 1★ with ``direct`` direct members holding an open stake;
    k★ (k ≥ 2) with ``direct`` direct members at (k−1)★ or above; the highest that holds.
    ``order`` is bottom-up (children before parents)."""
    n = len(parents)
    stars = [0] * n
    if policy is None or policy.stars is None:
        return stars
    top = len(policy.stars.rates)
    need = policy.stars.direct
    holders = [0] * n
    # ranked[u][k] = direct members of u at exactly k stars (k ≥ 1); only for members
    # whose direct members have stars, so a large tree without stars costs nothing here
    ranked: dict[int, list[int]] = {}
    for index in order:
        counts = ranked.pop(index, None)
        star = 1 if holders[index] >= need else 0
        if counts is not None:
            at_least = counts[top]
            for k in range(top - 1, 0, -1):  # direct members at k★ or above: (k+1)★
                at_least += counts[k]
                if at_least >= need:
                    star = max(star, k + 1)
                    break
        stars[index] = star
        parent = parents[index]
        if parent == NO_PARENT:
            continue
        if holds_stake[index]:
            holders[parent] += 1
        if star:
            slot = ranked.get(parent)
            if slot is None:
                slot = ranked[parent] = [0] * (top + 1)
            slot[star] += 1
    return stars


def settle_stakes(
    policy: StakingPolicy | None,
    parents: Sequence[int],
    order: Sequence[int],
    stakes: Sequence[Sequence[Stake]],
    room: Cents | None = None,
) -> StakeSettlement:
    """The staking step of a settlement; pure and O(members + stakes).

    ``policy`` is the settlement's version's section (None: no stars; stakes still
    mature on their own terms). ``room`` is what the issuance cap lets programs issue
    now (None: no cap): bonuses, star and bole rewards are scaled down together to fit.
    """
    n = len(parents)
    principal = [0] * n
    bonus = [0] * n
    matured: list[tuple[int, ...]] = [()] * n
    fresh_mass = [0] * n
    holds = [False] * n
    for index, held in enumerate(stakes):
        if not held:
            continue
        holds[index] = True
        done: list[int] = []
        for stake in held:
            if stake.fresh:
                fresh_mass[index] += stake.points
            if stake.left <= 1:
                done.append(stake.seq)
                principal[index] += stake.points
                bonus[index] += mul_floor(stake.points, stake.rate)
        if done:
            matured[index] = tuple(done)
    stars = star_ranks(policy, parents, order, holds)
    star_reward, bole = _star_rewards(policy, parents, order, stars, fresh_mass)
    demand = sum(bonus) + sum(star_reward) + sum(bole)
    capped_by = [0] * n
    if room is not None and room < demand:
        room = max(room, 0)
        wanted = [a + b + c for a, b, c in zip(bonus, star_reward, bole, strict=True)]
        bonus = _scaled(bonus, room, demand)
        star_reward = _scaled(star_reward, room, demand)
        bole = _scaled(bole, room, demand)
        capped_by = [
            want - a - b - c for want, a, b, c in zip(wanted, bonus, star_reward, bole, strict=True)
        ]
    return StakeSettlement(
        stars, star_reward, bole, bonus, principal, matured, demand, sum(capped_by), capped_by
    )


def _scaled(amounts: Sequence[Cents], room: Cents, demand: Cents) -> list[Cents]:
    """Each amount times ``room / demand``, floored (what is floored away is not issued)."""
    return [amount * room // demand if amount else 0 for amount in amounts]


def _star_rewards(
    policy: StakingPolicy | None,
    parents: Sequence[int],
    order: Sequence[int],
    stars: Sequence[int],
    fresh_mass: Sequence[Cents],
) -> tuple[list[Cents], list[Cents]]:
    """Star rewards by differential (no peer bonus) and 伯乐奖, one bottom-up pass.

    Fresh stake principal walking up carries the highest star rate passed so far; it is
    bucketed by that star (at most ``len(rates) + 1`` buckets), so each member does
    constant work. Sums are exact (a common denominator) and floored once per member.
    """
    n = len(parents)
    reward = [0] * n
    bole = [0] * n
    if policy is None or policy.stars is None or not any(fresh_mass):
        return reward, bole
    star_policy = policy.stars
    rates = [ZERO_RATE, *star_policy.rates]
    denominator = math.lcm(*(rate.denominator for rate in rates))
    numerators = [rate.numerator * (denominator // rate.denominator) for rate in rates]
    arriving: list[dict[int, Cents] | None] = [None] * n
    for index in order:
        buckets = arriving[index]
        arriving[index] = None
        star = stars[index]
        if buckets is not None and star > 0:
            earned = 0
            passed: dict[int, Cents] = {}
            mine = numerators[star]
            for current, mass in buckets.items():
                if mine > numerators[current]:
                    earned += (mine - numerators[current]) * mass
                    current = star
                passed[current] = passed.get(current, 0) + mass
            buckets = passed
            if earned:
                reward[index] = earned // denominator
        mass = fresh_mass[index]
        if mass:
            if buckets is None:
                buckets = {0: mass}
            else:
                buckets[0] = buckets.get(0, 0) + mass
        parent = parents[index]
        if buckets is None or parent == NO_PARENT:
            continue
        into = arriving[parent]
        if into is None:
            arriving[parent] = buckets
            continue
        for current, carried in buckets.items():
            into[current] = into.get(current, 0) + carried
    if star_policy.bole_from:
        from_children = [0] * n
        for index in range(n):
            parent = parents[index]
            if parent != NO_PARENT and reward[index]:
                from_children[parent] += reward[index]
        for index in range(n):
            if stars[index] >= star_policy.bole_from and from_children[index]:
                bole[index] = mul_floor(from_children[index], rates[stars[index]])
    return reward, bole


def age_stakes(held: Sequence[Stake], matured: Sequence[int]) -> tuple[Stake, ...]:
    """A member's stakes after a run: matured ones gone, the others one settlement older."""
    done = set(matured)
    return tuple(
        Stake(s.seq, s.points, s.term, s.left - 1, s.rate, s.penalty, False)
        for s in held
        if s.seq not in done
    )
