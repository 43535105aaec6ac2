"""/start (with or without an invite deep link), registration by own contact, /help.

A deep link's code is remembered for the visitor (in the table, since the
contact may reach another Lambda container) and decides the referrer when
the contact arrives; after that the referrer never changes. A contact is
accepted only when it is the sender's own (``contact.user_id``), which
Telegram sets for the contact button and for nothing forwarded.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import (
    PRIVATE,
    Context,
    Who,
    call,
    identify,
    rejection,
    reply,
    services,
    update_key,
)
from bot.texts import t
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import valid_invite_code


def share_keyboard(language: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(language, "start.share_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _name(who: Who) -> str:
    return who.user.full_name or str(who.user.id)


async def start(update: Update, context: Context) -> None:
    """Greet; remember a valid invite code for a visitor; never change a member's referrer."""
    who = await identify(update, context)
    if who is None:
        return
    args = context.args or []
    if who.member is not None:
        lines = [t(who.language, "start.welcome_back", name=_name(who))]
        if args:
            lines.append(t(who.language, "start.referrer_fixed"))
        lines.append(t(who.language, "help.commands"))
        await reply(update, "\n\n".join(lines))
        return
    lines = [t(who.language, "start.welcome", name=_name(who))]
    if args:
        lines.append(await _invitation(who, args, context))
    lines.append(t(who.language, "start.share_prompt"))
    await reply(update, "\n\n".join(lines), reply_markup=share_keyboard(who.language))


async def _invitation(who: Who, args: list[str], context: Context) -> str:
    """What to say about the deep-link payload (and remember it when it names a member)."""
    members = services(context).members
    code = args[0] if len(args) == 1 else ""
    if not valid_invite_code(code):
        return t(who.language, "start.bad_link")
    referrer = await call(context, members.by_invite_code, code)
    if referrer is None:
        return t(who.language, "start.unknown_code")
    await call(context, members.remember_visitor, who.user.id, invite_code=code)
    name = referrer.display_name or t(who.language, "someone")
    return t(who.language, "start.invited_by", name=name)


async def contact(update: Update, context: Context) -> None:
    """Register with the sender's own phone number; refuse anyone else's."""
    who = await identify(update, context)
    message = update.effective_message
    if who is None or message is None or message.contact is None:
        return
    if message.contact.user_id != who.user.id:
        await reply(
            update, t(who.language, "register.not_own"), reply_markup=share_keyboard(who.language)
        )
        return
    if who.member is not None:
        await reply(update, t(who.language, "register.already"), reply_markup=ReplyKeyboardRemove())
        return
    members = services(context).members
    try:
        registration = await call(
            context,
            members.register,
            telegram_id=who.user.id,
            phone=message.contact.phone_number,
            language=who.language,
            display_name=_name(who),
            key=update_key(update),
        )
    except Rejected as error:
        texts = {
            RejectCode.PHONE_TAKEN: "register.phone_taken",
            RejectCode.ALREADY_REGISTERED: "register.already",
            RejectCode.UNKNOWN_REFERRER: "register.referrer_gone",
            RejectCode.INVALID_EVENT: "register.bad_phone",
        }
        key = texts.get(error.code)
        text = t(who.language, key) if key else rejection(who.language, error)
        await reply(update, text, reply_markup=ReplyKeyboardRemove())
        return
    member, referrer = registration.member, registration.referrer
    lines = [t(who.language, "register.done", code=member.invite_code or "")]
    if referrer is not None:
        name = referrer.display_name or t(who.language, "someone")
        lines.append(t(who.language, "register.referred_by", name=name))
    lines.append(t(who.language, "help.commands"))
    await reply(update, "\n\n".join(lines), reply_markup=ReplyKeyboardRemove())


async def help_command(update: Update, context: Context) -> None:
    """List what the bot does."""
    who = await identify(update, context)
    if who is None:
        return
    await reply(update, t(who.language, "help.commands"))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler("help", help_command, filters=PRIVATE),
        MessageHandler(PRIVATE & filters.CONTACT, contact),
    ]
