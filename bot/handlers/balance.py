"""/balance: what the member holds, what it is worth, and why it changed last settlement."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, member_screen
from bot.texts import t
from functions.services.members import Members, SettlementBreakdown, Statement


def render(language: str, statement: Statement) -> str:
    member = statement.member
    lines = [
        t(language, "balance.title"),
        t(language, "balance.available", points=member.available),
        t(language, "balance.locked", points=member.locked),
        t(language, "balance.withdrawing", points=member.withdrawing),
    ]
    if statement.price_cents is None or statement.value is None:
        lines.append(t(language, "balance.no_price"))
    else:
        lines.append(
            t(
                language,
                "balance.price",
                price=statement.price_cents,
                value=statement.value,
            )
        )
    if member.frozen:
        lines.append(t(language, "balance.frozen"))
    lines.append("")
    last = statement.last_settlement
    lines.extend(_why(language, last) if last else [t(language, "balance.no_settlement")])
    return "\n".join(lines)


def _why(language: str, last: SettlementBreakdown) -> list[str]:
    """The settlement broken down the way RULES.md §4 computes it."""
    lines = [
        t(language, "balance.settled_on", date=last.date, points=last.released),
        t(language, "balance.static", points=last.static),
    ]
    for generation, part in enumerate(last.share, start=1):
        lines.append(t(language, "balance.share", generation=generation, points=part))
    lines += [
        t(language, "balance.team", points=last.team),
        t(language, "balance.peer", points=last.peer),
        t(language, "balance.paid", points=last.paid),
        t(language, "balance.forfeited", points=last.forfeited),
    ]
    return lines


async def balance(update: Update, context: Context) -> None:
    """Show balances, point value and the last settlement's breakdown."""
    await member_screen(update, context, Members.statement, render)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("balance", balance, filters=PRIVATE)]
