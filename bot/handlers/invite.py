"""/invite: the member's personal deep link and a QR code of it, ready to forward."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, identify, require_member
from bot.qr import qr_png
from bot.texts import t


def invite_link(bot_username: str, code: str) -> str:
    """``https://t.me/<bot>?start=<code>``: opens the bot and sends ``/start <code>``."""
    return f"https://t.me/{bot_username}?start={code}"


async def invite(update: Update, context: Context) -> None:
    """Send the invite link as a QR code photo with the link in the caption."""
    who = await identify(update, context)
    member = await require_member(update, who)
    message = update.effective_message
    if who is None or member is None or message is None or not member.invite_code:
        return
    link = invite_link(context.bot.username, member.invite_code)
    png = await call(context, qr_png, link)
    await message.reply_photo(
        png, caption=t(who.language, "invite.caption", link=link), filename="invite.png"
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("invite", invite, filters=PRIVATE)]
