"""/programs: the engagement programs today's plan runs (issue 13), one button each.

Reached from the member menu's "programs" button; each button opens that program's
screen (:mod:`bot.handlers.lottery`, :mod:`bot.handlers.staking`,
:mod:`bot.handlers.catalog`) as its command would.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import PRIVATE, Context, identify, pressed, reply, require_member, services
from bot.handlers import catalog, lottery, staking
from bot.texts import t

OPEN = re.compile(r"^pg:(lottery|staking|catalog)$")
SCREENS = {"lottery": lottery.lottery, "staking": staking.stake, "catalog": catalog.catalog}


async def programs(update: Update, context: Context) -> None:
    """A button for each program of today's plan (or: none running)."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    plan = services(context).members.plan
    running = [
        name
        for name, section in (
            ("lottery", plan.lottery),
            ("staking", plan.staking),
            ("catalog", plan.catalog),
        )
        if section is not None
    ]
    if not running:
        await reply(update, t(who.language, "programs.none"))
        return
    rows = [
        [InlineKeyboardButton(t(who.language, f"programs.{name}"), callback_data=f"pg:{name}")]
        for name in running
    ]
    await reply(update, t(who.language, "programs.title"), reply_markup=InlineKeyboardMarkup(rows))


async def open_program(update: Update, context: Context) -> None:
    press = await pressed(update, await identify(update, context), OPEN, member=True)
    if press is None:
        return
    await press.query.answer()
    context.args = []
    await SCREENS[press.match.group(1)](update, context)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("programs", programs, filters=PRIVATE),
        CallbackQueryHandler(open_program, pattern=OPEN),
        *lottery.handlers(),
        *staking.handlers(),
        *catalog.handlers(),
    ]
