"""Who may use an operator command, and the member it names.

Only Telegram user ids in ``JIFEN_ADMIN_IDS`` pass; everyone else is refused here,
before anything is read or changed, buttons included. Shared by every operator
command (the queue, member actions, plans, refunds, the catalog).
"""

from __future__ import annotations

from telegram import Update

from bot.context import Context, Who, call, identify, reply, services
from bot.texts import t
from functions.store.records import MemberRecord

REASON_MAX = 500
"""An operator's reason (a rejection, an adjustment) is cut to this many characters."""


async def operator_only(update: Update, context: Context) -> Who | None:
    """The sender if allow-listed; anyone else is refused here and gets None."""
    who = await identify(update, context)
    if who is None:
        return None
    if who.user.id in services(context).admin_ids:
        if who.member is None:  # remember the operator's language for messages they did not ask for
            members = services(context).members
            if await call(context, members.visitor, who.user.id) is None:
                await call(context, members.remember_visitor, who.user.id, language=who.language)
        return who
    if update.callback_query is not None:
        await update.callback_query.answer(t(who.language, "admin.refused"), show_alert=True)
    else:
        await reply(update, t(who.language, "admin.refused"))
    return None


async def target_member(
    update: Update, context: Context, who: Who, text: str
) -> MemberRecord | None:
    member = await call(context, services(context).members.find, text)
    if member is None:
        await reply(update, t(who.language, "admin.not_found", target=text[:64]))
    return member
