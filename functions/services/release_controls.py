"""The live settlement's release controls (issue 12): stages, the activity gate, the throttle.

The compute step calls the same engine functions as the in-memory book
(functions/rewards/release_schedule.py, :func:`~functions.rewards.settlement.settle`); only
the state they need is kept differently: a staged grant's counter and schedule on its grant
record, the gate's marks (the orders and direct referrals the last gated run saw, and the
run that first saw the latest activity) on the member item, both written by the member's
own settlement write, and the cash sales the previous run counted on the settlement
sequence (written when that run finished). A crashed run's rerun applies the same
published pages, so it converges on the clean run's books.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from functions.rewards.decisions import point_price
from functions.rewards.money import Cents
from functions.rewards.plan import Plan
from functions.rewards.release_schedule import gated, observe_activity, stage_step
from functions.rewards.tree import NO_PARENT
from functions.store.member_roll import MemberRoll
from functions.store.records import GrantRecord

from .ledger import Ledger

GateMarks = tuple[int, int, int | None]
"""``(orders, direct referrals, active run)`` as a gated run leaves them on the member."""
NO_MARKS: GateMarks = (0, 0, None)
"""The marks of a member no gated run has seen."""
StageMove = tuple[int, int, Cents]
"""``(grant seq, releases so far, daily)`` of a staged grant after the run."""


@dataclass(frozen=True, slots=True)
class Controls:
    """What the engine needs from the store this run, and the gate marks it moves."""

    run: int
    """The run's sequence number (the gate counts runs by it, as the book counts runs)."""
    gated: list[bool] | None
    """Whose static release waits this run (None: the plan has no gate)."""
    marks: dict[int, GateMarks]
    """Members (by position) whose gate marks this run changes."""
    sales: Cents
    """Cumulative cash sales, net of refunds, counted by this run (the next run's mark)."""
    period_cash: Cents
    price: Fraction | None


def release_controls(ledger: Ledger, plan: Plan, roll: MemberRoll) -> Controls:
    """Read the run's number, the sales mark and the price; decide the gate (step 0)."""
    store = ledger.store
    sequence = store.settlement_sequence()
    run = 1 if sequence is None else sequence.seq if sequence.open else sequence.seq + 1
    mark = 0 if sequence is None else sequence.sales_mark
    sales = -store.system_totals().sales
    price = point_price(plan, ledger.pool()) if plan.release.throttle is not None else None
    gate = plan.release.requires_activity
    waits: list[bool] | None = None
    marks: dict[int, GateMarks] = {}
    if gate is not None:
        referrals = [0] * len(roll)
        for parent in roll.parents:
            if parent != NO_PARENT:
                referrals[parent] += 1
        waits = [False] * len(roll)
        for position, orders in enumerate(roll.orders):
            seen_orders, seen_referrals, active_run = roll.gate.get(position, NO_MARKS)
            seen = (seen_orders, seen_referrals)
            now = (orders, referrals[position])
            after, active = observe_activity(seen, now, active_run, run)
            if after != seen:
                marks[position] = (*after, active)
            waits[position] = gated(gate, active, run)
    return Controls(run, waits, marks, sales, sales - mark, price)


def stage_moves(grants: Sequence[GrantRecord], waits: bool) -> tuple[StageMove, ...]:
    """Every staged grant of a member not gated this run counts one more release."""
    if waits:
        return ()
    return tuple(
        (grant.seq, *stage_step(grant.schedule, grant.releases))
        for grant in grants
        if grant.schedule is not None
    )
