"""Merchant orders where the programs touch merchants (issue 13): coins and spare points.

A merchant's order under a plan with ``grant.coins_ratio`` grants coins beside points and
the API's answer says how many; points offered on an order are paid by the member's
spare points first and the answer says how much of them. A plan without programs
answers exactly as before (no new keys).
"""

from __future__ import annotations

from fractions import Fraction

from functions.rewards.events import Join
from functions.rewards.plan import load_plan_text
from functions.services.merchant.directory import Merchant
from functions.services.merchant.orders import record_order
from functions.services.merchant.parsing import OrderRequest
from functions.store.storage import memory_storage
from tests.support.books import ledger_for

ACME = Merchant("acme", b"acme-secret-key-0123456789abcdef", Fraction(5, 100))
PLAN = """
name: coins
grant: {ratio: "0.30", coins_ratio: "0.05"}
deduction: {max_ratio: "0.50"}
merchant: {min_rebate: "0.03", max_rebate: "0.20"}
catalog: {}
"""


def test_a_merchant_order_grants_coins_and_spends_spare_points_first() -> None:
    """Given a member with 50 coins from a first order of 1,000
    When a merchant records a second order of 100 paying 40 with points, and replays it
    Then the answer shows 40 of spare points spent and 3 coins granted (5 % of the 60
    cash), the same again on the replay; the member has 13 coins left."""
    ledger = ledger_for(memory_storage().ledger, load_plan_text(PLAN))
    ledger.join(Join("ann", None), "join-ann")
    first = record_order(ledger, ACME, OrderRequest(order_id="o-1", member="ann", amount="1000"))
    assert first.reply.body["coins"] == "50.00"

    order = OrderRequest(order_id="o-2", member="ann", amount="100", points="40")
    answer = record_order(ledger, ACME, order)
    again = record_order(ledger, ACME, order)

    assert answer.reply.status == 201
    assert (answer.reply.body["spare_spent"], answer.reply.body["coins"]) == ("40.00", "3.00")
    assert again.reply.status == 200
    assert again.reply.body == answer.reply.body
    member = ledger.member("ann")
    assert member.programs.spare == 1300


def test_a_plan_without_programs_answers_without_program_keys() -> None:
    """Given a plan without coins or spare points
    When a merchant records an order
    Then the answer has no coins or spare_spent key."""
    plan = PLAN.replace(', coins_ratio: "0.05"', "").replace("catalog: {}\n", "")
    ledger = ledger_for(memory_storage().ledger, load_plan_text(plan))
    ledger.join(Join("ann", None), "join-ann")

    answer = record_order(ledger, ACME, OrderRequest(order_id="o-1", member="ann", amount="100"))

    assert answer.reply.status == 201
    assert "coins" not in answer.reply.body
    assert "spare_spent" not in answer.reply.body
