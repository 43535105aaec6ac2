"""A settlement's results: the engine run over the membership, and the page format.

:func:`compute` runs the engine's linear settlement over the loaded members and keeps
the members whose points move or whose team figures changed; the results are written
as compressed pages (:func:`encode_page`) that every later step of the run reads back.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from functions.rewards.economy import settlement_extras
from functions.rewards.issuance import issuance_room
from functions.rewards.money import Cents, format_cents
from functions.rewards.plan import Plan
from functions.rewards.pools import PoolInput, PoolOutcome, distribute
from functions.rewards.settlement import SettlementInput, settle
from functions.rewards.tree import bottom_up_order, team_sizes
from functions.store.member_roll import GrantBalances, MemberRoll

from .ledger import Ledger
from .ledger.issuance import issuance_state  # issue 12
from .ledger.regions import region_sales  # issue 12
from .programs.settlement import StakeStep, stake_step  # issue 13
from .release_controls import (  # issue 12
    Controls,
    GateMarks,
    StageMove,
    release_controls,
    stage_moves,
)


class SettlementError(RuntimeError):
    """The run cannot proceed now (inconsistent listing, or another worker holds it)."""


@dataclass(frozen=True, slots=True)
class MemberResult:
    """One member's settlement, as persisted in a page.

    A member is listed when the run moves its points (static, paid, forfeited)
    or when its team figures changed; the latter only refreshes statements.
    """

    member: str
    static: int
    share: tuple[int, ...]
    team: int
    peer: int
    paid: int
    forfeited: int
    releases: tuple[tuple[int, int], ...]  # (grant seq, released) oldest first
    team_volume: int = 0
    team_size: int = 0
    level: str | None = None
    stakes: StakeStep | None = None
    """The staking step's figures (issue 13); None for a member holding no stake."""
    # economics (issue 12): release stages and the activity gate
    stages: tuple[StageMove, ...] = ()
    """Staged grants' ``(seq, releases, daily)`` after the run (their counters moved)."""
    gate: GateMarks | None = None
    """The gate marks this run leaves on the member (None: unchanged)."""
    # economics (issue 12): dividend pools
    pool_points: int = 0
    """Points the pools paid the member this run (issuance → available)."""
    pool_cash: int = 0
    """Cash the pools paid the member this run (platform → commission)."""

    @property
    def moves_points(self) -> bool:
        return bool(
            self.static
            or self.paid
            or self.forfeited
            or self.stakes
            or self.pool_points
            or self.pool_cash
        )

    @property
    def _economic(self) -> bool:
        return bool(self.stages or self.gate is not None or self.pool_points or self.pool_cash)

    def to_list(self) -> list[Any]:
        return [
            self.member,
            self.static,
            list(self.share),
            self.team,
            self.peer,
            self.paid,
            self.forfeited,
            [list(pair) for pair in self.releases],
            self.team_volume,
            self.team_size,
            self.level,
            *(
                [self.stakes.to_list() if self.stakes is not None else None]
                if self.stakes is not None or self._economic
                else []
            ),  # issue 13
            *([self._economics()] if self._economic else []),
        ]

    def _economics(self) -> dict[str, Any]:
        """Economics (issue 12): the page's stage counters and gate marks of the member."""
        row: dict[str, Any] = {
            "stages": [list(move) for move in self.stages],
            "gate": list(self.gate) if self.gate is not None else None,
        }
        if self.pool_points or self.pool_cash:  # dividend pools
            row["pools"] = [self.pool_points, self.pool_cash]
        return row

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> MemberResult:
        member, static, share, team, peer, paid, forfeited, releases, volume, size, level = row[:11]
        stakes = StakeStep.from_list(row[11]) if len(row) > 11 and row[11] else None  # issue 13
        economics = row[12] if len(row) > 12 else {}  # issue 12
        gate = economics.get("gate")
        pool_points, pool_cash = economics.get("pools", (0, 0))
        return cls(
            member,
            static,
            tuple(share),
            team,
            peer,
            paid,
            forfeited,
            tuple((seq, amount) for seq, amount in releases),
            volume,
            size,
            level,
            stakes,
            tuple((seq, releases, daily) for seq, releases, daily in economics.get("stages", ())),
            (gate[0], gate[1], gate[2]) if gate is not None else None,
            pool_points,
            pool_cash,
        )

    def statement(self) -> dict[str, Any]:
        """Why the member got what they got (bot balance screen, notifications)."""
        return {
            "static": format_cents(self.static),
            "share": [format_cents(part) for part in self.share],
            "team": format_cents(self.team),
            "peer": format_cents(self.peer),
            "paid": format_cents(self.paid),
            "forfeited": format_cents(self.forfeited),
        }


def encode_page(results: Iterable[MemberResult]) -> bytes:
    return zlib.compress(json.dumps([row.to_list() for row in results]).encode(), 6)


def decode_page(payload: bytes) -> list[MemberResult]:
    return [MemberResult.from_list(row) for row in json.loads(zlib.decompress(payload))]


def compute(
    ledger: Ledger, roll: MemberRoll, date: str | None = None
) -> tuple[Iterator[MemberResult], dict[str, Any]]:
    """Run the engine over the loaded membership; return the listed members and totals.

    The plan is the version in effect on ``date`` (the run's date); grants keep the
    daily amounts they were created with. The results are produced as they are read
    (at ten million members a list of them would be gigabytes); the totals are known
    before the first one.
    """
    plan = ledger.plan_on(date) if date is not None else ledger.plan
    parents = roll.parents
    grants = GrantBalances(roll)  # made as read: no list of ten million lists
    controls = release_controls(ledger, plan, roll)  # economics (issue 12)
    outcome = settle(
        plan,
        SettlementInput(
            parents,
            roll.personal_volume,
            grants,
            gated=controls.gated,
            period_cash=controls.period_cash,
            price=controls.price,
        ),
    )
    order = bottom_up_order(parents)
    sizes = team_sizes(parents, order)
    levels = plan.levels
    level_names = [levels[position].name if position >= 0 else None for position in outcome.level]
    active = set(outcome.active())
    pools = _pools(ledger, plan, roll, outcome.level, outcome.team_volume, controls)
    pool_points = pools.credits("points") if pools is not None else {}
    pool_cash = pools.credits("cash") if pools is not None else {}
    # issue 13: the staking step, one more linear pass over the same tree
    steps, stake_totals, staked = stake_step(
        plan,
        roll.stakes,
        roll.outstanding,
        parents,
        order,
        lambda: -ledger.store.system_totals().sales,
    )
    totals = outcome.totals()
    summary: dict[str, Any] = {
        "static": totals.static,
        "share": totals.share,
        "team": totals.team,
        "peer": totals.peer,
        "paid": totals.paid,
        "forfeited": totals.forfeited,
        "members": len(active | staked) if staked else len(active),
        "population": len(roll),
        **stake_totals,  # issue 13: present when some member holds a stake
        "sales_mark": controls.sales,  # economics (issue 12): the next run's throttle period
    }
    if pools is not None:  # dividend pools: the balances the next run continues from
        summary["pool_carry"] = pools.carried
        summary["pool_points"] = sum(pool_points.values())
        summary["pool_cash"] = sum(pool_cash.values())
    counted = region_sales(roll.region_cash.values())
    if counted:  # every run moves the regions' marks, as the book's do (with or without pools)
        summary["region_mark"] = counted
    economics = settlement_extras(plan, outcome.throttle, outcome.gated, pools)
    if economics:
        summary["economics"] = economics

    def results() -> Iterator[MemberResult]:
        for position, name in enumerate(roll.names):
            team_changed = (
                roll.team_volume[position] != outcome.team_volume[position]
                or roll.team_size[position] != sizes[position]
                or roll.levels[position] != level_names[position]
            )
            step = steps.get(position)
            waits = controls.gated is not None and controls.gated[position]  # issue 12
            stages = stage_moves(roll.staged.get(position, ()), waits)
            gate = controls.marks.get(position)
            quiet = not stages and gate is None  # issue 12: no counter or mark moves
            quiet = quiet and position not in pool_points and position not in pool_cash
            if position not in active and not team_changed and step is None and quiet:
                continue
            remaining = outcome.remaining[position] or ()
            releases = tuple(
                (seq, before - left)
                for (seq, before, _), left in zip(roll.grants(position), remaining, strict=False)
                if before != left
            )
            yield MemberResult(
                name,
                outcome.static[position],
                tuple(parts[position] for parts in outcome.share_by_generation),
                outcome.team[position],
                outcome.peer[position],
                outcome.paid[position],
                outcome.forfeited[position],
                releases,
                outcome.team_volume[position],
                sizes[position],
                level_names[position],
                step,
                stages,
                gate,
                pool_points.get(position, 0),
                pool_cash.get(position, 0),
            )

    return results(), summary


def _pools(
    ledger: Ledger,
    plan: Plan,
    roll: MemberRoll,
    level: Sequence[int],
    team_volume: Sequence[Cents],
    controls: Controls,
) -> PoolOutcome | None:
    """Economics (issue 12): the engine's dividend pools over the run. The period's team
    volume is measured from the last run's, which every member item keeps; the period's
    cash per region from the sums the last run counted; the carried balances come from the
    settlement sequence; the issuance room is read before anything is applied."""
    if plan.pools is None:
        return None
    sequence = ledger.store.settlement_sequence()
    carry = json.loads(sequence.pool_carry) if sequence is not None and sequence.pool_carry else {}
    marks = (
        json.loads(sequence.region_mark) if sequence is not None and sequence.region_mark else {}
    )
    regions = region_sales(roll.region_cash.values())
    state = issuance_state(ledger.store, plan)
    return distribute(
        plan,
        PoolInput(
            level=level,
            region=roll.regions,
            period_team=[
                volume - before
                for volume, before in zip(team_volume, roll.team_volume, strict=True)
            ],
            period_cash=controls.period_cash,
            region_cash={
                region: total - int(marks.get(region, 0)) for region, total in regions.items()
            },
            carried={str(key): int(value) for key, value in carry.items()},
            room=issuance_room(plan, state) if state is not None else None,
        ),
    )
