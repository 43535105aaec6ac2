"""Rejection codes: every refused event carries exactly one, stable forever."""

from __future__ import annotations

from enum import StrEnum


class RejectCode(StrEnum):
    """Codes in the precedence order of RULES.md §6 (first fault wins)."""

    INVALID_EVENT = "invalid_event"
    INVALID_AMOUNT = "invalid_amount"
    DUPLICATE_MEMBER = "duplicate_member"
    UNKNOWN_REFERRER = "unknown_referrer"
    UNKNOWN_MEMBER = "unknown_member"
    DUPLICATE_ORDER = "duplicate_order"
    DEDUCTION_LIMIT = "deduction_limit"
    FROZEN = "frozen"
    INSUFFICIENT_POINTS = "insufficient_points"
    BELOW_MINIMUM = "below_minimum"
    NO_PRICE = "no_price"
    EFFECTIVE_DATE_PASSED = "effective_date_passed"
    """A plan version's ``effective_from`` is not after the last settled date (plan events)."""
    # Codes of the live system's own requests (not scenario events):
    NOT_FOUND = "not_found"
    NOT_PENDING = "not_pending"
    ALREADY_REGISTERED = "already_registered"
    PHONE_TAKEN = "phone_taken"
    BUSY = "busy"
    SETTLEMENT_OUT_OF_ORDER = "settlement_out_of_order"
    PLAN_CHANGED = "plan_changed"
    """Another plan version was published since the one a publication was based on."""
    PLAN_CHECK_FAILED = "plan_check_failed"
    """The plan check found errors, or warnings that were not acknowledged."""
    # economics (issue 12; docs/rules-programs.md): refunds and debt, scenario events too
    UNKNOWN_ORDER = "unknown_order"
    """A refund (or a gift of one grant) names an order that was never recorded (or held)."""
    ALREADY_REFUNDED = "already_refunded"
    REFUND_WINDOW_CLOSED = "refund_window_closed"
    """More settlements ran since the purchase than the order's plan allows for refunds."""
    IN_DEBT = "in_debt"
    """A member who owes points (a refund took back more than they had) cannot withdraw,
    transfer, gift or spend points until future credits repay the debt."""


class Rejected(Exception):
    """A business event the rules refuse; nothing may change when this is raised."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
