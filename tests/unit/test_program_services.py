"""The programs' use cases on the in-memory twin (issue 13): refusals and replays.

What the contract histories do not reach: an operator's bad listing, a role that is not
one, a generated voucher code that a replay must give back unchanged.
"""

from __future__ import annotations

import pytest

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger
from functions.store.storage import memory_storage
from tests.support.books import ledger_for

CATALOG = parse_plan({"name": "catalog", "grant": {"ratio": "1"}, "catalog": {}})


def _ledger(plan_name: str = "catalog") -> Ledger:
    plan = CATALOG if plan_name == "catalog" else parse_plan({"name": "plain"})
    ledger = ledger_for(memory_storage().ledger, plan)
    ledger.join(Join("ann", None), "join-ann")
    ledger.purchase(Purchase("ann", "o-1", 10_000), "o-1")
    return ledger


@pytest.mark.parametrize(
    ("item", "name", "price", "stock", "code"),
    [
        ("cup", "", 100, 1, RejectCode.INVALID_EVENT),
        ("", "Cup", 100, 1, RejectCode.INVALID_EVENT),
        ("cup", "Cup", 0, 1, RejectCode.INVALID_EVENT),
        ("cup", "Cup", 100, -1, RejectCode.INVALID_EVENT),
        ("cup", "x" * 201, 100, 1, RejectCode.INVALID_EVENT),
    ],
)
def test_a_bad_listing_is_refused_and_lists_nothing(
    item: str, name: str, price: int, stock: int, code: RejectCode
) -> None:
    """Given the catalog plan, When an operator lists a bad item, Then it is refused with
    its code and the catalog stays empty."""
    ledger = _ledger()
    with pytest.raises(Rejected) as refused:
        ledger.list_item(item, name, price, stock)
    assert refused.value.code == code
    assert ledger.store.catalog_items() == []


def test_listing_without_a_catalog_is_program_off() -> None:
    """Given a plan without a catalog, When an item is listed, Then program_off."""
    ledger = _ledger("plain")
    with pytest.raises(Rejected) as refused:
        ledger.list_item("cup", "Cup", 100, 1)
    assert refused.value.code == RejectCode.PROGRAM_OFF


def test_a_role_that_is_not_one_is_refused() -> None:
    """Given the roles plan, When an operator sets role "boss", Then invalid_event and the
    member's role is unchanged."""
    ledger = ledger_for(memory_storage().ledger, parse_plan({"name": "r", "roles": {}}))
    ledger.join(Join("ann", None), "join-ann")
    with pytest.raises(Rejected) as refused:
        ledger.promote("ann", "boss", "promote-1", operator="ops")
    assert refused.value.code == RejectCode.INVALID_EVENT
    assert ledger.member("ann").programs.role == "member"


def test_a_replayed_redemption_gives_back_the_same_generated_code() -> None:
    """Given a redemption that got a generated voucher code
    When the same key is redeemed again (a redelivered press)
    Then the same code comes back, and only one unit and one price were taken."""
    ledger = _ledger()
    ledger.list_item("cup", "Cup", 1_000, 5)
    codes = iter(["FIRST-CODE", "OTHER-CODE"])

    first = ledger.redeem("ann", "cup", "redeem-1", make_code=lambda: next(codes))
    again = ledger.redeem("ann", "cup", "redeem-1", make_code=lambda: next(codes))

    assert again == first
    assert first.code == "FIRST-CODE"
    item = ledger.store.catalog_item("cup")
    assert item is not None
    assert (item.stock, item.redeemed) == (4, 1)
    assert ledger.member("ann").available == 9_000
