"""The engagement programs' member events and operator actions (issue 13).

Every event is the same shape as the ledger's own: read the member item and the
program items the engine needs, let the engine decide (:mod:`functions.rewards.lottery`,
``staking``, ``catalog``, ``roles``), commit one transaction keyed by the business
event. The program items ride in the commit's ``extra_items`` with conditions on the
values read (the lottery's draw counter, an item's stock and redemption count), so a
concurrent event makes the commit fail and the attempt reads and decides again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from functions.rewards.catalog import CatalogItem, Spender, check_listing, decide_redeem, listed
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import MAX_NAME_CHARS
from functions.rewards.lottery import (
    MAX_WINNERS_PER_DRAW,
    Drawer,
    choose_exit,
    decide_draw,
    decide_exit,
)
from functions.rewards.money import Cents, format_rate
from functions.rewards.roles import ROLES, decide_promote
from functions.rewards.staking import Staker, choose_stake, decide_stake, decide_unstake
from functions.store.commit import Commit
from functions.store.program_items import Redemption
from functions.store.program_store import (
    code_check,
    draw_items,
    exit_items,
    redeem_items,
)
from functions.store.records import EntryKind, MemberRecord

from ..ledger.core import LedgerCore, read_once
from .results import DrawResult, ExitResult, RedeemResult, RoleResult, StakeResult, UnstakeResult

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Generated voucher codes: no 0/O or 1/I to misread."""


def has_bought(record: MemberRecord) -> bool:
    """Whether the member has made a purchase (staking's unlock, the invite draw).

    ``orders`` counts purchases since the programs shipped; a member who bought before
    has personal volume or points spent, so they count too.
    """
    return record.programs.orders > 0 or record.personal_volume > 0 or record.spent > 0


def generated_code(choose: Callable[[str], str] = secrets.choice) -> str:
    """A voucher code for an item without a code pool: 12 characters, ~60 bits."""
    return "".join(choose(CODE_ALPHABET) for _ in range(12))


class ProgramEvents(LedgerCore):
    """The programs' use cases of :class:`~functions.services.ledger.Ledger`."""

    # -- lottery -------------------------------------------------------------------
    def draw(self, member: str, key: str, *, business_date: str | None = None) -> DrawResult:
        """One lottery draw: pay (or use a free draw), queue, pay the entries it makes win."""

        def decide() -> DrawResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            record = self.store.get_member(member)
            draws = self.store.lottery_draws()
            waiting = self.store.waiting_entries(MAX_WINNERS_PER_DRAW)
            pool = self.store.system_totals().lottery_pool
            drawer = None
            if record is not None:
                drawer = Drawer(member, record.available, record.frozen, record.programs.free_draws)
            outcome = decide_draw(
                plan.lottery, drawer, member, draws=draws, waiting=waiting, pool=pool
            )
            assert record is not None
            statistics: dict[str, dict[str, int]] = {member: {"drawn": outcome.entry.paid}}
            if outcome.free:
                statistics[member]["free_draws"] = -1
            for entry, prize in outcome.winners:
                won = statistics.setdefault(entry.member, {})
                won["won"] = won.get("won", 0) + prize
            result = DrawResult(
                member=member,
                entry=outcome.entry.seq,
                paid=outcome.entry.paid,
                free=outcome.free,
                pool_in=outcome.pool_in,
                winners=tuple((e.member, e.seq, prize) for e, prize in outcome.winners),
                pool=outcome.pool_after,
            )
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.DRAW,
                    at=at(),
                    chain=record,
                    postings=outcome.postings,
                    details=result.details(),
                    statistics=statistics,
                    result=result.to_record(),
                    idempotency_key=key,
                    extra_items=draw_items(
                        draws, outcome.entry, [entry for entry, _ in outcome.winners]
                    ),
                )
            )
            return result

        return self._keyed(key, DrawResult.from_record, decide)

    def lottery_exit(
        self,
        member: str,
        key: str,
        *,
        entry: int | None = None,
        business_date: str | None = None,
    ) -> ExitResult:
        """Leave the queue (the entry numbered ``entry``, else the newest): spare points back."""

        def decide() -> ExitResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            record = self.store.get_member(member)
            mine = self.store.member_entries(member) if record is not None else []
            outcome = decide_exit(
                plan.lottery, record is not None, member, entry=choose_exit(mine, entry)
            )
            assert record is not None
            result = ExitResult(member, outcome.entry.seq, outcome.refund)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.LOTTERY_EXIT,
                    at=at(),
                    chain=record,
                    postings=outcome.postings,
                    details=result.details(),
                    statistics={member: {"exit_refunds": outcome.refund}},
                    result=result.to_record(),
                    idempotency_key=key,
                    extra_items=exit_items(outcome.entry),
                )
            )
            return result

        return self._keyed(key, ExitResult.from_record, decide)

    # -- staking -------------------------------------------------------------------
    def stake(
        self,
        member: str,
        points: Cents,
        term: int,
        key: str,
        *,
        business_date: str | None = None,
        phone_required: bool = True,
    ) -> StakeResult:
        """Lock available points for ``term`` settlements (上链).

        ``phone_required`` is False only for scenario runs (scenario members have no
        phone; the book counts them as bound).
        """

        def decide() -> StakeResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            record = self.store.get_member(member)
            staker = None
            if record is not None:
                staker = Staker(
                    member,
                    record.available,
                    record.frozen,
                    1 if has_bought(record) else 0,
                    record.phone is not None or not phone_required,
                    record.programs.stake_count,
                    record.programs.stake_seq,
                )
            outcome = decide_stake(plan.staking, staker, member, points, term)
            assert record is not None
            stake = outcome.stake
            result = StakeResult(
                member, stake.seq, stake.points, stake.term, format_rate(stake.rate)
            )
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.STAKE,
                    at=at(),
                    chain=record,
                    postings=outcome.postings,
                    details=result.details(),
                    statistics={member: {"stake_seq": 1, "stake_count": 1}},
                    sets={member: {"stakes": (*record.programs.stakes, stake)}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._keyed(key, StakeResult.from_record, decide)

    def unstake(self, member: str, key: str, *, stake: int | None = None) -> UnstakeResult:
        """End an open stake early (the one numbered ``stake``, else the newest)."""

        def decide() -> UnstakeResult:
            record = self.store.get_member(member)
            held = record.programs.stakes if record is not None else ()
            outcome = decide_unstake(record is not None, member, choose_stake(held, stake))
            assert record is not None
            ended = outcome.stake
            result = UnstakeResult(member, ended.seq, outcome.returned, outcome.penalty)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.UNSTAKE,
                    at=self.clock(),
                    chain=record,
                    postings=outcome.postings,
                    details=result.details(),
                    statistics={member: {"stake_count": -1, "penalties": outcome.penalty}},
                    sets={member: {"stakes": tuple(s for s in held if s.seq != ended.seq)}},
                    result=result.to_record(),
                    idempotency_key=key,
                    # an open settlement run may have counted the stake (to mature, or
                    # towards star rewards): the exit waits until the run is done
                    no_settlement_open=True,
                )
            )
            return result

        return self._keyed(key, UnstakeResult.from_record, decide)

    # -- catalog -------------------------------------------------------------------
    def list_item(
        self,
        item: str,
        name: str,
        price: Cents,
        stock: int,
        *,
        limit: int = 0,
        business_date: str | None = None,
    ) -> CatalogItem:
        """An operator lists (or relists) a catalog item; its redemptions are kept."""
        plan = self.version_for(business_date, self.clock).plan
        check_listing(plan.catalog)
        if price <= 0 or stock < 0 or limit < 0:
            raise Rejected(RejectCode.INVALID_EVENT, "price must be positive, stock and limit ≥ 0")
        if not item.strip() or not name.strip() or max(len(item), len(name)) > MAX_NAME_CHARS:
            raise Rejected(
                RejectCode.INVALID_EVENT, f"item and name: 1 to {MAX_NAME_CHARS} characters"
            )
        item_after = listed(self.store.catalog_item(item), item, name, price, stock, limit)
        self.store.list_catalog_item(item_after, self.clock())
        found = self.store.catalog_item(item)
        assert found is not None
        return found

    def redeem(
        self,
        member: str,
        item: str,
        key: str,
        *,
        business_date: str | None = None,
        make_code: Callable[[], str] = generated_code,
    ) -> RedeemResult:
        """Redeem one unit of ``item``: spare points first, then available, burned.

        The voucher is the item's pool code numbered like the redemption, else a
        generated code (``make_code``). It is in the result (the bot shows it), never in
        the journal.
        """

        def decide() -> RedeemResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            record = self.store.get_member(member)
            found = self.store.catalog_item(item)
            count = self.store.redeemed_count(member, item) if record and found else 0
            spender = None
            if record is not None:
                spender = Spender(member, record.available, record.programs.spare, record.frozen)
            outcome = decide_redeem(
                plan.catalog, spender, member, found, item, redeemed_by_member=count
            )
            assert record is not None
            assert found is not None
            number = outcome.item.redeemed
            pooled = self.store.catalog_code(item, number)
            code = pooled if pooled is not None else make_code()
            result = RedeemResult(
                member=member,
                item=item,
                name=found.name,
                number=number,
                price=found.price,
                from_spare=outcome.from_spare,
                from_available=outcome.from_available,
                code=code,
            )
            stamp = at()
            extra = redeem_items(
                found,
                member,
                count,
                Redemption(item, number, member, found.name, found.price, code, stamp),
            )
            if pooled is not None:
                extra.append(code_check(item, number))
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.REDEEM,
                    at=stamp,
                    chain=record,
                    postings=outcome.postings,
                    details=result.details(),
                    statistics={
                        member: {
                            "redeemed": outcome.from_available,
                            "spare_spent": outcome.from_spare,
                        }
                    },
                    result=result.to_record(),
                    idempotency_key=key,
                    extra_items=extra,
                )
            )
            return result

        return self._keyed(key, RedeemResult.from_record, decide)

    # -- roles ---------------------------------------------------------------------
    def promote(
        self,
        member: str,
        role: str,
        key: str,
        *,
        operator: str,
        business_date: str | None = None,
    ) -> RoleResult:
        """An operator sets a member's role; the months counted towards a change restart."""

        def decide() -> RoleResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            record = self.store.get_member(member)
            decide_promote(plan.roles, record is not None, member)
            if role not in ROLES:
                raise Rejected(RejectCode.INVALID_EVENT, f"role must be one of {', '.join(ROLES)}")
            assert record is not None
            result = RoleResult(member, role)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.ROLE,
                    at=at(),
                    chain=record,
                    details={"member": member, "role": role, "operator": operator},
                    sets={member: {"role": role, "role_streak": 0, "role_below": 0}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._keyed(key, RoleResult.from_record, decide)
