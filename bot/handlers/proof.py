"""/proof: the member's proof of liabilities for the last published day, as a JSON file.

The file holds the member's leaf (balances, nonce, commitment), both sibling paths and the
day's roots; the caption says in one line what it proves. The member checks it without
trusting us: ``verifier/jifen_proof_verify.py`` (standard library only) or
``jifen proof verify FILE`` against the root published that day.

The proof service is installed by :func:`bot.application.build_application` under
:data:`PROOFS_KEY` (absent: the command says proofs are unavailable).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import PRIVATE, Context, call, identify, reply, require_member
from bot.texts import t
from functions.proofs.encoding import ProofError
from functions.services.proofs import ProofService

PROOFS_KEY = "jifen.proofs"
LOGGER = logging.getLogger("bot")


def proof_service(context: Context) -> ProofService | None:
    found = context.bot_data.get(PROOFS_KEY)
    return found if isinstance(found, ProofService) else None


async def proof(update: Update, context: Context) -> None:
    """Send the member's proof file with its one-line summary."""
    who = await identify(update, context)
    member = await require_member(update, who)
    message = update.effective_message
    if who is None or member is None or message is None:
        return
    service = proof_service(context)
    if service is None:
        await reply(update, t(who.language, "proof.unavailable"))
        return
    try:
        found = await call(context, service.member_proof, member.member)
        latest = None if found else await call(context, service.proofs.latest_proof_date)
    except ProofError as exc:
        LOGGER.error("proof of %s not served: %s (%s)", member.member, exc.message, exc.code)
        await reply(update, t(who.language, "proof.unavailable"))
        return
    if found is None:
        key = "proof.not_included" if latest else "proof.none"
        await reply(update, t(who.language, key, date=latest or ""))
        return
    summary = t(
        who.language,
        "proof.summary",
        points=found.points,
        total=found.points_total,
        date=found.date,
    )
    await message.reply_document(
        found.document,
        filename=found.filename,
        caption=f"{summary}\n\n{t(who.language, 'proof.how')}",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    return [CommandHandler("proof", proof, filters=PRIVATE)]
