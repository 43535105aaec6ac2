"""Scenario runs on DynamoDB: the same events through the live services.

Each scripted event becomes the service call the live system makes, keyed by
its line; a withdrawal is requested and approved at once (the scenario's
meaning). The report is read back from the store, so a run proves that the
store holds exactly what the in-memory book computes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from functions.rewards.decisions import point_price
from functions.rewards.events import (
    Event,
    Freeze,
    Join,
    Purchase,
    Settle,
    Transfer,
    Unfreeze,
    Withdraw,
)
from functions.rewards.report import MemberLine, SettlementRow, Totals
from functions.rewards.tree import NO_PARENT, team_volumes

from .ledger import Ledger, request_id_for
from .settlement import run_settlement


def sequence_clock() -> Iterator[int]:
    return itertools.count(1)


class DynamoBackend:
    """A :class:`~functions.rewards.scenario.ScenarioBackend` over the live services."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def apply(self, event: Event, event_id: str) -> SettlementRow | None:
        ledger = self.ledger
        match event:
            case Join():
                ledger.join(event, event_id)
            case Purchase():
                ledger.purchase(event, event_id)
            case Settle():
                return run_settlement(ledger, event.date)
            case Withdraw():
                ledger.request_withdrawal(event, event_id)
                ledger.decide_withdrawal(
                    request_id_for(event_id), approve=True, operator="scenario"
                )
            case Transfer():
                ledger.transfer(event, event_id)
            case Freeze():
                ledger.set_frozen(event.member, True, event_id, operator="scenario")
            case Unfreeze():
                ledger.set_frozen(event.member, False, event_id, operator="scenario")
        return None

    def member_lines(self) -> Iterator[MemberLine]:
        members = list(self.ledger.store.iter_members())
        index = {record.member: position for position, record in enumerate(members)}
        parents = [index[record.referrer] if record.referrer else NO_PARENT for record in members]
        team = team_volumes(parents, [record.personal_volume for record in members])
        plan = self.ledger.plan
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
            price=point_price(self.ledger.plan, self.ledger.pool()),
            withdrawn_cash=sum(record.withdrawn_cash for record in members),
            fees=system.fees,
            commission=sum(record.commission for record in members),
        )
