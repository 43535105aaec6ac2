"""/start (with or without an invite deep link), registration by own contact, /help.

A deep link's code is remembered for the visitor (in the table, since the
contact may reach another Lambda container) and decides the referrer when
the contact arrives; after that the referrer never changes. A contact is
accepted for registration only when it is the sender's own (``contact.user_id``),
which Telegram sets for the contact button and for nothing forwarded; a member
who shares someone else's contact is choosing a transfer's recipient.

Members get the menu keyboard (:mod:`bot.menu`) with a short greeting instead of
the whole help; a member opening another member's invite link is offered a
transfer to them (the referrer stays as it is).
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
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
from bot.handlers import transfer
from bot.menu import keyboard, offers_programs
from bot.texts import t
from bot.views import name_of
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
        await _welcome_back(update, context, who, args)
        return
    lines = [t(who.language, "start.welcome", name=_name(who))]
    if args:
        lines.append(await _invitation(who, args, context))
    lines.append(t(who.language, "start.share_prompt"))
    await reply(update, "\n\n".join(lines), reply_markup=share_keyboard(who.language))


async def _welcome_back(update: Update, context: Context, who: Who, args: list[str]) -> None:
    """A member: the menu; for an invite link, that the referrer stays, and for another
    member's link an offer to give them points."""
    assert who.member is not None
    lines = [t(who.language, "start.welcome_back", name=_name(who))]
    owner = None
    if args:
        lines.append(t(who.language, "start.referrer_fixed"))
        code = args[0] if len(args) == 1 else ""
        members = services(context).members
        if valid_invite_code(code):
            owner = await call(context, members.by_invite_code, code)
    lines.append(t(who.language, "menu.hint"))
    await reply(
        update,
        "\n\n".join(lines),
        reply_markup=keyboard(who.language, programs=offers_programs(context)),
    )
    if owner is not None and owner.member != who.member.member:
        name = name_of(who.language, owner)
        button = t(who.language, "start.transfer_button", name=name)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(button[:64], callback_data=transfer.pick_data(owner.member))]]
        )
        await reply(update, t(who.language, "start.offer_transfer", name=name), reply_markup=markup)


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
        if who.member is not None:  # a member names a transfer's recipient
            await transfer.recipient_from_contact(update, context, who, message.contact)
            return
        await reply(
            update, t(who.language, "register.not_own"), reply_markup=share_keyboard(who.language)
        )
        return
    if who.member is not None:
        await reply(
            update,
            t(who.language, "register.already"),
            reply_markup=keyboard(who.language, programs=offers_programs(context)),
        )
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
        # a number that is not a phone can be shared again: keep the button it asks for
        retry = error.code is RejectCode.INVALID_EVENT
        markup = share_keyboard(who.language) if retry else ReplyKeyboardRemove()
        await reply(update, text, reply_markup=markup)
        return
    member, referrer = registration.member, registration.referrer
    if who.user.username:  # others may name this member by @username for transfers
        await call(context, members.bot_store.set_username, member.member, who.user.username)
    lines = [t(who.language, "register.done", code=member.invite_code or "")]
    if referrer is not None:
        name = referrer.display_name or t(who.language, "someone")
        lines.append(t(who.language, "register.referred_by", name=name))
    lines.append(t(who.language, "menu.hint"))
    await reply(
        update,
        "\n\n".join(lines),
        reply_markup=keyboard(who.language, programs=offers_programs(context)),
    )


async def help_command(update: Update, context: Context) -> None:
    """List what the bot does (and, for operators, their commands)."""
    who = await identify(update, context)
    if who is None:
        return
    text = t(who.language, "help.commands")
    if who.user.id in services(context).admin_ids:
        text += "\n\n" + t(who.language, "help.operators")
    support = services(context).support
    if support:
        text += "\n\n" + t(who.language, "help.support", contact=support)
    markup = (
        keyboard(who.language, programs=offers_programs(context))
        if who.member is not None
        else None
    )
    await reply(update, text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler("help", help_command, filters=PRIVATE),
        MessageHandler(PRIVATE & filters.CONTACT, contact),
    ]
