"""Rejection codes and their precedence (RULES.md §6): bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import buy, join, plan_of, run

PLAN = plan_of(
    grant={"ratio": "1"},
    deduction={"max_ratio": "0.50"},
    withdrawal={"min_points": "10"},
)
SETUP = [join("A"), join("B", "A"), buy("A", "o-1", "100")]


def _codes(*events: dict[str, Any] | str) -> list[tuple[int, str]]:
    report, _ = run(PLAN, *SETUP, *events)
    return [(row["line"], row["code"]) for row in report["rejected"]]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("not json", "invalid_event"),
        ("[1, 2]", "invalid_event"),
        ('{"type": "explode"}', "invalid_event"),
        ('{"member": "A"}', "invalid_event"),
        ('{"type": "join"}', "invalid_event"),
        ('{"type": "join", "member": ""}', "invalid_event"),
        ('{"type": "join", "member": 7}', "invalid_event"),
        ('{"type": "join", "member": "Z", "referrer": ""}', "invalid_event"),
        ('{"type": "purchase", "member": "A", "amount": "1"}', "invalid_event"),
        (
            '{"type": "purchase", "member": "A", "order": "x", "amount": "1", "category": 3}',
            "invalid_event",
        ),
        ('{"type": "settle", "date": "2026-1-1"}', "invalid_event"),
        ('{"type": "settle", "date": "2026-02-30"}', "invalid_event"),
        ('{"type": "settle"}', "invalid_event"),
        ('{"type": "transfer", "from": "A", "points": "1"}', "invalid_event"),
        ('{"type": "withdraw", "member": "A", "points": "NaN"}', "invalid_amount"),
        ('{"type": "purchase", "member": "A", "order": "x", "amount": 10.5}', "invalid_amount"),
        ('{"type": "purchase", "member": "A", "order": "x", "amount": "1.005"}', "invalid_amount"),
        ('{"type": "purchase", "member": "A", "order": "x", "amount": "0"}', "invalid_amount"),
        ('{"type": "purchase", "member": "A", "order": "x", "amount": "-5"}', "invalid_amount"),
        ('{"type": "purchase", "member": "A", "order": "x"}', "invalid_amount"),
        ('{"type": "withdraw", "member": "A", "points": "0"}', "invalid_amount"),
        ('{"type": "transfer", "from": "A", "to": "B", "points": "1e2"}', "invalid_amount"),
        ('{"type": "join", "member": "A"}', "duplicate_member"),
        ('{"type": "join", "member": "Z", "referrer": "nobody"}', "unknown_referrer"),
        ('{"type": "join", "member": "Z", "referrer": "Z"}', "unknown_referrer"),
        (
            '{"type": "purchase", "member": "nobody", "order": "o-1", "amount": "1"}',
            "unknown_member",
        ),
        ('{"type": "transfer", "from": "A", "to": "nobody", "points": "1"}', "unknown_member"),
        ('{"type": "freeze", "member": "nobody"}', "unknown_member"),
        ('{"type": "purchase", "member": "A", "order": "o-1", "amount": "1"}', "duplicate_order"),
        (
            '{"type": "purchase", "member": "A", "order": "x", "amount": "10", "points": "5.01"}',
            "deduction_limit",
        ),
        (
            '{"type": "purchase", "member": "B", "order": "x", "amount": "10", "points": "5"}',
            "insufficient_points",
        ),
        ('{"type": "withdraw", "member": "A", "points": "100.01"}', "insufficient_points"),
        ('{"type": "withdraw", "member": "A", "points": "9.99"}', "below_minimum"),
        ('{"type": "transfer", "from": "B", "to": "A", "points": "1"}', "insufficient_points"),
    ],
)
def test_each_fault_is_reported_with_its_code(line: str, code: str) -> None:
    """Given a member A with 100 available points,
    When a faulty line arrives,
    Then exactly that line is rejected with the expected code."""
    assert _codes(line) == [(4, code)]


def test_the_first_fault_in_precedence_order_wins() -> None:
    """Given events with several faults at once,
    When they run,
    Then the code reported is the earliest in RULES.md §6 order."""
    assert _codes(
        # invalid_event (missing order) beats invalid_amount
        '{"type": "purchase", "member": "nobody", "amount": "1.001"}',
        # invalid_amount beats unknown_member and duplicate_order
        '{"type": "purchase", "member": "nobody", "order": "o-1", "amount": "1.001"}',
        # unknown_member beats duplicate_order
        '{"type": "purchase", "member": "nobody", "order": "o-1", "amount": "1"}',
        # duplicate_order beats deduction_limit
        '{"type": "purchase", "member": "A", "order": "o-1", "amount": "1", "points": "1"}',
        # duplicate_member beats unknown_referrer
        '{"type": "join", "member": "A", "referrer": "nobody"}',
    ) == [
        (4, "invalid_event"),
        (5, "invalid_amount"),
        (6, "unknown_member"),
        (7, "duplicate_order"),
        (8, "duplicate_member"),
    ]


def test_frozen_checks_come_in_rule_order() -> None:
    """Given A is frozen,
    When A overdraws, pays with too many points, or pays with points at all,
    Then frozen comes after deduction_limit but before insufficient_points."""
    assert _codes(
        {"type": "freeze", "member": "A"},
        buy("A", "x", "10", points="6"),
        buy("A", "y", "10", points="5"),
        {"type": "withdraw", "member": "A", "points": "1000"},
        {"type": "transfer", "from": "A", "to": "B", "points": "1000"},
        buy("A", "z", "10"),
    ) == [(5, "deduction_limit"), (6, "frozen"), (7, "frozen"), (8, "frozen")]


def test_no_deduction_section_refuses_points() -> None:
    """Given a plan without deduction,
    When a purchase offers points,
    Then it is refused with deduction_limit and zero points are fine."""
    plan = plan_of(grant={"ratio": "1"})
    report, _ = run(
        plan,
        join("A"),
        buy("A", "o-1", "10"),
        buy("A", "o-2", "10", points="1"),
        buy("A", "o-3", "10", points="0"),
    )
    assert [(row["line"], row["code"]) for row in report["rejected"]] == [(3, "deduction_limit")]


def test_blank_lines_are_skipped_but_counted() -> None:
    """Given blank lines between events,
    When a later line is bad,
    Then its line number counts the blank lines and blanks are not reported."""
    report, _ = run(PLAN, join("A"), "", "   ", "oops")
    assert report["rejected"] == [
        {"line": 4, "code": "invalid_event", "message": report["rejected"][0]["message"]}
    ]


def test_no_price_when_nothing_circulates_in_reserve_mode() -> None:
    """Given reserve valuation and no circulating points,
    When totals are reported,
    Then the price is null."""
    plan = plan_of(valuation={"mode": "reserve", "reserve_rate": "0.1"})
    report, _ = run(plan, join("A"), buy("A", "o-1", "10"))
    assert report["totals"]["price"] is None
    assert report["totals"]["reserve"] == "1.00"
