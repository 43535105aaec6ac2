"""Typed use-case results: stored records hold integer cents and read back to equal values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.services.results import (
    AdjustmentResult,
    Commission,
    FreezeResult,
    JoinResult,
    PurchaseResult,
    RecordError,
    TransferResult,
    WithdrawalResult,
)
from functions.store.records import WithdrawalStatus

PURCHASE = PurchaseResult(
    order="acme:1",
    member="C",
    amount=300_000,
    points_spent=0,
    cash=300_000,
    granted=750_000,
    daily=3_600,
    locked=True,
    tier="junior",
    reserve_added=27_000,
    commissions=(Commission("B", 24_000), Commission("A", 6_000)),
)
WITHDRAWAL = WithdrawalResult("r1", "C", 10_000, 3_000, 2_400, 600, WithdrawalStatus.PENDING)
RESULTS: list[Any] = [
    JoinResult("D", "C"),
    JoinResult("A", None),
    PURCHASE,
    TransferResult("C", "A", 12_050),
    WITHDRAWAL,
    FreezeResult("C", True),
    AdjustmentResult("A", -5),
]


@pytest.mark.parametrize("result", RESULTS, ids=lambda result: type(result).__name__)
def test_a_stored_result_reads_back_equal(result: Any) -> None:
    """Given a use case's result, when it is stored as JSON and read back, then it is equal."""
    text = json.dumps(result.to_record(), sort_keys=True)

    assert type(result).from_record(json.loads(text)) == result


def test_records_hold_amounts_as_integer_cents() -> None:
    """Given a purchase and a withdrawal, then their records carry cents, not decimal text."""
    assert PURCHASE.to_record() == {
        "order": "acme:1",
        "member": "C",
        "amount": 300_000,
        "points_spent": 0,
        "cash": 300_000,
        "granted": 750_000,
        "daily": 3_600,
        "locked": True,
        "tier": "junior",
        "reserve_added": 27_000,
        "commissions": [["B", 24_000], ["A", 6_000]],
    }
    assert WITHDRAWAL.to_record()["net"] == 2_400
    assert WITHDRAWAL.to_record()["status"] == "pending"


def test_records_written_with_decimal_strings_still_replay() -> None:
    """Given records stored before amounts were integers (ledger records never expire)
    When they are read
    Then they give the same results as the integer records."""
    legacy_purchase = {
        **PURCHASE.to_record(),
        "amount": "3000.00",
        "points_spent": "0.00",
        "cash": "3000.00",
        "granted": "7500.00",
        "daily": "36.00",
        "reserve_added": "270.00",
        "commissions": [["B", "240.00"], ["A", "60.00"]],
    }
    assert PurchaseResult.from_record(legacy_purchase) == PURCHASE
    assert AdjustmentResult.from_record({"member": "A", "delta": "-0.05"}) == AdjustmentResult(
        "A", -5
    )
    assert TransferResult.from_record(
        {"from": "C", "to": "A", "points": "120.50"}
    ) == TransferResult("C", "A", 12_050)


@pytest.mark.parametrize(
    ("reader", "record"),
    [
        (AdjustmentResult.from_record, {"member": "A", "frozen": True}),
        (TransferResult.from_record, {"from": "C", "to": "A", "points": 1.5}),
        (TransferResult.from_record, {"from": "C", "to": "A", "points": True}),
        (FreezeResult.from_record, {"member": "C", "frozen": "yes"}),
        (JoinResult.from_record, {"member": 7, "referrer": None}),
        (WithdrawalResult.from_record, {**WITHDRAWAL.to_record(), "status": "lost"}),
        (WithdrawalResult.from_record, {**WITHDRAWAL.to_record(), "fee": "6.001"}),
        (PurchaseResult.from_record, {**PURCHASE.to_record(), "commissions": [["B"]]}),
    ],
)
def test_a_record_of_another_shape_is_refused(reader: Any, record: dict[str, object]) -> None:
    """Given a record missing a field or holding the wrong type, then reading it is refused."""
    with pytest.raises(RecordError):
        reader(record)
