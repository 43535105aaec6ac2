"""What members read: the notification catalog in Chinese and English.

Texts are plain (no ``parse_mode``), so nothing needs escaping. Amounts arrive
as decimal strings and are summed as integers of hundredths, never floats.
Lines for components that are zero are left out to keep messages short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from functions.rewards.money import format_cents, parse_cents

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

CATALOG: Mapping[Language, Mapping[str, str]] = {
    "zh": {
        "settlement.title": "📊 {date} 积分结算",
        "settlement.credited": "今日到账：{amount} 积分",
        "settlement.static": "· 静态释放：{amount}",
        "settlement.share": "· 分享收益：{amount}",
        "settlement.team": "· 团队收益：{amount}",
        "settlement.peer": "· 平级奖：{amount}",
        "settlement.forfeited": "· 超出锁仓未发放：{amount}",
        "withdrawal.approved": (
            "✅ 提现已批准：{points} 积分，实付 {net} 元（手续费 {fee} 元），将于下一个工作日到账。"
        ),
        "withdrawal.rejected": "❌ 提现未通过：{points} 积分已退回您的账户。",
        "withdrawal.reason": "原因：{reason}",
        "withdrawal.paid": "💰 提现已打款：{net} 元。",
    },
    "en": {
        "settlement.title": "📊 Points settlement for {date}",
        "settlement.credited": "Credited today: {amount} points",
        "settlement.static": "· Daily release: {amount}",
        "settlement.share": "· Share rewards: {amount}",
        "settlement.team": "· Team rewards: {amount}",
        "settlement.peer": "· Peer bonus: {amount}",
        "settlement.forfeited": "· Not paid (above your locked points): {amount}",
        "withdrawal.approved": (
            "✅ Withdrawal approved: {points} points, {net} CNY to be paid "
            "(fee {fee} CNY), arriving next business day."
        ),
        "withdrawal.rejected": "❌ Withdrawal declined: {points} points are back in your account.",
        "withdrawal.reason": "Reason: {reason}",
        "withdrawal.paid": "💰 Withdrawal paid: {net} CNY.",
    },
}


def language_of(code: str | None, default: Language) -> Language:
    """``zh-hans``, ``zh-CN`` → ``zh``; ``en-US`` → ``en``; anything else → ``default``."""
    if code:
        base = code.strip().lower().replace("_", "-").split("-", 1)[0]
        for language in LANGUAGES:
            if base == language:
                return language
    return default


def settlement_text(
    language: Language,
    *,
    date: str,
    static: str,
    share: Sequence[str],
    team: str,
    peer: str,
    paid: str,
    forfeited: str,
) -> str:
    """One member's day: what was credited and where it came from."""
    texts = CATALOG[language]
    static_cents = parse_cents(static)
    credited = static_cents + parse_cents(paid)
    parts = {
        "settlement.static": static_cents,
        "settlement.share": sum(parse_cents(part) for part in share),
        "settlement.team": parse_cents(team),
        "settlement.peer": parse_cents(peer),
        "settlement.forfeited": parse_cents(forfeited),
    }
    lines = [
        texts["settlement.title"].format(date=date),
        texts["settlement.credited"].format(amount=format_cents(credited)),
    ]
    lines += [
        texts[name].format(amount=format_cents(cents)) for name, cents in parts.items() if cents
    ]
    return "\n".join(lines)


def withdrawal_text(
    language: Language,
    *,
    status: Literal["approved", "rejected", "paid"],
    points: str,
    net: str,
    fee: str,
    reason: str | None,
) -> str:
    """A withdrawal request's new status."""
    texts = CATALOG[language]
    text = texts[f"withdrawal.{status}"].format(
        points=format_cents(parse_cents(points)),
        net=format_cents(parse_cents(net)),
        fee=format_cents(parse_cents(fee)),
    )
    if status == "rejected" and reason:
        text += "\n" + texts["withdrawal.reason"].format(reason=reason)
    return text
