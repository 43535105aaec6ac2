"""What members read when the notification sender writes: settlement statements, withdrawals.

The texts are in the bot's catalogs (``notice.*`` keys); the sender
(:class:`functions.services.notifications.Notifier`) is handed :func:`renderer` by the
composition root. Amounts arrive as decimal strings and are summed as integers of
hundredths, never floats; lines for components that are zero are left out.
"""

from __future__ import annotations

from collections.abc import Callable

from functions.rewards.money import parse_cents
from functions.services.notifications import (
    OperatorNotice,
    RefundNotice,
    SettlementNotice,
    WithdrawalNotice,
)
from functions.store.records import WithdrawalStatus

from . import DEFAULT_LANGUAGE, language_for, t
from .statements import settlement_lines

Notice = SettlementNotice | WithdrawalNotice | OperatorNotice | RefundNotice


def settlement_text(language: str, notice: SettlementNotice) -> str:
    """One member's day: what was credited and where it came from (as /balance shows it)."""
    statement = notice.statement
    lines = settlement_lines(
        language,
        date=notice.date,
        static=parse_cents(statement.static),
        share=[parse_cents(part) for part in statement.share],
        team=parse_cents(statement.team),
        peer=parse_cents(statement.peer),
        paid=parse_cents(statement.paid),
        forfeited=parse_cents(statement.forfeited),
    )
    return "\n".join(lines)


def withdrawal_text(language: str, notice: WithdrawalNotice) -> str:
    """A withdrawal request's new status."""
    text = t(
        language,
        f"notice.withdrawal.{notice.status}",
        number="W-" + notice.request_id[:8].upper(),
        points=parse_cents(notice.points),
        net=parse_cents(notice.net),
        fee=parse_cents(notice.fee),
    )
    if notice.status == WithdrawalStatus.REJECTED.value and notice.reason:
        text += "\n" + t(language, "notice.withdrawal.reason", reason=notice.reason)
    return text


def operator_text(language: str, notice: OperatorNotice) -> str:
    """A settlement run that needs an operator."""
    return t(language, f"notice.operator.{notice.event}", date=notice.date, detail=notice.detail)


def refund_text(language: str, notice: RefundNotice) -> str:
    """An order refunded by its merchant: the cash, and the debt it left if any (the words
    of the bot's /refund notice)."""
    text = t(language, "economics.refund_title", order=notice.order, cash=parse_cents(notice.cash))
    debt = parse_cents(notice.debt)
    if debt:
        text += "\n" + t(language, "economics.debt", points=debt)
    return text


def notice_text(notice: Notice, language: str) -> str:
    """``notice`` in ``language`` (one of ours)."""
    if isinstance(notice, SettlementNotice):
        return settlement_text(language, notice)
    if isinstance(notice, OperatorNotice):
        return operator_text(language, notice)
    if isinstance(notice, RefundNotice):
        return refund_text(language, notice)
    return withdrawal_text(language, notice)


def renderer(default_language: str = DEFAULT_LANGUAGE) -> Callable[[Notice, str | None], str]:
    """Renders a notice in the member's stored language (``default_language`` when none)."""

    def render(notice: Notice, member_language: str | None) -> str:
        return notice_text(notice, language_for(member_language, default_language))

    return render
