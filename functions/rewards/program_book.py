"""The engagement programs in the in-memory book (issue 13; docs/rules-programs.md).

:class:`ProgramBook` holds what the programs add to a :class:`~.book.MemoryBook`:
the lottery's queue and counter, members' stakes, roles and monthly purchases, the
catalog. Balances (spare, staked, the pool) stay in the book's postings; per-member
state is kept only for members the programs touched, so a book without programs
costs nothing more. Every decision is the engine's (:mod:`.lottery`, :mod:`.staking`,
:mod:`.roles`, :mod:`.catalog`); this module applies outcomes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import CatalogItem, Spender, check_listing, decide_redeem, listed
from .decisions import PurchaseOutcome
from .events import (
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
from .ledger import SYSTEM, Bucket, Posting
from .lottery import (
    MAX_WINNERS_PER_DRAW,
    Drawer,
    Entry,
    choose_exit,
    decide_draw,
    decide_exit,
    invite_draws,
)
from .money import Cents
from .plan import Plan
from .program_issuance import IssuanceFacts, program_issuance_room
from .program_report import (
    Group,
    MemberFacts,
    TotalsFacts,
    catalog_section,
    groups_of,
    member_fields,
    month_row,
    sections,
    settlement_fields,
    totals_fields,
)
from .roles import (
    MEMBER,
    RoleStatus,
    check_close,
    close_month,
    decide_promote,
    earns_commission,
    month_end,
    month_of,
)
from .staking import Stake as OpenStake
from .staking import (
    Staker,
    StakeSettlement,
    age_stakes,
    choose_stake,
    decide_stake,
    decide_unstake,
    settle_stakes,
    star_ranks,
)
from .tree import bottom_up_order

if TYPE_CHECKING:
    from .book import MemoryBook


@dataclass(slots=True)
class ProgramMember:
    """One member's program state (created on first use)."""

    free_draws: int = 0
    won: Cents = 0
    drawn: Cents = 0
    stakes: list[OpenStake] = field(default_factory=list)
    stake_seq: int = 0
    stake_count: int = 0
    stake_bonus: Cents = 0
    star_reward: Cents = 0
    bole_reward: Cents = 0
    penalties: Cents = 0
    """Principal burned by early exits."""
    role: RoleStatus = field(default_factory=RoleStatus)
    ladder: Cents = 0
    team_bonus: Cents = 0
    redeemed: Cents = 0
    """Available points spent in the catalog."""
    spare_spent: Cents = 0
    months: dict[str, list[int]] = field(default_factory=dict)
    """Business month → [cash, orders] of the member's own purchases."""
    redemptions: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ProgramBook:
    """The programs' state beside the book's balances."""

    members: dict[int, ProgramMember] = field(default_factory=dict)
    draws: int = 0
    queue: deque[Entry] = field(default_factory=deque)
    prizes: Cents = 0
    coins: Cents = 0
    exit_refunds: Cents = 0
    stake_bonus: Cents = 0
    star_reward: Cents = 0
    bole_reward: Cents = 0
    capped: Cents = 0
    ladder: Cents = 0
    team_bonus: Cents = 0
    redeemed: Cents = 0
    catalog: dict[str, CatalogItem] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    last_closed: str | None = None
    month_rows: list[dict[str, object]] = field(default_factory=list)

    def of(self, position: int) -> ProgramMember:
        member = self.members.get(position)
        if member is None:
            member = self.members[position] = ProgramMember()
        return member

    def peek(self, position: int) -> ProgramMember | None:
        return self.members.get(position)

    # -- hooks from the book's own events ------------------------------------------
    def ancestor_roles(self, book: MemoryBook, ancestors: list[str]) -> list[str]:
        roles: list[str] = []
        for name in ancestors:
            found = self.peek(book.index[name])
            roles.append(found.role.role if found is not None else MEMBER)
        return roles

    def after_purchase(
        self, book: MemoryBook, plan: Plan, position: int, outcome: PurchaseOutcome
    ) -> None:
        """Purchase count, coins, spend-only use, the referrer's free draws, the month."""
        free = invite_draws(plan.lottery, book.members[position].orders)
        parent = book.parents[position]
        if free and parent >= 0:
            self.of(parent).free_draws += free
        member = self.of(position) if self._tracks(plan, outcome) else self.peek(position)
        if member is None:
            return
        member.spare_spent += outcome.spare_spent
        self.coins += outcome.coins
        month = month_of(book.business_date())
        if plan.roles is not None and month is not None:
            activity = member.months.setdefault(month, [0, 0])
            activity[0] += outcome.cash
            activity[1] += 1

    @staticmethod
    def _tracks(plan: Plan, outcome: PurchaseOutcome) -> bool:
        """Whether a purchase under ``plan`` is something the programs must remember."""
        return bool(plan.roles or outcome.coins or outcome.spare_spent)

    # -- program events --------------------------------------------------------------
    def apply(self, book: MemoryBook, event: ProgramEvent) -> None:
        plan = book.current_plan()
        match event:
            case Draw():
                self.draw(book, plan, event)
            case LotteryExit():
                self.exit(book, plan, event)
            case Stake():
                self.stake(book, plan, event)
            case Unstake():
                self.unstake(book, event)
            case CloseMonth():
                self.close(book, event)
            case ListItem():
                check_listing(plan.catalog)
                existing = self.catalog.get(event.item)
                self.catalog[event.item] = listed(
                    existing, event.item, event.name, event.price, event.stock, event.limit
                )
            case Redeem():
                self.redeem(book, plan, event)
            case Promote():
                position = book.index.get(event.member)
                decide_promote(plan.roles, position is not None, event.member)
                assert position is not None
                self.of(position).role = RoleStatus(event.role)

    def draw(self, book: MemoryBook, plan: Plan, event: Draw) -> None:
        position = book.index.get(event.member)
        drawer = None
        if position is not None:
            found = self.peek(position)
            drawer = Drawer(
                event.member,
                book.balances.get((event.member, Bucket.AVAILABLE), 0),
                book.members[position].frozen,
                found.free_draws if found is not None else 0,
            )
        outcome = decide_draw(
            plan.lottery,
            drawer,
            event.member,
            draws=self.draws,
            waiting=list(_first(self.queue, MAX_WINNERS_PER_DRAW)),
            pool=book.balances.get((SYSTEM, Bucket.LOTTERY_POOL), 0),
        )
        assert position is not None
        book.apply_postings(outcome.postings)
        member = self.of(position)
        if outcome.free:
            member.free_draws -= 1
        member.drawn += outcome.entry.paid
        self.draws = outcome.entry.seq
        self.queue.append(outcome.entry)
        for entry, prize in outcome.winners:
            winner = self.queue.popleft()
            assert winner == entry
            self.of(book.index[entry.member]).won += prize
            self.prizes += prize

    def exit(self, book: MemoryBook, plan: Plan, event: LotteryExit) -> None:
        position = book.index.get(event.member)
        mine = [entry for entry in self.queue if entry.member == event.member]
        outcome = decide_exit(
            plan.lottery, position is not None, event.member, entry=choose_exit(mine, event.entry)
        )
        book.apply_postings(outcome.postings)
        self.queue.remove(outcome.entry)
        self.exit_refunds += outcome.refund

    def stake(self, book: MemoryBook, plan: Plan, event: Stake) -> None:
        position = book.index.get(event.member)
        staker = None
        if position is not None:
            found = self.peek(position) or ProgramMember()
            staker = Staker(
                event.member,
                book.balances.get((event.member, Bucket.AVAILABLE), 0),
                book.members[position].frozen,
                book.members[position].orders,
                True,  # scenario members count as having bound a phone
                found.stake_count,
                found.stake_seq,
            )
        outcome = decide_stake(plan.staking, staker, event.member, event.points, event.term)
        assert position is not None
        book.apply_postings(outcome.postings)
        member = self.of(position)
        member.stakes.append(outcome.stake)
        member.stake_seq = outcome.stake.seq
        member.stake_count += 1

    def unstake(self, book: MemoryBook, event: Unstake) -> None:
        position = book.index.get(event.member)
        found = self.peek(position) if position is not None else None
        held = found.stakes if found is not None else []
        outcome = decide_unstake(
            position is not None, event.member, choose_stake(held, event.stake)
        )
        assert found is not None
        book.apply_postings(outcome.postings)
        found.stakes.remove(outcome.stake)
        found.stake_count -= 1
        found.penalties += outcome.penalty

    def redeem(self, book: MemoryBook, plan: Plan, event: Redeem) -> None:
        position = book.index.get(event.member)
        spender = None
        if position is not None:
            spender = Spender(
                event.member,
                book.balances.get((event.member, Bucket.AVAILABLE), 0),
                book.balances.get((event.member, Bucket.SPARE), 0),
                book.members[position].frozen,
            )
        found = self.peek(position) if position is not None else None
        outcome = decide_redeem(
            plan.catalog,
            spender,
            event.member,
            self.catalog.get(event.item),
            event.item,
            redeemed_by_member=found.redemptions.get(event.item, 0) if found else 0,
        )
        assert position is not None
        book.apply_postings(outcome.postings)
        member = self.of(position)
        member.redemptions[event.item] = member.redemptions.get(event.item, 0) + 1
        member.redeemed += outcome.from_available
        member.spare_spent += outcome.from_spare
        self.redeemed += outcome.from_spare + outcome.from_available
        self.catalog[event.item] = outcome.item

    def close(self, book: MemoryBook, event: CloseMonth) -> None:
        month = event.month
        if month in self.closed:
            self.month_rows.append(month_row(month, "already_closed", {}))
            return
        plan = book.history.plan_on(month_end(month))
        check_close(plan.roles, month, self.last_closed)
        assert plan.roles is not None
        n = len(book.members)
        cash = [0] * n
        orders = [0] * n
        status = [RoleStatus()] * n
        for position, member in self.members.items():
            status[position] = member.role
            activity = member.months.get(month)
            if activity is not None:
                cash[position], orders[position] = activity
        closing = close_month(
            plan.roles, book.parents, bottom_up_order(book.parents), cash, orders, status
        )
        names = [member.name for member in book.members]
        for position in closing.changed:
            member = self.of(position)
            book.apply_postings(closing.postings(names, position))
            member.ladder += closing.ladder[position]
            member.team_bonus += closing.team_bonus[position]
            member.role = closing.status[position]
        totals = closing.totals()
        self.ladder += totals["ladder"]
        self.team_bonus += totals["team_bonus"]
        self.closed.add(month)
        if self.last_closed is None or month > self.last_closed:
            self.last_closed = month
        self.month_rows.append(month_row(month, "closed", totals))

    # -- settlement --------------------------------------------------------------------
    def settle(self, book: MemoryBook, plan: Plan) -> tuple[dict[str, Cents], set[int]]:
        """The staking step of a settlement; returns its row figures and members changed."""
        held = [
            self.members[p].stakes if p in self.members else [] for p in range(len(book.members))
        ]
        if not any(held):
            return {}, set()
        room = program_issuance_room(plan, self.issuance_facts(book))
        outcome = settle_stakes(
            plan.staking, book.parents, bottom_up_order(book.parents), held, room
        )
        changed: set[int] = set()
        for position, stakes in enumerate(held):
            credited = outcome.credited(position)
            if stakes:
                self.members[position].stakes = list(age_stakes(stakes, outcome.matured[position]))
            if credited or outcome.matured[position]:
                changed.add(position)
                self._credit(book, position, outcome)
        self.stake_bonus += sum(outcome.bonus)
        self.star_reward += sum(outcome.star_reward)
        self.bole_reward += sum(outcome.bole)
        self.capped += outcome.capped
        return outcome.totals(), changed

    def _credit(self, book: MemoryBook, position: int, outcome: StakeSettlement) -> None:
        name = book.members[position].name
        member = self.of(position)
        principal = outcome.principal[position]
        issued = outcome.bonus[position] + outcome.star_reward[position] + outcome.bole[position]
        postings: list[Posting] = []
        if principal:
            postings += [
                Posting(name, Bucket.STAKED, -principal),
                Posting(name, Bucket.AVAILABLE, principal),
            ]
        if issued:
            postings += [
                Posting(SYSTEM, Bucket.REWARDS, -issued),
                Posting(name, Bucket.AVAILABLE, issued),
            ]
        book.apply_postings(postings)
        member.stake_bonus += outcome.bonus[position]
        member.star_reward += outcome.star_reward[position]
        member.bole_reward += outcome.bole[position]

    def issuance_facts(self, book: MemoryBook) -> IssuanceFacts:
        balances = book.balances
        outstanding = sum(
            amount
            for (owner, bucket), amount in balances.items()
            if owner != SYSTEM
            and bucket
            in (Bucket.AVAILABLE, Bucket.LOCKED, Bucket.WITHDRAWING, Bucket.STAKED, Bucket.SPARE)
        )
        return IssuanceFacts(
            outstanding=outstanding, sales=-balances.get((SYSTEM, Bucket.SALES), 0)
        )

    # -- reporting ---------------------------------------------------------------------
    def groups(self, book: MemoryBook) -> frozenset[Group]:
        return groups_of(version.plan for version in book.history)

    def member_extras(
        self, book: MemoryBook, groups: frozenset[Group]
    ) -> Iterator[dict[str, object]]:
        """Each member's program fields, in join order."""
        stars: list[int] = []
        if Group.STAKING in groups:
            held = [
                bool(self.members[p].stakes) if p in self.members else False
                for p in range(len(book.members))
            ]
            stars = star_ranks(
                book.current_plan().staking, book.parents, bottom_up_order(book.parents), held
            )
        waiting: dict[str, int] = {}
        for entry in self.queue:
            waiting[entry.member] = waiting.get(entry.member, 0) + 1
        balances = book.balances
        for position, state in enumerate(book.members):
            name = state.name
            member = self.members.get(position) or ProgramMember()
            facts = MemberFacts(
                spare=balances.get((name, Bucket.SPARE), 0),
                won=member.won,
                free_draws=member.free_draws,
                waiting=waiting.get(name, 0),
                staked=balances.get((name, Bucket.STAKED), 0),
                stars=stars[position] if stars else 0,
                stake_bonus=member.stake_bonus,
                star_reward=member.star_reward,
                bole_reward=member.bole_reward,
                role=member.role.role,
                ladder=member.ladder,
                team_bonus=member.team_bonus,
            )
            yield member_fields(groups, facts)

    def totals_extra(self, book: MemoryBook, groups: frozenset[Group]) -> dict[str, object]:
        balances = book.balances
        facts = TotalsFacts(
            spare=sum(a for (o, b), a in balances.items() if b is Bucket.SPARE and o != SYSTEM),
            coins=self.coins,
            exit_refunds=self.exit_refunds,
            spare_spent=sum(member.spare_spent for member in self.members.values()),
            lottery_pool=balances.get((SYSTEM, Bucket.LOTTERY_POOL), 0),
            draws=self.draws,
            waiting=len(self.queue),
            prizes=self.prizes,
            staked=sum(a for (o, b), a in balances.items() if b is Bucket.STAKED and o != SYSTEM),
            stake_bonus=self.stake_bonus,
            star_reward=self.star_reward,
            bole_reward=self.bole_reward,
            capped=self.capped,
            ladder=self.ladder,
            team_bonus=self.team_bonus,
            redeemed=self.redeemed,
        )
        return totals_fields(groups, facts)

    def sections(self, groups: frozenset[Group]) -> list[tuple[str, object]]:
        items = [
            (item.item, item.name, item.price, item.stock, item.redeemed)
            for item in self.catalog.values()
        ]
        return sections(groups, list(self.month_rows), catalog_section(items))

    def settlement_extra(
        self, groups: frozenset[Group], figures: dict[str, Cents]
    ) -> dict[str, object]:
        return settlement_fields(groups, figures)

    @staticmethod
    def commission_gated(plan: Plan) -> bool:
        """Whether purchases under ``plan`` need their uplines' roles (issue 13)."""
        return not earns_commission(plan.roles, MEMBER)


def _first(queue: deque[Entry], count: int) -> Iterator[Entry]:
    for position, entry in enumerate(queue):
        if position == count:
            return
        yield entry
