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
    DigestNotice,
    OperatorNotice,
    RefundNotice,
    SettlementNotice,
    WithdrawalNotice,
)
from functions.store.records import WithdrawalStatus

from . import DEFAULT_LANGUAGE, language_for, t
from .statements import settlement_lines

Notice = SettlementNotice | WithdrawalNotice | OperatorNotice | RefundNotice | DigestNotice


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


def digest_text(language: str, notice: DigestNotice, web_app_url: str | None = None) -> str:
    """Issue 16: the week's statements summed, zero lines left out, and where every daily
    statement is (the Mini App's history when the web is deployed, else /history)."""
    week = notice.week
    if week is None:
        raise ValueError("a digest is rendered once the sender has summed its week")
    lines = [
        t(
            language,
            "notice.digest.header",
            first=week.first,
            last=notice.date,
            points=week.credited,
        ),
        t(language, "notice.digest.days", days=week.days),
    ]
    for key, amount in (("static", week.static), ("paid", week.paid), ("pools", week.pools)):
        if amount:
            lines.append(t(language, f"notice.digest.{key}", points=amount))
    if week.forfeited:
        lines.append(t(language, "notice.digest.forfeited", points=-week.forfeited))
    base = (web_app_url or "").strip().rstrip("/")
    if base:
        lines.append(t(language, "notice.digest.history_app", url=f"{base}/app/history"))
    else:
        lines.append(t(language, "notice.digest.history_bot"))
    return "\n".join(lines)


def notice_text(notice: Notice, language: str, web_app_url: str | None = None) -> str:
    """``notice`` in ``language`` (one of ours)."""
    if isinstance(notice, DigestNotice):
        return digest_text(language, notice, web_app_url)
    if isinstance(notice, SettlementNotice):
        return settlement_text(language, notice)
    if isinstance(notice, OperatorNotice):
        return operator_text(language, notice)
    if isinstance(notice, RefundNotice):
        return refund_text(language, notice)
    return withdrawal_text(language, notice)


def renderer(
    default_language: str = DEFAULT_LANGUAGE, web_app_url: str | None = None
) -> Callable[[Notice, str | None], str]:
    """Renders a notice in the member's stored language (``default_language`` when none);
    digests link to the Mini App at ``web_app_url`` when it is deployed."""

    def render(notice: Notice, member_language: str | None) -> str:
        return notice_text(notice, language_for(member_language, default_language), web_app_url)

    return render
