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
    # -- engagement programs (issue 13; docs/rules-programs.md, "Rejections")
    PROGRAM_OFF = "program_off"
    """The plan in effect has no section for this program (lottery, staking, roles, catalog)."""
    NOT_ELIGIBLE = "not_eligible"
    """Below the lottery's ``min_available``, or staking not unlocked yet (no purchase, phone)."""
    INVALID_TERM = "invalid_term"
    """A stake term the plan does not offer."""
    NO_ENTRY = "no_entry"
    """No waiting lottery entry of the member (or not the one named)."""
    NO_STAKE = "no_stake"
    """No open stake of the member (or not the one named)."""
    UNKNOWN_ITEM = "unknown_item"
    OUT_OF_STOCK = "out_of_stock"
    LIMIT_REACHED = "limit_reached"
    """The member already redeemed the item's per-member limit."""
    MONTH_OUT_OF_ORDER = "month_out_of_order"
    """A month close for a month before (or equal to) the latest month closed."""
    REAL_NAME_REQUIRED = "real_name_required"
    """A first commission withdrawal needs the member's payout account (real name) on file."""
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
