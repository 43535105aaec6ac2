"""Scenario runs on DynamoDB: the same events through the live services.

Each scripted event becomes the service call the live system makes, keyed by
its line; a withdrawal is requested and approved at once (the scenario's
meaning). The report is read back from the store, so a run proves that the
store holds exactly what the in-memory book computes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace

from functions.rewards.decisions import point_price
from functions.rewards.economy import Features, economics_totals
from functions.rewards.events import (
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
from functions.rewards.money import format_cents
from functions.rewards.plan import Plan, canonical_plan_text
from functions.rewards.report import MemberLine, SettlementRow, Totals
from functions.rewards.tree import NO_PARENT, team_volumes
from functions.rewards.versions import PlanHistory, business_date_after
from functions.store.records import MemberRecord

from .ledger import Ledger, request_id_for
from .plan_sources import StoredPlans
from .plan_versions import PlanPublisher
from .programs import scenario as programs  # issue 13
from .settlement import run_settlement
from .settlement_results import decode_page


def sequence_clock() -> Iterator[int]:
    return itertools.count(1)


class DynamoBackend:
    """A :class:`~functions.rewards.scenario.ScenarioBackend` over the live services.

    Plan events are published as versions in the table (as ``jifen plan publish``
    does, without its "after today" rule: a scenario has no clock), and the ledger
    reads its plans from there. Purchases and withdrawals carry the scenario's
    business date: the day after the last date settled.
    """

    def __init__(self, ledger: Ledger) -> None:
        plans = StoredPlans(ledger.store, ledger.plan, clock=ledger.clock, max_age_s=None)
        self.ledger = replace(ledger, plans=plans)
        self.publisher = PlanPublisher(
            ledger.store, plans, ledger.clock, ledger.zone, check_today=False
        )
        sequence = ledger.store.settlement_sequence()
        self.last_settled = sequence.date if sequence is not None else None
        self.month_rows: list[dict[str, object]] = []  # issue 13: this run's month closes
        # economics (issue 12): refunds accepted in this run, for the report
        self.refunds = 0
        self.refunded = 0
        # economics (issue 12): what the dividend pools paid each member, from the runs' pages
        self.pool_points: dict[str, int] = {}
        self.pool_cash: dict[str, int] = {}

    def _business_date(self) -> str | None:
        return business_date_after(self.last_settled)

    def apply(self, event: Event, event_id: str) -> SettlementRow | None:
        ledger = self.ledger
        match event:
            case Join():
                ledger.join(event, event_id)
            case Purchase():
                ledger.purchase(event, event_id, business_date=self._business_date())
            case Settle():
                row = run_settlement(ledger, event.date)
                if row.status == "settled":
                    self._count_pools(event.date)
                if self.last_settled is None or event.date > self.last_settled:
                    self.last_settled = event.date
                groups = programs.program_groups(self.plan_history())  # issue 13
                return programs.settlement_row(ledger, row, groups) if groups else row
            case Withdraw():
                ledger.request_withdrawal(event, event_id, business_date=self._business_date())
                ledger.decide_withdrawal(
                    request_id_for(event_id), approve=True, operator="scenario"
                )
            case PublishPlan():
                text = canonical_plan_text(event.plan)
                review = self.publisher.review(text, event.effective_from)
                self.publisher.publish(review, reason=event_id, operator="scenario", checked=False)
            case Transfer():
                ledger.transfer(event, event_id)
            case Freeze():
                ledger.set_frozen(event.member, True, event_id, operator="scenario")
            case Unfreeze():
                ledger.set_frozen(event.member, False, event_id, operator="scenario")
            case GiftLocked():  # economics (issue 12)
                ledger.gift_locked(event, event_id)
            case Refund():  # economics (issue 12)
                result = ledger.refund(event.order, event_id, by="scenario")
                self.refunds += 1
                self.refunded += result.cash
            case SetRegion():  # economics (issue 12)
                ledger.set_region(event.member, event.region, event_id, operator="scenario")
            case _:  # issue 13: the engagement programs' events
                closed = programs.apply_program(ledger, event, event_id, self._business_date())
                if closed is not None:
                    self.month_rows.append(closed)
        return None

    def program_sections(self) -> list[tuple[str, object]]:
        """The programs' report sections (issue 13)."""
        groups = programs.program_groups(self.plan_history())
        return programs.program_sections(self.ledger, groups, self.month_rows)

    def _count_pools(self, date: str) -> None:
        """Economics (issue 12): add up the pools' payouts of a settled run from its pages."""
        run = self.ledger.store.settlement_run(date)
        if run is None or "pool_carry" not in json.loads(run.totals or "{}"):
            return
        for page in self.ledger.store.settlement_pages(date, run.run_id):
            for result in decode_page(page.payload):
                if result.pool_points:
                    got = self.pool_points.get(result.member, 0)
                    self.pool_points[result.member] = got + result.pool_points
                if result.pool_cash:
                    got = self.pool_cash.get(result.member, 0)
                    self.pool_cash[result.member] = got + result.pool_cash

    def _refund_features(self) -> Features:
        """Economics (issue 12): the live backend reports the refund and pool fields; the
        other economics sections are not live (the plan check refuses them)."""
        pools = any(version.plan.pools is not None for version in self.plan_history())
        return Features(refunds=self.refunds > 0, pools=pools)

    def _member_economics(
        self, record: MemberRecord, features: Features
    ) -> dict[str, object] | None:
        fields: dict[str, object] = {}
        if features.refunds:
            fields["debt"] = format_cents(record.debt)
            fields["commission_debt"] = format_cents(record.commission_debt)
        if features.pools:
            fields["region"] = record.region
            fields["pool_points"] = format_cents(self.pool_points.get(record.member, 0))
            fields["pool_cash"] = format_cents(self.pool_cash.get(record.member, 0))
        return fields or None

    def _pool_balance(self) -> int:
        sequence = self.ledger.store.settlement_sequence()
        if sequence is None or not sequence.pool_carry:
            return 0
        return sum(int(value) for value in json.loads(sequence.pool_carry).values())

    def plan_history(self) -> PlanHistory:
        return self.ledger.plan_history()

    def current_plan(self) -> Plan:
        return self.plan_history().plan_on(self._business_date())

    def member_lines(self) -> Iterator[MemberLine]:
        members = list(self.ledger.store.iter_members())
        index = {record.member: position for position, record in enumerate(members)}
        parents = [index[record.referrer] if record.referrer else NO_PARENT for record in members]
        team = team_volumes(parents, [record.personal_volume for record in members])
        plan = self.current_plan()
        groups = programs.program_groups(self.plan_history())  # issue 13
        extras = (
            programs.member_extras(self.ledger, groups, plan, members, parents) if groups else None
        )
        features = self._refund_features()  # economics (issue 12)
        for position, record in enumerate(members):
            yield MemberLine(
                name=record.member,
                available=record.available,
                locked=record.locked,
                released=record.released,
                forfeited=record.forfeited,
                personal_volume=record.personal_volume,
                team_volume=team[position],
                level=plan.level_name(team[position]),
                frozen=record.frozen,
                withdrawn_cash=record.withdrawn_cash,
                commission=record.commission,
                extra=next(extras) if extras is not None else {},
                economics=self._member_economics(record, features),
            )

    def totals(self) -> Totals:
        system = self.ledger.store.system_totals()
        members = list(self.ledger.store.iter_members())
        return Totals(
            granted=-system.issuance,
            released=sum(record.released for record in members),
            forfeited=sum(record.forfeited for record in members),
            locked=sum(record.locked for record in members),
            circulating=system.circulating,
            burned=system.burned,
            reserve=system.reserve,
            price=point_price(self.current_plan(), self.ledger.pool()),
            withdrawn_cash=sum(record.withdrawn_cash for record in members),
            fees=system.fees,
            commission=sum(record.commission for record in members),
            extra=programs.totals_extra(
                self.ledger, programs.program_groups(self.plan_history()), members
            ),
            economics=economics_totals(
                self._refund_features(),
                refunds=self.refunds,
                refunded=self.refunded,
                voided=system.clawback - sum(record.clawed_back for record in members),
                clawed_back=sum(record.clawed_back for record in members),
                debt=sum(record.debt for record in members),
                commission_debt=sum(record.commission_debt for record in members),
                capped=0,
                bonus=0,
                pool_points=sum(self.pool_points.values()),
                pool_cash=sum(self.pool_cash.values()),
                pool_balance=self._pool_balance(),
            )
            or None,
        )
