"""/language: switch between 简体中文, 繁體中文 and English (stored on the member, or the visitor).

A member also gets the menu keyboard again, labelled in the new language."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    call,
    edit,
    identify,
    pressed,
    pressed_message,
    reply,
    services,
)
from bot.menu import keyboard, offers_programs
from bot.texts import LANGUAGES, t

CALLBACK = re.compile(r"^lang:(" + "|".join(LANGUAGES) + r")$")


async def language(update: Update, context: Context) -> None:
    """Offer the languages, each named in itself."""
    who = await identify(update, context)
    if who is None:
        return
    buttons = [
        InlineKeyboardButton(t(code, "language.name"), callback_data=f"lang:{code}")
        for code in LANGUAGES
    ]
    await reply(
        update,
        t(who.language, "language.choose"),
        reply_markup=InlineKeyboardMarkup([buttons]),
    )


async def choose(update: Update, context: Context) -> None:
    """Remember the chosen language and confirm in it."""
    press = await pressed(update, await identify(update, context), CALLBACK)
    if press is None:
        return
    who, chosen = press.who, press.match.group(1)
    members = services(context).members
    if who.member is not None:
        await call(context, members.set_language, who.member, chosen)
    else:
        await call(context, members.remember_visitor, who.user.id, language=chosen)
    await press.query.answer()
    await edit(pressed_message(update), t(chosen, "language.set"))
    if who.member is not None:
        await reply(
            update,
            t(chosen, "menu.hint"),
            reply_markup=keyboard(chosen, programs=offers_programs(context)),
        )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("language", language, filters=PRIVATE),
        CallbackQueryHandler(choose, pattern=CALLBACK),
    ]
