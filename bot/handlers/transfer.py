"""/transfer: give available points to another member: recipient → amount (+ note) → preview.

The recipient is chosen without typing a 12-character code: a button for the upline
and each direct invitee, or an @username of a registered member, a shared contact,
a forwarded invite link (what the QR code holds) or the invite code itself. Then the
amount, optionally followed by a note (``50 thanks for lunch``). The preview already
checks the balance and the frozen state and names the recipient; its confirm button
carries recipient and amount (``tr:ok:<member>:<hundredths>``), the note is kept with
the preview message, and the transfer's idempotency key is the preview message, so a
double tap or a redelivery moves points once. The recipient is told, in their
language, once per transfer. ``/transfer CODE POINTS [note]`` still works in one go.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import (
    Contact,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    Who,
    ask,
    call,
    confirmed,
    edit,
    identify,
    message_key,
    pressed,
    rejection,
    reply,
    require_member,
    services,
    stop_asking,
    tell,
)
from bot.replies import answers
from bot.texts import t
from bot.views import name_of
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import normalize_phone, parse_points, valid_invite_code
from functions.store.records import MemberRecord

CALLBACK = re.compile(r"^tr:(?:ok:([A-Za-z0-9_-]{1,40}):([0-9]{1,17})|no)$")
PICK = re.compile(r"^tr:to:([A-Za-z0-9_-]{1,40})$")
LINK = re.compile(r"t\.me/[A-Za-z0-9_]{3,64}\?start=([A-Za-z0-9_-]{1,64})")
USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")
CALLBACK_DATA_MAX = 64
NOTE_MAX = 100
TEAM_BUTTONS = 8
"""Direct invitees offered as buttons (the rest are named by @username, contact or link)."""


def pick_data(member: str) -> str:
    """The button that chooses ``member`` as the recipient (upline, invitee, invite link)."""
    return f"tr:to:{member}"


async def transfer(update: Update, context: Context) -> None:
    """Ask for the recipient, or go straight on with ``/transfer CODE POINTS [note]``."""
    who = await identify(update, context)
    member = await require_member(update, who)
    if who is None or member is None:
        return
    args = context.args or []
    if not args:
        await _choose_recipient(update, context, who, member)
        return
    recipient = await _resolve(context, args[0])
    if recipient is None:
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    if len(args) == 1:
        await _ask_amount(update, context, who, recipient)
        return
    await _amount(update, context, who, recipient, " ".join(args[1:]))


async def _choose_recipient(
    update: Update, context: Context, who: Who, member: MemberRecord
) -> None:
    members = services(context).members
    rows: list[list[InlineKeyboardButton]] = []
    if member.referrer is not None:
        upline = await call(context, members.store.get_member, member.referrer)
        label = t(who.language, "transfer.upline_button", name=name_of(who.language, upline))
        rows.append([InlineKeyboardButton(label[:64], callback_data=pick_data(member.referrer))])
    invitees = await call(context, members.store.children, member.member, limit=TEAM_BUTTONS)
    found = await call(context, members.store.get_members, invitees) if invitees else {}
    for invitee in invitees:
        label = t(
            who.language, "transfer.team_button", name=name_of(who.language, found.get(invitee))
        )
        rows.append([InlineKeyboardButton(label[:64], callback_data=pick_data(invitee))])
    await ask(context, who, "transfer.recipient")
    text = t(who.language, "transfer.choose", points=member.available)
    await reply(update, text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def _resolve(context: Context, text: str) -> MemberRecord | None:
    """The member a typed recipient names: @username, invite link, invite code or +phone
    is not accepted (phones stay private); None when nobody matches."""
    members = services(context).members
    text = text.strip()
    link = LINK.search(text)
    if link is not None:
        return await call(context, members.by_invite_code, link.group(1))
    named = USERNAME.match(text)
    if text.startswith("@") and named is not None:
        owner = await call(context, members.bot_store.member_for_username, named.group(1))
        record = await call(context, members.store.get_member, owner) if owner else None
        still_theirs = (
            record is not None and (record.username or "").lower() == named.group(1).lower()
        )
        return record if still_theirs else None
    if valid_invite_code(text):
        return await call(context, members.by_invite_code, text)
    return None


@answers("transfer.recipient")
async def recipient_answer(
    update: Update, context: Context, who: Who, pending: dict[str, Any], text: str
) -> None:
    """A typed recipient; asked again when nobody matches."""
    recipient = await _resolve(context, text)
    if recipient is None:
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    await _ask_amount(update, context, who, recipient)


async def recipient_from_contact(
    update: Update, context: Context, who: Who, contact: Contact
) -> None:
    """A member shared someone's contact: that member is the recipient (by Telegram account,
    else by phone number)."""
    members = services(context).members
    recipient = None
    if contact.user_id is not None:
        recipient = await call(context, members.by_telegram, contact.user_id)
    phone = normalize_phone(contact.phone_number or "")
    if recipient is None and phone is not None:
        recipient = await call(context, members.find, phone)
    if recipient is None:
        await reply(update, t(who.language, "transfer.contact_unknown"))
        return
    await _ask_amount(update, context, who, recipient)


async def pick(update: Update, context: Context) -> None:
    """A recipient button: the presser's upline, a direct invitee, or an invite link's owner."""
    press = await pressed(update, await identify(update, context), PICK, member=True)
    if press is None:
        return
    members = services(context).members
    recipient = await call(context, members.store.get_member, press.match.group(1))
    if recipient is None:
        await press.query.answer(t(press.who.language, "button.expired"))
        return
    await press.query.answer()
    await _ask_amount(update, context, press.who, recipient)


async def _ask_amount(update: Update, context: Context, who: Who, recipient: MemberRecord) -> None:
    assert who.member is not None
    if recipient.member == who.member.member:
        await stop_asking(context, who)
        await reply(update, t(who.language, "transfer.self"))
        return
    await ask(context, who, "transfer.amount", to=recipient.member)
    question = t(
        who.language,
        "transfer.ask_amount",
        name=name_of(who.language, recipient),
        points=who.member.available,
    )
    placeholder = t(who.language, "transfer.placeholder")
    await reply(update, question, reply_markup=ForceReply(input_field_placeholder=placeholder))


@answers("transfer.amount")
async def amount_answer(
    update: Update, context: Context, who: Who, pending: dict[str, Any], text: str
) -> None:
    """The amount (and an optional note) for the recipient chosen before."""
    recipient = await call(context, services(context).members.store.get_member, str(pending["to"]))
    if recipient is None:
        await stop_asking(context, who)
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    await _amount(update, context, who, recipient, text)


async def _amount(
    update: Update, context: Context, who: Who, recipient: MemberRecord, text: str
) -> None:
    """Check the amount against the member's balance and state now, then preview."""
    member = who.member
    assert member is not None
    if recipient.member == member.member:
        await reply(update, t(who.language, "transfer.self"))
        return
    amount_text, _, note = text.strip().partition(" ")
    try:
        if len(amount_text) > 32:
            raise Rejected(RejectCode.INVALID_AMOUNT, "too long")
        points = parse_points(amount_text)
    except Rejected:
        await ask(context, who, "transfer.amount", to=recipient.member)
        await reply(update, t(who.language, "transfer.not_amount"))
        return
    if member.frozen:
        await stop_asking(context, who)
        await reply(update, t(who.language, "reject.frozen"))
        return
    if points > member.available:
        await ask(context, who, "transfer.amount", to=recipient.member)
        await reply(update, t(who.language, "transfer.insufficient", points=member.available))
        return
    data = f"tr:ok:{recipient.member}:{points}"
    if len(data.encode()) > CALLBACK_DATA_MAX or not CALLBACK.match(data):
        await reply(update, t(who.language, "transfer.unknown_recipient"))
        return
    await stop_asking(context, who)
    note = " ".join(note.split())[:NOTE_MAX]
    lines = [
        t(
            who.language,
            "transfer.preview",
            points=points,
            name=name_of(who.language, recipient),
            left=member.available - points,
        )
    ]
    if note:
        lines.append(t(who.language, "transfer.note", note=note))
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(who.language, "button.confirm"), callback_data=data),
                InlineKeyboardButton(t(who.language, "button.cancel"), callback_data="tr:no"),
            ]
        ]
    )
    sent = await reply(update, "\n".join(lines), reply_markup=buttons)
    if note and sent is not None:
        store = services(context).members.bot_store
        await call(context, store.remember, _note_key(sent), {"note": note})


def _note_key(preview: Message) -> str:
    return f"transfer-note:{preview.chat.id}:{preview.message_id}"


async def confirm(update: Update, context: Context) -> None:
    """Move the points shown in the preview (once per preview message); tell the recipient."""
    press = await confirmed(update, context, CALLBACK, "transfer.cancelled")
    if press is None:
        return
    language, members = press.who.language, services(context).members
    recipient_id, points = press.match.group(1), int(press.match.group(2))
    kept = await call(context, members.bot_store.recall, _note_key(press.message))
    note = str(kept["note"]) if kept and kept.get("note") else None
    key = message_key("tr", press.message)
    try:
        result = await call(
            context, members.transfer, press.member, recipient_id, points, key, note=note
        )
    except Rejected as error:
        await edit(press.message, rejection(language, error))
        return
    recipient = await call(context, members.store.get_member, result.recipient)
    name = name_of(language, recipient)
    await edit(press.message, t(language, "transfer.done", points=result.points, name=name))
    sender = name_of("en", press.member, press.who.user.full_name)

    def received(recipient_language: str) -> str:
        text = t(recipient_language, "transfer.received", points=result.points, name=sender)
        if note:
            text += "\n" + t(recipient_language, "transfer.note", note=note)
        return text

    await tell(context, recipient, f"transfer:{key}", received)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [
        CommandHandler("transfer", transfer, filters=PRIVATE),
        CallbackQueryHandler(pick, pattern=PICK),
        CallbackQueryHandler(confirm, pattern=CALLBACK),
    ]
