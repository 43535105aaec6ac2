"""The in-memory book: the whole platform's state, applying the rules' outcomes.

It is what a scenario run uses, and the reference the DynamoDB store must
match byte for byte. The plan is a :class:`~functions.rewards.versions.PlanHistory`
(``plan`` is its first version; plan events add more): each event uses the version
in effect on its date (a purchase or withdrawal: the day after the last settled
date; a settlement: its own date). Balances change only through postings
(:mod:`functions.rewards.ledger`); per-member counters (released, forfeited,
withdrawn cash…) are statistics kept beside them for statements and reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import economics_book
from .decisions import (
    MemberSnapshot,
    Pool,
    PurchaseOutcome,
    check_join,
    check_member,
    decide_purchase,
    decide_transfer,
    decide_withdraw,
    point_price,
)
from .economy import Economy, Features, settlement_extras
from .events import (
    Event,
    Freeze,
    GiftLocked,
    Join,
    PublishPlan,
    Purchase,
    Refund,
    SetRegion,
    Settle,
    Transfer,
    Unfreeze,
    Withdraw,
)
from .ledger import SYSTEM, Bucket, Posting
from .money import Cents
from .plan import Plan
from .program_book import ProgramBook
from .report import MemberLine, SettlementRow, Totals
from .settlement import GrantBalance, SettlementInput, settle
from .tree import NO_PARENT, team_volumes
from .versions import PlanHistory, business_date_after, check_effective_date


@dataclass(slots=True)
class MemberState:
    name: str
    parent: int
    frozen: bool = False
    released: Cents = 0
    forfeited: Cents = 0
    withdrawn_cash: Cents = 0
    withdrawn_points: Cents = 0
    spent: Cents = 0
    transferred_out: Cents = 0
    transferred_in: Cents = 0
    orders: int = 0
    """Purchases made (issue 13: a first purchase unlocks staking and the invite draw)."""


@dataclass(slots=True)
class MemoryBook:
    """Platform state in memory; every method either applies an event fully or raises."""

    plan: Plan
    """The first version: in effect from the start."""
    index: dict[str, int] = field(default_factory=dict)
    members: list[MemberState] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    personal_volume: list[Cents] = field(default_factory=list)
    grants: list[list[GrantBalance]] = field(default_factory=list)
    balances: defaultdict[tuple[str, Bucket], Cents] = field(
        default_factory=lambda: defaultdict(int)
    )
    orders: set[str] = field(default_factory=set)
    settled_dates: set[str] = field(default_factory=set)
    last_settled: str | None = None
    """The latest date settled (scenario dates need not be settled in order)."""
    circulating: Cents = 0
    fees: Cents = 0
    programs: ProgramBook = field(default_factory=ProgramBook)
    """The engagement programs' state (issue 13; empty when the plan runs none)."""
    history: PlanHistory = field(init=False)
    _current: Plan = field(init=False)
    economy: Economy = field(default_factory=Economy)
    """Refunds, debt, stages, the gate, pools and regions (issue 12)."""

    def __post_init__(self) -> None:
        self.history = PlanHistory.of(self.plan)
        self._current = self.plan

    # -- plan versions ---------------------------------------------------
    def business_date(self) -> str | None:
        """The day being traded: the one after the last settled date (None: none yet)."""
        return business_date_after(self.last_settled)

    def current_plan(self) -> Plan:
        """The plan in effect on the current business date (purchases, withdrawals, reports)."""
        return self._current

    def start_after(self, last_settled: str | None) -> None:
        """Continue from a state whose last settled date is ``last_settled`` (the dry run)."""
        self.last_settled = last_settled
        self._current = self.history.plan_on(self.business_date())

    def publish(self, event: PublishPlan) -> None:
        """Add a version; its date must be after the last settled date."""
        check_effective_date(event.effective_from, last_settled=self.last_settled)
        self.history = self.history.with_version(event.plan, event.effective_from)
        self._current = self.history.plan_on(self.business_date())

    # -- snapshots -------------------------------------------------------
    def snapshot(self, name: str) -> MemberSnapshot | None:
        position = self.index.get(name)
        if position is None:
            return None
        return MemberSnapshot(
            name,
            self.balances[(name, Bucket.AVAILABLE)],
            self.members[position].frozen,
            self.balances.get((name, Bucket.SPARE), 0),  # issue 13: spend-only points
            self.economy.debt.get(position, 0),
            self.economy.commission_debt.get(position, 0),
        )

    def ancestors(self, name: str, generations: int) -> list[str]:
        found: list[str] = []
        parent = self.parents[self.index[name]] if name in self.index else NO_PARENT
        while parent != NO_PARENT and len(found) < generations:
            found.append(self.members[parent].name)
            parent = self.parents[parent]
        return found

    def pool(self) -> Pool:
        return Pool(self.balances[(SYSTEM, Bucket.RESERVE)], self.circulating)

    def apply_postings(self, postings: Iterable[Posting]) -> None:
        """Apply an outcome's postings (the programs' events, issue 13)."""
        self._apply(postings)

    def _apply(self, postings: Iterable[Posting]) -> None:
        balances = self.balances
        for posting in postings:
            balances[(posting.owner, posting.bucket)] += posting.amount
            if posting.bucket is Bucket.AVAILABLE:
                self.circulating += posting.amount

    # -- events ----------------------------------------------------------
    def join(self, event: Join) -> None:
        check_join(
            event,
            member_exists=event.member in self.index,
            referrer_exists=event.referrer is not None and event.referrer in self.index,
        )
        parent = self.index[event.referrer] if event.referrer is not None else NO_PARENT
        self.index[event.member] = len(self.members)
        self.members.append(MemberState(event.member, parent))
        self.parents.append(parent)
        self.personal_volume.append(0)
        self.grants.append([])
        if event.region is not None:  # economics (issue 12)
            self.economy.region[len(self.members) - 1] = event.region

    def purchase(self, event: Purchase) -> PurchaseOutcome:
        plan = self.current_plan()
        generations = len(plan.commission.rates) if plan.commission else 0
        ancestors = self.ancestors(event.member, generations) if generations else []
        economy = self.economy
        outcome = decide_purchase(
            plan,
            event,
            buyer=self.snapshot(event.member),
            order_exists=event.order in self.orders,
            ancestors=ancestors,
            ancestor_roles=self.programs.ancestor_roles(self, ancestors)  # issue 13
            if ProgramBook.commission_gated(plan)
            else None,
            issuance=economy.issuance_state(self.balances),
            commission_debts=economy.debts_of((name, self.index[name]) for name in ancestors)
            if economy.commission_debt
            else None,
        )
        self._apply(outcome.postings)
        self.orders.add(event.order)
        position = self.index[event.member]
        member = self.members[position]
        self.personal_volume[position] += outcome.cash
        member.spent += outcome.points_spent - outcome.spare_spent
        member.released += outcome.released
        if outcome.grant is not None and outcome.grant.locked:
            self.grants[position].append((outcome.grant.points, outcome.grant.daily))
        self.programs.after_purchase(self, plan, position, outcome)  # issue 13
        member.orders += 1
        economy.after_purchase(plan, position, event, outcome, self.grants[position], self.index)
        return outcome

    def settle(self, event: Settle) -> SettlementRow:
        if event.date in self.settled_dates:
            extra = self.programs.settlement_extra(self.programs.groups(self), {})
            return SettlementRow(event.date, "already_settled", extra=extra)
        plan = self.history.plan_on(event.date)
        economy = self.economy
        waits = economy.gate(plan, self.parents)  # economics (issue 12): the gate
        issued = economy.issuance_state(self.balances)
        result = settle(
            plan,
            SettlementInput(
                self.parents,
                self.personal_volume,
                self.grants,
                gated=waits,
                period_cash=economy.period_cash(),
                price=point_price(plan, self.pool()) if plan.release.throttle else None,
            ),
        )
        active = result.active()
        balances, grants, members = self.balances, self.grants, self.members
        static, paid, forfeited = result.static, result.paid, result.forfeited
        locked, available = Bucket.LOCKED, Bucket.AVAILABLE
        released_total = 0
        for position in active:
            member = members[position]
            released = static[position] + paid[position]
            if released:  # the postings locked → available, applied directly (the dry run's loop)
                balances[(member.name, locked)] -= released
                balances[(member.name, available)] += released
                released_total += released
            member.released += released
            member.forfeited += forfeited[position]
            remaining = result.remaining[position]
            if remaining is not None:
                held = grants[position]
                if 0 in remaining:  # economics (issue 12): exhausted grants lose their metadata
                    economy.drop_exhausted(position, remaining)
                if len(held) == 1 and len(remaining) == 1:
                    grants[position] = [(remaining[0], held[0][1])] if remaining[0] > 0 else []
                    continue
                grants[position] = [
                    (left, daily)
                    for left, (_, daily) in zip(remaining, held, strict=True)
                    if left > 0
                ]
        self.circulating += released_total
        figures, program_changed = self.programs.settle(self, plan)  # issue 13: staking step
        pools = economics_book.settle_economics(self, plan, result, waits, issued)
        self.settled_dates.add(event.date)
        if self.last_settled is None or event.date > self.last_settled:
            self.last_settled = event.date
            self._current = self.history.plan_on(self.business_date())
        totals = result.totals()
        groups = self.programs.groups(self)
        return SettlementRow(
            event.date,
            "settled",
            static=totals.static,
            share=totals.share,
            team=totals.team,
            peer=totals.peer,
            paid=totals.paid,
            forfeited=totals.forfeited,
            members=len(program_changed.union(active)) if program_changed else len(active),
            extra=self.programs.settlement_extra(groups, figures),
            economics=settlement_extras(plan, result.throttle, result.gated, pools) or None,
        )

    # -- economics events (issue 12: functions/rewards/economics_book.py) --------
    def refund(self, event: Refund) -> None:
        economics_book.refund(self, event)

    def gift(self, event: GiftLocked) -> None:
        economics_book.gift(self, event)

    def set_region(self, event: SetRegion) -> None:
        economics_book.set_region(self, event)

    def withdraw(self, event: Withdraw) -> None:
        quote = decide_withdraw(
            self.current_plan(), event, member=self.snapshot(event.member), pool=self.pool()
        )
        self._apply(quote.request_postings())
        self._apply(quote.approve_postings())
        member = self.members[self.index[event.member]]
        member.withdrawn_points += quote.points
        member.withdrawn_cash += quote.net
        self.fees += quote.fee

    def transfer(self, event: Transfer) -> None:
        outcome = decide_transfer(
            event, sender=self.snapshot(event.sender), recipient=self.snapshot(event.recipient)
        )
        self._apply(outcome.postings)
        self.members[self.index[event.sender]].transferred_out += outcome.points
        self.members[self.index[event.recipient]].transferred_in += outcome.points
        if outcome.repaid:  # economics (issue 12): the recipient's debt
            self.economy._repaid(self.index[event.recipient], outcome.repaid)

    def freeze(self, event: Freeze) -> None:
        check_member(self.snapshot(event.member), event.member)
        self.members[self.index[event.member]].frozen = True

    def unfreeze(self, event: Unfreeze) -> None:
        check_member(self.snapshot(event.member), event.member)
        self.members[self.index[event.member]].frozen = False

    # -- reporting -------------------------------------------------------
    def features(self) -> Features:
        """Which economics fields the report shows (issue 12)."""
        return Features.of(self.history, self.economy.refunds)

    def member_lines(self) -> Iterator[MemberLine]:
        plan = self.current_plan()
        team = team_volumes(self.parents, self.personal_volume)
        balances = self.balances
        groups = self.programs.groups(self)
        extras = self.programs.member_extras(self, groups) if groups else None
        features = self.features()
        shown = features.refunds or features.pools
        for position, member in enumerate(self.members):
            name = member.name
            yield MemberLine(
                name=name,
                available=balances.get((name, Bucket.AVAILABLE), 0),
                locked=balances.get((name, Bucket.LOCKED), 0),
                released=member.released,
                forfeited=member.forfeited,
                personal_volume=self.personal_volume[position],
                team_volume=team[position],
                level=plan.level_name(team[position]),
                frozen=member.frozen,
                withdrawn_cash=member.withdrawn_cash,
                commission=balances.get((name, Bucket.COMMISSION), 0),
                extra=next(extras) if extras is not None else {},
                economics=self.economy.member_fields(position, features) if shown else None,
            )

    def totals(self) -> Totals:
        balances = self.balances
        return Totals(
            granted=-balances.get((SYSTEM, Bucket.ISSUANCE), 0),
            released=sum(member.released for member in self.members),
            forfeited=sum(member.forfeited for member in self.members),
            locked=sum(left for grants in self.grants for left, _ in grants),
            circulating=self.circulating,
            burned=balances.get((SYSTEM, Bucket.BURNED), 0),
            reserve=balances.get((SYSTEM, Bucket.RESERVE), 0),
            price=point_price(self.current_plan(), self.pool()),
            withdrawn_cash=sum(member.withdrawn_cash for member in self.members),
            fees=self.fees,
            commission=sum(
                amount
                for (owner, bucket), amount in balances.items()
                if bucket is Bucket.COMMISSION and owner != SYSTEM
            ),
            extra=self.programs.totals_extra(self, self.programs.groups(self)),
            economics=self.economy.total_fields(self.features()) or None,
        )

    def program_sections(self) -> list[tuple[str, object]]:
        """The report's month closes and catalog, when the plan runs them (issue 13)."""
        return self.programs.sections(self.programs.groups(self))

    def apply(self, event: Event, event_id: str) -> SettlementRow | None:
        """Dispatch one validated event (``event_id`` is unused in memory)."""
        del event_id
        match event:
            case Join():
                self.join(event)
            case Purchase():
                self.purchase(event)
            case Settle():
                return self.settle(event)
            case Withdraw():
                self.withdraw(event)
            case Transfer():
                self.transfer(event)
            case Freeze():
                self.freeze(event)
            case Unfreeze():
                self.unfreeze(event)
            case PublishPlan():
                self.publish(event)
            case Refund():  # economics (issue 12)
                self.refund(event)
            case GiftLocked():
                self.gift(event)
            case SetRegion():
                self.set_region(event)
            case _:  # issue 13: the engagement programs' events
                self.programs.apply(self, event)
        return None

    def plan_history(self) -> PlanHistory:
        return self.history
