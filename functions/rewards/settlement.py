"""Daily settlement (RULES.md §4) in time linear in the number of members.

Step 1 releases every open grant. Step 2 computes acceleration without walking
ancestor chains: one bottom-up pass carries, per member, the static release of
its downline bucketed by the walk state of RULES.md — the highest level rate
seen so far (``cur``) and whether the peer bonus was paid at that rate. There
are at most ``2 × levels + 1`` states, so each member does constant work. The
share per generation is carried the same way, one running sum per generation.
Step 3 caps acceleration by each member's remaining locked points.

The tree passes run a depth layer at a time as array operations (``tree_arrays``) when
every sum fits 64 bits; the member-by-member passes here are their oracle.
"""

from __future__ import annotations

from array import array
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .money import Cents
from .plan import Plan
from .release_schedule import throttle_factor
from .team_walk import pass_member, team_rates
from .tree import INT64_LIMIT, NO_PARENT, bottom_up_order, team_volumes

GrantBalance = tuple[Cents, Cents]
"""One open grant as ``(remaining, daily)``; lists of them are oldest first."""


@dataclass(frozen=True, slots=True)
class SettlementInput:
    """Everything settlement needs: the tree, personal volumes and open grants."""

    parents: Sequence[int]
    personal_volume: Sequence[Cents]
    grants: Sequence[Sequence[GrantBalance]]
    # economics (issue 12): the activity gate and the throttle (docs/rules-programs.md)
    gated: Sequence[bool] | None = None
    """Members whose static release waits this run (activity gate); None: nobody."""
    period_cash: Cents = 0
    """Cash taken in since the previous settlement, net of refunds (throttle)."""
    price: Fraction | None = None
    """The point price at the start of the run (throttle: the value of planned release)."""


@dataclass(frozen=True, slots=True)
class SettlementTotals:
    static: Cents = 0
    share: Cents = 0
    team: Cents = 0
    peer: Cents = 0
    paid: Cents = 0
    forfeited: Cents = 0


@dataclass(slots=True)
class SettlementResult:
    """Per-member figures of one run, as arrays indexed by member number.

    ``remaining[i]`` is the new ``remaining`` of each of member i's grants (same
    order as the input), ``None`` for members without open grants.
    ``share_by_generation[k][i]`` is member i's share from generation k+1, for statements.
    """

    team_volume: list[Cents]
    level: list[int]
    static: list[Cents]
    share: list[Cents]
    team: list[Cents]
    peer: list[Cents]
    paid: list[Cents]
    forfeited: list[Cents]
    remaining: list[tuple[Cents, ...] | None]
    share_by_generation: list[list[Cents]] = field(default_factory=list)
    # economics (issue 12)
    throttle: Fraction | None = None
    """The throttle factor applied to static release (None: the plan has no throttle)."""
    gated: int = 0
    """How many members' static release waited for activity."""

    def totals(self) -> SettlementTotals:
        return SettlementTotals(
            static=sum(self.static),
            share=sum(self.share),
            team=sum(self.team),
            peer=sum(self.peer),
            paid=sum(self.paid),
            forfeited=sum(self.forfeited),
        )

    def active(self) -> list[int]:
        """Members whose balances or counters this run changes."""
        return [
            index
            for index in range(len(self.static))
            if self.static[index] or self.paid[index] or self.forfeited[index]
        ]


def settle(plan: Plan, state: SettlementInput, *, scalar: bool = False) -> SettlementResult:
    """Run one settlement over the whole membership; pure and O(members + grants).

    The tree passes run as array operations a depth layer at a time (``tree_arrays``)
    whenever every sum fits 64 bits; ``scalar`` (or a run whose sums could not fit)
    takes the member-by-member passes, the oracle the array passes are tested against.
    """
    parents = state.parents
    n = len(parents)
    gated = state.gated
    factor: Fraction | None = None
    if plan.release.throttle is not None:  # economics (issue 12): throttle
        planned = _planned(state.grants, gated)
        factor = throttle_factor(plan.release.throttle, state.period_cash, planned, state.price)
    if gated is None and (factor is None or factor == 1):
        static, remaining, locked_after = _release(state.grants)
    else:
        static, remaining, locked_after = _controlled_release(state.grants, gated, factor)
    passes = None if scalar else _array_passes(plan, parents, state.personal_volume, static)
    if passes is None:
        passes = _scalar_passes(plan, parents, state.personal_volume, static)
    team_volume, level, share, share_by_generation, team, peer = passes

    paid = [0] * n
    forfeited = [0] * n
    for index, (by_share, by_team, by_peer) in enumerate(zip(share, team, peer, strict=True)):
        accelerated = by_share + by_team + by_peer
        if not accelerated:
            continue
        capacity = locked_after[index]
        pay = accelerated if accelerated < capacity else capacity
        paid[index] = pay
        forfeited[index] = accelerated - pay
        if pay:
            left = remaining[index]
            if left is not None and len(left) == 1:  # one grant (common): pay from it
                remaining[index] = (left[0] - pay,)
            else:
                remaining[index] = _consume_oldest_first(left, pay)
    return SettlementResult(
        team_volume=team_volume,
        level=level,
        static=static,
        share=share,
        team=team,
        peer=peer,
        paid=paid,
        forfeited=forfeited,
        remaining=remaining,
        share_by_generation=share_by_generation,
        throttle=factor,
        gated=sum(1 for index, waits in enumerate(gated) if waits and state.grants[index])
        if gated is not None
        else 0,
    )


TreePasses = tuple[list[Cents], list[int], list[Cents], list[list[Cents]], list[Cents], list[Cents]]
"""Team volume, level, share, share by generation, team differential, peer bonus."""


def _scalar_passes(
    plan: Plan, parents: Sequence[int], personal: Sequence[Cents], static: list[Cents]
) -> TreePasses:
    """The tree passes member by member: the oracle, and the path past 64 bits."""
    order = bottom_up_order(parents)
    # The tree passes read parents and releases millions of times in scattered order:
    # machine integers in one block each (array) instead of int objects all over the
    # heap; releases only when every sum they carry fits (at most the day's release).
    walk_parents: Sequence[int] = array("q", parents)
    team_volume = team_volumes(walk_parents, personal, order)
    level = _levels(plan, team_volume)
    packed = sum(static) < INT64_LIMIT
    walk_static: Sequence[Cents] = array("q", static) if packed else static
    share, share_by_generation = _share(plan, walk_parents, order, walk_static, packed)
    team, peer = _differential(plan, walk_parents, order, level, walk_static)
    return team_volume, level, share, share_by_generation, team, peer


def _array_passes(
    plan: Plan, parents: Sequence[int], personal: Sequence[Cents], static: list[Cents]
) -> TreePasses | None:
    """The tree passes a depth layer at a time; None when a sum could leave 64 bits."""
    from . import tree_arrays  # numpy loads with the first run: the bot's cold start skips it

    try:
        released = tree_arrays.int64s(array("q", static))
        volumes = tree_arrays.int64s(personal)
    except OverflowError:
        return None
    total_release = tree_arrays.nonnegative_total(released)
    total_volume = tree_arrays.nonnegative_total(volumes)
    if total_release is None or total_volume is None or not tree_arrays.fits(total_volume):
        return None
    rates = team_rates(plan)
    factors = [rate.numerator for rate in plan.share]
    if rates is not None:
        factors += [*rates.rate_numerator, rates.peer_numerator]
    if not tree_arrays.fits(total_release, *factors):
        return None
    walk_parents = tree_arrays.int64s(parents)
    share, share_by_generation = tree_arrays.share_columns(walk_parents, released, plan.share)
    passes = tree_arrays.team_passes(
        tree_arrays.layers_of(walk_parents), walk_parents, volumes, released, rates
    )
    del released, volumes  # each column below is freed once it is a list: the peak stays low
    team_volume = passes.team_volume.tolist()
    level = passes.level.tolist()
    team = passes.team.tolist()
    peer = passes.peer.tolist()
    return team_volume, level, share, share_by_generation, team, peer


def _levels(plan: Plan, team_volume: Sequence[Cents]) -> list[int]:
    if plan.team is None or not plan.team.levels:
        return [-1] * len(team_volume)
    lowest = plan.team.levels[0].min
    level_index = plan.team.level_index
    return [level_index(volume) if volume >= lowest else -1 for volume in team_volume]


def _release(
    grants: Sequence[Sequence[GrantBalance]],
) -> tuple[list[Cents], list[tuple[Cents, ...] | None], list[Cents]]:
    """Step 1: ``r = min(daily, remaining)`` on every grant, oldest first."""
    n = len(grants)
    static = [0] * n
    remaining: list[tuple[Cents, ...] | None] = [None] * n
    locked_after = [0] * n
    for index, member_grants in enumerate(grants):
        if not member_grants:
            continue
        if len(member_grants) == 1:  # the common case, kept cheap
            balance, daily = member_grants[0]
            step = daily if daily < balance else balance
            static[index] = step
            locked_after[index] = balance - step
            remaining[index] = (balance - step,)
            continue
        released = 0
        left: list[Cents] = []
        for balance, daily in member_grants:
            step = daily if daily < balance else balance
            released += step
            left.append(balance - step)
        static[index] = released
        locked_after[index] = sum(left)
        remaining[index] = tuple(left)
    return static, remaining, locked_after


# -- economics (issue 12): the activity gate and the throttle --------------------------


def _planned(grants: Sequence[Sequence[GrantBalance]], gated: Sequence[bool] | None) -> Cents:
    """The static release step 1 would make before the throttle (gated members: none)."""
    planned = 0
    for index, member_grants in enumerate(grants):
        if not member_grants or (gated is not None and gated[index]):
            continue
        for balance, daily in member_grants:
            planned += daily if daily < balance else balance
    return planned


def _controlled_release(
    grants: Sequence[Sequence[GrantBalance]],
    gated: Sequence[bool] | None,
    factor: Fraction | None,
) -> tuple[list[Cents], list[tuple[Cents, ...] | None], list[Cents]]:
    """Step 1 with the gate and the throttle.

    A gated member releases nothing and can be paid no acceleration (its capacity is 0);
    otherwise each grant releases ``floor(min(daily, remaining) × factor)``, what is
    floored away staying locked in the grant.
    """
    n = len(grants)
    static = [0] * n
    remaining: list[tuple[Cents, ...] | None] = [None] * n
    locked_after = [0] * n
    numerator, denominator = (1, 1) if factor is None else (factor.numerator, factor.denominator)
    for index, member_grants in enumerate(grants):
        if not member_grants:
            continue
        if gated is not None and gated[index]:
            remaining[index] = tuple(balance for balance, _ in member_grants)
            continue
        released = 0
        left: list[Cents] = []
        for balance, daily in member_grants:
            step = daily if daily < balance else balance
            step = step * numerator // denominator
            released += step
            left.append(balance - step)
        static[index] = released
        locked_after[index] = sum(left)
        remaining[index] = tuple(left)
    return static, remaining, locked_after


def _share(
    plan: Plan,
    parents: Sequence[int],
    order: Sequence[int],
    static: Sequence[Cents],
    packed: bool = False,
) -> tuple[list[Cents], list[list[Cents]]]:
    """Share: ``Σ_k floor(rate_k × Σ S(v))`` over generation-k descendants v.

    Returns the total per member and the floored part per generation (one
    list per generation) for statements.
    """
    n = len(parents)
    rates = plan.share
    if not rates:
        return [0] * n, []
    # below[k][u] = Σ S over u's generation-(k+1) descendants
    below: list[MutableSequence[Cents]] = [
        array("q", bytes(8 * n)) if packed else [0] * n for _ in rates
    ]
    first = below[0]
    if len(below) == 2:  # two generations, the common plan: the inner loop unrolled
        second = below[1]
        for index in order:
            parent = parents[index]
            if parent == NO_PARENT:
                continue
            carried = first[index]
            if carried:
                second[parent] += carried
            released = static[index]
            if released:
                first[parent] += released
    else:
        deeper = list(zip(below[1:], below[:-1], strict=True))
        for index in order:
            parent = parents[index]
            if parent == NO_PARENT:
                continue
            for upper, lower in deeper:
                carried = lower[index]
                if carried:
                    upper[parent] += carried
            released = static[index]
            if released:
                first[parent] += released
    parts = [
        _rate_of(masses, rate.numerator, rate.denominator)
        for rate, masses in zip(rates, below, strict=True)
    ]
    if len(parts) == 1:
        share = parts[0]
    elif len(parts) == 2:  # the common plan: no tuple per member for sum()
        share = [a + b for a, b in zip(parts[0], parts[1], strict=True)]
    else:
        share = [sum(column) for column in zip(*parts, strict=True)]
    return share, parts


def _rate_of(masses: Sequence[Cents], numerator: int, denominator: int) -> list[Cents]:
    """``floor(mass × numerator / denominator)`` for every mass (the rate's parts read once:
    ``Fraction.numerator`` is a property, too slow to read per member)."""
    return [mass * numerator // denominator if mass else 0 for mass in masses]


def _differential(
    plan: Plan,
    parents: Sequence[int],
    order: Sequence[int],
    level: Sequence[int],
    static: Sequence[Cents],
) -> tuple[list[Cents], list[Cents]]:
    """Team differential and peer bonus for every member in one bottom-up pass.

    A downline release walking up carries the state ``(cur, peer_paid)``. At a
    member with rate ``r``: ``r > cur`` earns ``(r − cur)`` and resets the
    state to ``(r, unpaid)``; ``r == cur > 0`` unpaid earns ``peer_rate`` once;
    otherwise the state passes through. Mass is bucketed by state, encoded as
    ``rank(cur) * 2 + peer_paid`` with ranks over the distinct level rates.
    """
    n = len(parents)
    team = [0] * n
    peer = [0] * n
    rates = team_rates(plan)
    if rates is None:
        return team, peer
    denominator, rate_numerator = rates.denominator, rates.rate_numerator
    rank_of_level = rates.rank_of_level
    peer_numerator, peer_denominator = rates.peer_numerator, rates.peer_denominator

    arriving: list[dict[int, Cents] | None] = [None] * n
    for index in order:
        buckets = arriving[index]
        released = static[index]
        parent = parents[index]
        if buckets is None:  # nothing arrives from below (most members): only its own release
            if released and parent != NO_PARENT:
                into = arriving[parent]
                if into is None:
                    arriving[parent] = {0: released}
                else:
                    into[0] = into.get(0, 0) + released
            continue
        arriving[index] = None
        rank = rank_of_level[level[index]]
        if rank > 0:
            if len(buckets) == 1:  # one state arriving (common): no dict to rebuild
                ((state, mass),) = buckets.items()
                current = state >> 1
                if rank > current:
                    team[index] = (
                        (rate_numerator[rank] - rate_numerator[current]) * mass // denominator
                    )
                    buckets = {rank << 1: mass}
                elif rank == current and not state & 1:
                    peer[index] = mass * peer_numerator // peer_denominator
                    buckets = {state | 1: mass}
            else:
                buckets, team_numerator, peer_mass = pass_member(rank, rate_numerator, buckets)
                if team_numerator:
                    team[index] = team_numerator // denominator
                if peer_mass:
                    peer[index] = peer_mass * peer_numerator // peer_denominator
        if released:
            buckets[0] = buckets.get(0, 0) + released
        if parent == NO_PARENT:
            continue
        into = arriving[parent]
        if into is None:
            arriving[parent] = buckets
            continue
        if len(into) < len(buckets):
            into, buckets = buckets, into
            arriving[parent] = into
        for state, mass in buckets.items():
            into[state] = into.get(state, 0) + mass
    return team, peer


def _consume_oldest_first(
    remaining: tuple[Cents, ...] | None, amount: Cents
) -> tuple[Cents, ...] | None:
    assert remaining is not None, "only members with open grants have locked points to pay from"
    left = list(remaining)
    for position, balance in enumerate(left):
        if not amount:
            break
        take = balance if balance < amount else amount
        left[position] = balance - take
        amount -= take
    return tuple(left)
