"""Telling operators what needs them, in their chats, batched and rate-limited.

New withdrawal requests: at most one message per operator per
:data:`REQUEST_WINDOW_S` (the first request of a window tells; later ones wait in
the same queue), saying how many wait. Each message is a notice keyed by the window
and the operator (:func:`bot.context.notify_once`), so redeliveries and concurrent
requests never send it twice. Failed or blocked settlement runs are not bot updates:
the notification sender tells operators of those (:mod:`functions.services.notifications`).
"""

from __future__ import annotations

import time

from telegram.error import TelegramError

from bot.context import LOGGER, Context, call, notify_once, services
from bot.texts import DEFAULT_LANGUAGE, supported, t

REQUEST_WINDOW_S = 300
"""New-request messages per operator: one per five minutes at most."""
COUNT_UP_TO = 100
"""Pending requests counted for the message (more read as "100+")."""


async def operator_language(context: Context, operator: int) -> str:
    """The language an operator chose in the bot (as a member or a visitor), else the default."""
    members = services(context).members
    member = await call(context, members.by_telegram, operator)
    if member is not None:
        return supported(member.language) or DEFAULT_LANGUAGE
    visitor = await call(context, members.visitor, operator)
    return (supported(visitor.language) if visitor else None) or DEFAULT_LANGUAGE


async def requests_waiting(context: Context, now_s: float | None = None) -> int:
    """Tell each operator that withdrawal requests wait, once per window; how many were told."""
    bot = services(context)
    window = int((time.time() if now_s is None else now_s) // REQUEST_WINDOW_S)
    told = 0
    for operator in sorted(bot.admin_ids):

        async def send(chat: int = operator) -> None:
            pending = await call(context, bot.members.pending_withdrawals, COUNT_UP_TO + 1)
            count = f"{COUNT_UP_TO}+" if len(pending) > COUNT_UP_TO else str(len(pending))
            language = await operator_language(context, chat)
            await context.bot.send_message(chat, t(language, "ops.requests_waiting", count=count))

        try:
            told += int(await notify_once(context, f"ops:requests:{window}:{operator}", send))
        except TelegramError as exc:  # an operator who never started the bot
            LOGGER.warning("could not tell operator %s about new requests: %s", operator, exc)
    return told
