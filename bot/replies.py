"""Answers to the bot's questions: the text a user sends while the bot waits for one.

A flow asks with :func:`bot.context.ask` (the question is kept in the table, so any
Lambda container understands the answer) and registers its answer here with
:func:`answers`; :func:`on_text` hands a plain text to the waiting flow, or says it
was not understood when nothing waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import PRIVATE, Context, Who, asked, identify, reply
from bot.texts import t

Answer = Callable[[Update, Context, Who, dict[str, Any], str], Awaitable[None]]
ANSWERS: dict[str, Answer] = {}
MAX_ANSWER = 512
"""Longer texts answer no question of ours (amounts, names, reasons are short)."""


def answers(flow: str) -> Callable[[Answer], Answer]:
    """Register the function answering ``flow``'s question."""

    def register(function: Answer) -> Answer:
        ANSWERS[flow] = function
        return function

    return register


async def on_text(update: Update, context: Context) -> None:
    """A text outside any command: the answer to the pending question, if there is one."""
    who = await identify(update, context)
    message = update.effective_message
    if who is None or message is None or message.text is None:
        return
    pending = await asked(context, who)
    answer = ANSWERS.get(str(pending.get("flow"))) if pending else None
    if pending is None or answer is None:
        await reply(update, t(who.language, "fallback.not_understood"))
        return
    await answer(update, context, who, pending, message.text[: MAX_ANSWER + 1])


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_text)]
