"""The last handlers and the error handler: nothing a user sends may go unanswered or crash.

Private messages nobody else took (stickers, photos, voice, free text,
unknown commands) get a short hint; presses on buttons we no longer know are
answered so the client stops spinning. Edited messages, channel posts and
group chatter are deliberately ignored (no handler matches them).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import LOGGER, PRIVATE, Context, identify, reply, stop_asking
from bot.texts import DEFAULT_LANGUAGE, language_for, t


async def cancel(update: Update, context: Context) -> None:
    """/cancel: forget the question the bot is waiting to have answered, if any."""
    who = await identify(update, context)
    if who is None:
        return
    had = await stop_asking(context, who)
    await reply(update, t(who.language, "cancel.done" if had else "cancel.nothing"))


async def unknown_command(update: Update, context: Context) -> None:
    """A command we do not have."""
    who = await identify(update, context)
    if who is not None:
        await reply(update, t(who.language, "fallback.unknown_command"))


async def not_understood(update: Update, context: Context) -> None:
    """Text, stickers, photos and the like outside any conversation."""
    who = await identify(update, context)
    if who is not None:
        await reply(update, t(who.language, "fallback.not_understood"))


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data no handler recognises (an old message, a changed bot)."""
    query = update.callback_query
    if query is None:
        return
    language = language_for(query.from_user.language_code if query.from_user else None)
    await query.answer(t(language, "button.expired"))


async def on_error(update: object, context: Context) -> None:
    """Log the failure with the update, then apologise in the chat if there is one."""
    LOGGER.error(
        "update %s failed",
        update.update_id if isinstance(update, Update) else None,
        exc_info=context.error,
    )
    if not isinstance(update, Update):
        return
    user = update.effective_user
    language = language_for(user.language_code) if user else DEFAULT_LANGUAGE
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(language, "error.generic"), show_alert=True)
        elif update.pre_checkout_query is not None:
            await update.pre_checkout_query.answer(
                ok=False, error_message=t(language, "error.generic")
            )
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await reply(update, t(language, "error.generic"))
    except TelegramError:
        logging.getLogger("bot").warning("could not apologise for update %s", update.update_id)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("cancel", cancel, filters=PRIVATE),
        MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, not_understood),
        CallbackQueryHandler(stale_button),
    ]
