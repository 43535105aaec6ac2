"""The plan check (合规 / solvency): findings with a stable code and a severity.

Run by ``jifen plan check`` and on every publish: errors block a publication,
warnings need an explicit acknowledgement, infos are figures for the operator.
A plan alone is checked structurally; with a :class:`PlatformState` the check also
measures it on the current tree and projects the liability with the dry run
(:mod:`functions.rewards.simulation`, the engine itself).

========================  ========  ===========================================================
code                      severity  finding
========================  ========  ===========================================================
``invalid_plan``          error     the plan does not validate (the key is named)
``duplicate_key``         error     a key given twice in one YAML mapping (the last would win)
``yaml_tag``              error     an explicit YAML tag (``!!float``, ``!foo``)
``paid_depth``            error     commission or share paying more than 3 generations up
``team_depth``            warning   the team differential pays any number of generations up
                                    (seed 004); with a state: the depth it reaches today
``pay_for_recruitment``   error     a reward for a join without a purchase
``over_allocation``       error     reserve + commission rates above 100 % of the cash
``release_multiple``      warning   grants above the multiple of the cash the seeds promise
``fast_release``          warning   a daily rate that exhausts a grant in under N days
``out_of_range``          warning   a fee, deduction or rebate outside the seeds' ranges
``unreachable``           warning   a tier granting nothing, share/team that can never pay; with
                                    a state (info): levels above all sales so far
``solvency``              warning   fixed valuation: the points can be worth more cash than the
                                    operator keeps (per yuan sold; with a state, projected N
                                    days with the last 30 days' orders repeated)
``solvency_coverage``     info      the cash that backs the points (reserve or operator cash)
========================  ========  ===========================================================

The engagement programs' findings (issue 13) are in :mod:`.program_check`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from .book import MemoryBook
from .events import Join, Settle
from .ledger import Bucket
from .money import format_cents, format_rate
from .plan import Plan, PlanError, load_plan_data, parse_plan
from .plan_findings import CheckLimits, Finding, Severity, finding
from .plan_solvency import fast_release, over_allocation, release_multiple, solvency
from .program_check import program_findings
from .simulation import PlatformState
from .tree import NO_PARENT, bottom_up_order, team_volumes

SEED_RANGES: Mapping[str, tuple[Fraction, Fraction]] = {
    "withdrawal.fee_rate": (Fraction(0), Fraction(20, 100)),
    "deduction.max_ratio": (Fraction(0), Fraction(50, 100)),
    "merchant.min_rebate": (Fraction(3, 100), Fraction(20, 100)),
    "merchant.max_rebate": (Fraction(3, 100), Fraction(20, 100)),
}
"""What the seeds use: withdrawal fees up to 20 % (seed 002), points paying up to half an
order (seed 002), merchant rebates of 3–20 % (seed 000)."""

RECRUITMENT_KEYS = frozenset(
    {
        "join",
        "join_bonus",
        "join_reward",
        "signup",
        "signup_bonus",
        "registration_bonus",
        "referral_bonus",
        "referral_reward",
        "invite_bonus",
        "invite_reward",
        "recruitment",
        "recruitment_bonus",
        "new_member_bonus",
    }
)
"""Keys that would pay for bringing in members rather than for purchases (拉人头)."""


# -- from text --------------------------------------------------------------------


def _recruitment_keys(data: object, path: str = "") -> Iterator[str]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            dotted = f"{path}.{key}" if path else str(key)
            if str(key).lower() in RECRUITMENT_KEYS:
                yield dotted
            yield from _recruitment_keys(value, dotted)
    elif isinstance(data, list):
        for position, value in enumerate(data):
            yield from _recruitment_keys(value, f"{path}[{position}]")


def check_plan_text(
    text: str, *, state: PlatformState | None = None, limits: CheckLimits | None = None
) -> tuple[Plan | None, list[Finding]]:
    """Load ``text`` and check it: ``(plan, findings)``, the plan None when it does not load."""
    try:
        data = load_plan_data(text)
    except PlanError as exc:
        return None, [finding(exc.code, Severity.ERROR, exc.message, exc.key)]
    recruiting = list(_recruitment_keys(data))
    if recruiting:
        return None, [
            finding(
                "pay_for_recruitment",
                Severity.ERROR,
                "a reward for a join without a purchase is not allowed (rewards must come "
                "from purchases: paying for recruitment is 拉人头)",
                key,
            )
            for key in recruiting
        ]
    try:
        plan = parse_plan(data)
    except PlanError as exc:
        return None, [finding("invalid_plan", Severity.ERROR, exc.message, exc.key)]
    return plan, check_plan(plan, state=state, limits=limits)


# -- the checks ----------------------------------------------------------------------


def check_plan(
    plan: Plan, *, state: PlatformState | None = None, limits: CheckLimits | None = None
) -> list[Finding]:
    """Every finding for ``plan`` (measured on ``state`` when given)."""
    limits = limits or CheckLimits()
    findings: list[Finding] = []
    findings += _paid_depth(plan, limits)
    findings += _team_depth(plan, state, limits)
    findings += _recruitment(plan)
    findings += over_allocation(plan)
    findings += release_multiple(plan, state, limits)
    findings += fast_release(plan, limits)
    findings += _out_of_range(plan)
    findings += _unreachable(plan)
    if state is not None:
        findings += _unreachable_levels(plan, state)
    findings += solvency(plan, state, limits)
    findings += program_findings(plan)  # issue 13
    return findings


def _paid_depth(plan: Plan, limits: CheckLimits) -> Iterator[Finding]:
    most = limits.max_generations
    if plan.commission is not None and len(plan.commission.rates) > most:
        yield finding(
            "paid_depth",
            Severity.ERROR,
            f"commission pays {len(plan.commission.rates)} generations above the buyer; "
            f"at most {most} are allowed",
            "commission.rates",
        )
    if len(plan.share) > most:
        yield finding(
            "paid_depth",
            Severity.ERROR,
            f"share pays {len(plan.share)} generations above the releasing member; "
            f"at most {most} are allowed",
            "share",
        )


def _team_depth(plan: Plan, state: PlatformState | None, limits: CheckLimits) -> Iterator[Finding]:
    if plan.team is None or not any(level.rate > 0 for level in plan.team.levels):
        return
    message = (
        "the team differential and peer bonus pay every generation above a releasing "
        f"member with a higher (or equal) level: no depth limit ({limits.max_generations} "
        "generations is the legal line)"
    )
    if state is not None:
        reach = differential_reach(plan, state)
        message += f"; on the current tree it reaches {reach} generation(s) up"
        if reach > limits.max_generations:
            message += f", beyond {limits.max_generations}"
    yield finding("team_depth", Severity.WARNING, message, "team")


def differential_reach(plan: Plan, state: PlatformState) -> int:
    """How many generations above a member with open grants the differential pays, at most,
    on ``state``'s tree with today's levels (0: it pays nobody)."""
    if plan.team is None or not plan.team.levels:
        return 0
    parents = state.parents()
    order = bottom_up_order(parents)
    volumes = team_volumes(parents, [m.personal_volume for m in state.members], order)
    levels = plan.team.levels
    distinct = sorted({Fraction(0), *(level.rate for level in levels)})
    rank_of_level = [*(distinct.index(level.rate) for level in levels), 0]
    lowest = levels[0].min
    peer_pays = plan.team.peer_rate > 0
    releasing = [any(daily > 0 for _, daily in m.grants) for m in state.members]
    arriving: list[dict[int, int] | None] = [None] * len(parents)
    reach = 0
    for index in order:
        buckets = arriving[index]
        arriving[index] = None
        level = plan.team.level_index(volumes[index]) if volumes[index] >= lowest else -1
        rank = rank_of_level[level]
        if buckets is not None and rank > 0:
            passed: dict[int, int] = {}
            for walk, distance in buckets.items():
                current = walk >> 1
                if rank > current:
                    reach = max(reach, distance)
                    key = rank << 1
                elif rank == current and not walk & 1:
                    if peer_pays:
                        reach = max(reach, distance)
                    key = walk | 1
                else:
                    key = walk
                passed[key] = max(passed.get(key, 0), distance)
            buckets = passed
        if releasing[index]:
            buckets = dict(buckets or {})
            buckets[0] = max(buckets.get(0, 0), 0)
        parent = parents[index]
        if buckets is None or parent == NO_PARENT:
            continue
        into = arriving[parent]
        if into is None:
            into = arriving[parent] = {}
        for walk, distance in buckets.items():
            into[walk] = max(into.get(walk, 0), distance + 1)
    return reach


def _recruitment(plan: Plan) -> Iterator[Finding]:
    """Probe the engine: a member joining under a releasing member, then a settlement.

    Nothing may reach the referrer that it would not have received without the join.
    """
    with_join = MemoryBook(plan)
    without = MemoryBook(plan)
    for book in (with_join, without):
        book.join(Join("upline"))
    with_join.join(Join("newcomer", "upline"))
    for book in (with_join, without):
        book.settle(Settle("2000-01-01"))
    paid = {
        bucket: with_join.balances.get(("upline", bucket), 0)
        - without.balances.get(("upline", bucket), 0)
        for bucket in (Bucket.AVAILABLE, Bucket.LOCKED, Bucket.COMMISSION)
    }
    if any(paid.values()):
        yield finding(
            "pay_for_recruitment",
            Severity.ERROR,
            "a member joining without a purchase earns its referrer a reward",
        )


def _out_of_range(plan: Plan) -> Iterator[Finding]:
    values: dict[str, Fraction] = {"withdrawal.fee_rate": plan.withdrawal.fee_rate}
    if plan.deduction is not None:
        values["deduction.max_ratio"] = plan.deduction.max_ratio
    if plan.merchant is not None:
        values["merchant.min_rebate"] = plan.merchant.min_rebate
        values["merchant.max_rebate"] = plan.merchant.max_rebate
    for key, value in values.items():
        low, high = SEED_RANGES[key]
        if not low <= value <= high:
            yield finding(
                "out_of_range",
                Severity.WARNING,
                f"{format_rate(value)} is outside the seeds' range "
                f"{format_rate(low)}–{format_rate(high)}",
                key,
            )


def _unreachable_levels(plan: Plan, state: PlatformState) -> Iterator[Finding]:
    """Levels above all the cash ever paid: no team volume can reach them yet."""
    for position, level in enumerate(plan.levels):
        if level.min > state.sales:
            yield finding(
                "unreachable",
                Severity.INFO,
                f"level {level.name!r} needs {format_cents(level.min)} of team volume, more "
                f"than the {format_cents(state.sales)} of all sales so far: nobody can reach "
                "it yet",
                f"team.levels[{position}].min",
            )


def _unreachable(plan: Plan) -> Iterator[Finding]:
    grant = plan.grant
    if grant is not None and grant.tiers:
        for position, tier in enumerate(grant.tiers):
            if not tier.multiplier:
                yield finding(
                    "unreachable",
                    Severity.WARNING,
                    f"tier {tier.name!r} grants nothing (multiplier 0): reaching it never pays",
                    f"grant.tiers[{position}].multiplier",
                )
    accelerates = [
        key for key, on in (("share", any(plan.share)), ("team", bool(plan.levels))) if on
    ]
    if not accelerates:
        return
    if plan.release.mode != "daily":
        why = "grants are released at once (release.mode: immediate), so nothing is released daily"
    elif grant is None and plan.merchant is None:
        why = "the plan grants no points (no grant section, no merchant rebates)"
    elif not plan.release.daily_rate:
        why = "the daily rate is 0, so nothing is released daily"
    else:
        return
    for key in accelerates:
        yield finding(
            "unreachable",
            Severity.WARNING,
            f"{key} is paid from members' daily releases, and {why}: it can never pay",
            key,
        )
