"""What every handler shares: the services, who is talking, and safe ways to answer.

Service calls block on DynamoDB, so while polling handlers run them in a
worker thread (:func:`call`) and the event loop stays free for other chats;
the one-update-at-a-time webhook calls them inline.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes, filters

from bot.texts import DEFAULT_LANGUAGE, clip, language_for, supported, t
from functions.rewards.errors import Rejected
from functions.services.members import Members
from functions.store.records import MemberRecord

P = ParamSpec("P")
T = TypeVar("T")
V = TypeVar("V")
Context = ContextTypes.DEFAULT_TYPE
SERVICES_KEY = "jifen"
RETRY_KEY = "jifen.retry"
DEADLINE_KEY = "jifen.deadline"
"""The webhook invocation's deadline (epoch seconds) while it processes an update."""
NOTICE_LEASE_S = 60.0
"""A notice's sending lease where no invocation deadline is known (polling)."""
CURRENCY = "CNY"
"""Telegram Payments currency; amounts go to Telegram in fen (2 decimals), like ours."""

LOGGER = logging.getLogger("bot")

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
"""New messages in a private chat: edited messages, channel posts and groups never act."""


@dataclass(frozen=True, slots=True)
class BotServices:
    """Everything the handlers need, built once per application."""

    members: Members
    admin_ids: frozenset[int]
    provider_token: str | None
    zone: ZoneInfo
    offload: bool = True
    """Run service calls in worker threads (polling) rather than inline (webhook)."""
    support: str | None = None
    """Where members get help (an @username, a phone, a URL), as the operator configured it."""
    web_app_url: str | None = None
    """The web side's https base URL: /balance then offers a button opening the Mini App."""


@dataclass(frozen=True, slots=True)
class Who:
    """The Telegram user behind an update, their member record (if any) and language."""

    user: User
    member: MemberRecord | None
    language: str

    @property
    def operator(self) -> str:
        """How the journal names an operator acting through the bot."""
        return f"tg:{self.user.id}"


def services(context: Context) -> BotServices:
    found = context.bot_data.get(SERVICES_KEY)
    if not isinstance(found, BotServices):
        raise RuntimeError("build_application() did not install the bot services")
    return found


async def call(context: Context, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking service call: in a worker thread when polling, inline in the webhook.

    Polling serves many chats on one loop, so DynamoDB waits must not block it;
    a webhook invocation handles exactly one update, where the thread hop is
    pure overhead.
    """
    if services(context).offload:
        return await asyncio.to_thread(functools.partial(function, *args, **kwargs))
    return function(*args, **kwargs)


async def identify(update: Update, context: Context) -> Who | None:
    """Load the sender's member record and pick their language (None: no human sender)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    members = services(context).members
    member = await call(context, members.by_telegram, user.id)
    language = supported(member.language) if member is not None else None
    if member is not None and member.username != (user.username or None):
        # a transfer may name its recipient by @username: keep it current (rarely written)
        await call(context, members.bot_store.set_username, member.member, user.username)
    if member is None:
        visitor = await call(context, members.visitor, user.id)
        language = supported(visitor.language) if visitor is not None else None
    return Who(user, member, language or language_for(user.language_code))


def request_retry(context: Context, update: Update) -> None:
    """Ask the webhook to answer 500 for this update, so Telegram delivers it again.

    For work that must not be lost (a payment not yet recorded); polling cannot
    redeliver, so there the failure is only logged.
    """
    retries = context.bot_data.setdefault(RETRY_KEY, set())
    retries.add(update.update_id)


def retry_requested(bot_data: dict[Any, Any], update_id: int) -> bool:
    """Whether handling ``update_id`` asked for a redelivery (and forget the request)."""
    retries = bot_data.get(RETRY_KEY)
    if not retries or update_id not in retries:
        return False
    retries.discard(update_id)
    return True


async def notify_once(context: Context, key: str, send: Callable[[], Awaitable[object]]) -> bool:
    """Send a member notice once per ``key``; False (nothing sent) when it already was.

    The notice is claimed under a lease that ends with this invocation, sent,
    then recorded as sent. A second update with the same key (a repeated
    payment message, a second press of an approval) finds it sent, or held by
    a sender still running, and sends nothing. If the process dies after
    claiming, the lease expires with it and the redelivery sends; if it dies
    between sending and recording, the redelivery sends a second time (the only
    duplicate left). A failed send releases the claim and raises.
    """
    store = services(context).members.bot_store
    until = _lease_until(context)
    if not await call(context, store.claim_notice, key, until):
        LOGGER.info("notice %s already sent (or being sent); not repeated", key)
        return False
    try:
        await send()
    except BaseException:
        with contextlib.suppress(Exception):  # best effort: the lease expires anyway
            await call(context, store.release_notice, key)
        raise
    try:
        await call(context, store.notice_sent, key)
    except Exception:  # sent: only a redelivery after the lease could repeat it
        LOGGER.warning("notice %s sent but not recorded", key, exc_info=True)
    return True


def _lease_until(context: Context) -> float:
    """When a notice's sending lease ends: with the webhook invocation, else in a minute."""
    deadline = context.bot_data.get(DEADLINE_KEY)
    return deadline if isinstance(deadline, float) else time.time() + NOTICE_LEASE_S


async def tell_together(
    context: Context, member: MemberRecord | None, notices: list[tuple[str, Callable[[str], str]]]
) -> int:
    """Tell ``member`` several things in one message, each at most once per its key.

    Telegram allows about one message per second to a chat, so news for one member from
    a bulk action (an operator approving a page) goes out as one message. Each notice is
    claimed under its own key, as :func:`notify_once` claims it, so a later single
    notice for the same key is not repeated; returns how many were sent.
    """
    if member is None or member.telegram_id is None:
        return 0
    store = services(context).members.bot_store
    until = _lease_until(context)
    claimed = [
        (key, render)
        for key, render in notices
        if await call(context, store.claim_notice, key, until)
    ]
    if not claimed:
        return 0
    language = member_language(member)
    text = clip("\n\n".join(render(language) for _, render in claimed))
    try:
        await context.bot.send_message(member.telegram_id, text)
    except BaseException as failure:
        for key, _ in claimed:
            with contextlib.suppress(Exception):
                await call(context, store.release_notice, key)
        if isinstance(failure, TelegramError):
            LOGGER.warning("could not tell %s: %s", member.member, failure)
            return 0
        raise
    for key, _ in claimed:
        try:
            await call(context, store.notice_sent, key)
        except Exception:
            LOGGER.warning("notice %s sent but not recorded", key, exc_info=True)
    return len(claimed)


def member_language(member: MemberRecord) -> str:
    """The language a member chose (or registered with), for messages they did not ask for."""
    return supported(member.language) or DEFAULT_LANGUAGE


async def tell(
    context: Context, member: MemberRecord | None, key: str, render: Callable[[str], str]
) -> bool:
    """Tell ``member`` (not the sender of this update) something that changed for them,
    once per ``key``, in their language; a chat that blocked the bot is only logged."""
    if member is None or member.telegram_id is None:
        return False
    chat, text = member.telegram_id, render(member_language(member))
    try:
        return await notify_once(context, key, lambda: context.bot.send_message(chat, clip(text)))
    except TelegramError as exc:
        LOGGER.warning("could not tell %s (%s): %s", member.member, key, exc)
        return False


# -- what the bot waits for from a user ----------------------------------------------------
PENDING_TTL_S = 3600
"""An unanswered question is forgotten after an hour."""


def _pending_key(who: Who) -> str:
    return f"pending:{who.user.id}"


async def ask(context: Context, who: Who, flow: str, **data: str | int) -> None:
    """Remember that the next text from ``who`` answers ``flow`` (kept in the table, so the
    answer is understood by whichever Lambda container receives it)."""
    store = services(context).members.bot_store
    await call(context, store.remember, _pending_key(who), {"flow": flow, **data}, PENDING_TTL_S)


async def asked(context: Context, who: Who) -> dict[str, Any] | None:
    """What the bot is waiting for from ``who`` (None: nothing)."""
    return await call(context, services(context).members.bot_store.recall, _pending_key(who))


async def stop_asking(context: Context, who: Who) -> bool:
    """Forget the question; whether there was one."""
    return await call(context, services(context).members.bot_store.forget, _pending_key(who))


def update_key(update: Update) -> str:
    """Idempotency key of a state change caused by this update (redelivery-safe)."""
    return f"tg:{update.update_id}"


def message_key(kind: str, message: Message) -> str:
    """Idempotency key of a confirmation button: one effect per preview message, however
    often it is pressed or redelivered."""
    return f"tg:{kind}:{message.chat.id}:{message.message_id}"


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the update's chat (a no-op for updates without a message)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(clip(text), **kwargs)


async def edit(message: Message | None, text: str, **kwargs: Any) -> None:
    """Edit a bot message; an identical repeat (double tap) is not an error."""
    if message is None:
        return
    try:
        await message.edit_text(clip(text), **kwargs)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def require_member(update: Update, who: Who | None) -> MemberRecord | None:
    """The sender's member record, or None after telling them to register first."""
    if who is None:
        return None
    if who.member is None:
        await reply(update, t(who.language, "register.first"))
        return None
    return who.member


async def member_screen(
    update: Update,
    context: Context,
    read: Callable[[Members, MemberRecord], V],
    render: Callable[[str, V], str],
    markup: Callable[[Context, str], InlineKeyboardMarkup | None] | None = None,
) -> None:
    """Answer a member's command with one screen: ``read`` it for them, ``render`` it in their
    language (a visitor is told to register first); ``markup`` adds its buttons, if any."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    view = await call(context, read, services(context).members, member)
    buttons = markup(context, who.language) if markup is not None else None
    await reply(update, render(who.language, view), reply_markup=buttons)


def pressed_message(update: Update) -> Message | None:
    """The bot message whose inline button was pressed; None when it is inaccessible.

    Telegram sends an inaccessible message (deleted, or too old) with ``date`` 0. PTB 22
    still parses a callback query's message as a :class:`Message` (with
    ``ZERO_DATE``), never an ``InaccessibleMessage``, so the type alone never tells:
    :attr:`~telegram.MaybeInaccessibleMessage.is_accessible` does.
    """
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or not message.is_accessible:
        return None
    return message


@dataclass(frozen=True)
class Pressed:
    """An inline button press whose data matched the handler's pattern."""

    who: Who
    query: CallbackQuery
    match: re.Match[str]

    @property
    def member(self) -> MemberRecord:
        """The presser's member record (:func:`pressed` with ``member=True`` lets only
        members through)."""
        if self.who.member is None:
            raise RuntimeError("pressed by a visitor: ask pressed() for member=True")
        return self.who.member


async def pressed(
    update: Update, who: Who | None, pattern: re.Pattern[str], *, member: bool = False
) -> Pressed | None:
    """The press of a button whose data matches ``pattern``; None when nothing is left to do.

    A press whose data does not match (an old or foreign button), on an inaccessible
    message (:func:`pressed_message`), or with ``member`` one by a visitor, is
    answered with ``button.expired`` and does nothing. ``who`` is the presser as
    the handler identified them (None: nobody to answer).
    """
    query = update.callback_query
    if query is None or who is None:
        return None
    match = pattern.match(query.data or "")
    stale = pressed_message(update) is None  # a button on a deleted or too old message
    if match is None or stale or (member and who.member is None):
        await query.answer(t(who.language, "button.expired"))
        return None
    return Pressed(who, query, match)


@dataclass(frozen=True)
class Confirmed:
    """A pressed "confirm" button of a preview: who pressed it, its data and the preview."""

    who: Who
    member: MemberRecord
    match: re.Match[str]
    message: Message


async def confirmed(
    update: Update, context: Context, pattern: re.Pattern[str], cancelled: str
) -> Confirmed | None:
    """Answer a confirm/cancel press; None when nothing is left to do.

    The button's data must match ``pattern``, whose first group is empty for
    "cancel" (the preview then says ``cancelled``, a catalog key); an expired or
    foreign button is answered with ``button.expired``.
    """
    query = update.callback_query
    who = await identify(update, context)
    if query is None or who is None:
        return None
    match = pattern.match(query.data or "")
    message = pressed_message(update)
    if match is None or who.member is None or message is None:
        await query.answer(t(who.language, "button.expired"))
        return None
    await query.answer()
    if match.group(1) is None:
        await edit(message, t(who.language, cancelled))
        return None
    return Confirmed(who, who.member, match, message)


async def carry_out(
    update: Update,
    context: Context,
    pattern: re.Pattern[str],
    cancelled: str,
    kind: str,
    act: Callable[[Members, Confirmed, str], T],
    done: Callable[[str, T], str],
    *,
    after: Callable[[Context, Confirmed, T], Awaitable[object]] | None = None,
) -> None:
    """Do what a pressed preview shows, once per preview, and say how it went in its place.

    ``pattern`` and ``cancelled`` are :func:`confirmed`'s; ``kind`` names the preview's
    idempotency key (:func:`message_key`), ``act`` makes the service call under that
    key and ``done`` words its result; a refusal is worded by :func:`rejection`.
    ``after`` runs once the result is shown (telling others about it).
    """
    pressed = await confirmed(update, context, pattern, cancelled)
    if pressed is None:
        return
    language = pressed.who.language
    try:
        result = await call(
            context, act, services(context).members, pressed, message_key(kind, pressed.message)
        )
    except Rejected as error:
        await edit(pressed.message, rejection(language, error))
        return
    await edit(pressed.message, done(language, result))
    if after is not None:
        await after(context, pressed, result)


def rejection(language: str, error: Rejected) -> str:
    """A member-facing reason for a refused event (one catalog entry per stable code)."""
    return t(language, f"reject.{error.code.value}")
