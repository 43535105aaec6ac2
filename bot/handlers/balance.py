"""/balance: what the member holds, what it is worth, and why it changed last settlement.

Only the non-zero lines are shown and they add up to their header: the balance lines to
the total, the settlement's parts to what it credited (worded by
:func:`bot.texts.statements.settlement_lines`, as the daily notice words it).
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, member_screen, services
from bot.texts import t
from bot.texts.statements import settlement_lines
from functions.services.members import Members, SettlementBreakdown, Statement


def render(language: str, statement: Statement) -> str:
    member = statement.member
    total = member.available + member.locked + member.withdrawing + member.staked + member.spare
    lines = [t(language, "balance.title", points=total)]
    for key, amount in (
        ("balance.available", member.available),
        ("balance.locked", member.locked),
        ("balance.withdrawing", member.withdrawing),
        ("balance.staked", member.staked),  # issue 13: owed back at maturity
        ("balance.spare", member.spare),  # issue 13: spend-only
        ("balance.commission", member.commission),
        ("balance.payable", member.payable),
    ):
        if amount:
            lines.append(t(language, key, points=amount))
    if statement.price_cents is None or statement.value is None:
        lines.append(t(language, "balance.no_price"))
    else:
        lines.append(
            t(language, "balance.price", price=statement.price_cents, value=statement.value)
        )
    if member.frozen:
        lines.append(t(language, "balance.frozen"))
    if member.debt:  # economics (issue 12)
        lines.append(t(language, "economics.debt", points=member.debt))
    lines.append("")
    last = statement.last_settlement
    lines.extend(_why(language, last) if last else [t(language, "balance.no_settlement")])
    return "\n".join(lines)


def _why(language: str, last: SettlementBreakdown) -> list[str]:
    """The last settlement broken down the way RULES.md §4 computes it."""
    return settlement_lines(
        language,
        date=last.date,
        static=last.static,
        share=last.share,
        team=last.team,
        peer=last.peer,
        paid=last.paid,
        forfeited=last.forfeited,
    )


def mini_app_button(context: Context, language: str) -> InlineKeyboardMarkup | None:
    """A button opening the Mini App's balance (charts, grants), when the web is deployed."""
    base = services(context).web_app_url
    if base is None:
        return None
    button = InlineKeyboardButton(t(language, "webapp.open"), web_app=WebAppInfo(f"{base}/app"))
    return InlineKeyboardMarkup([[button]])


async def balance(update: Update, context: Context) -> None:
    """Show balances, point value and the last settlement's breakdown."""
    await member_screen(update, context, Members.statement, render, mini_app_button)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("balance", balance, filters=PRIVATE)]
