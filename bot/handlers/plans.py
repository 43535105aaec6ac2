"""Operators' plan versions: list, show, and a two-step publish with a preview.

``/plans`` lists the versions (the one in effect today marked), ``/plan [N]`` shows one
as YAML, and ``/publish_plan YYYY-MM-DD REASON`` followed by the plan (YAML, on the next
lines of the same message) previews the publication: the version it would be, what
changes, the plan check's findings. Errors block (no button); otherwise the preview is
kept as a draft and its "publish" button publishes it — pressing it acknowledges the
warnings shown. Only the operator who previewed may confirm; a version published by
someone else meanwhile makes the preview stale (``plan_changed``). Only Telegram user ids
in ``JIFEN_ADMIN_IDS`` may use any of this; the versions record the operator as
``tg:<user id>``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import (
    PRIVATE,
    Context,
    call,
    edit,
    pressed,
    pressed_message,
    rejection,
    reply,
    services,
)
from bot.handlers.operators import operator_only
from bot.texts import t
from functions.rewards.errors import Rejected
from functions.rewards.events import valid_date
from functions.services.plan_versions import PlanPublisher, Review, publisher_of
from functions.store.records import PlanVersionRecord

CALLBACK = re.compile(r"^pln:(?:ok:([0-9a-f]{16})|no)$")
LISTED = 20


def _publisher(context: Context) -> PlanPublisher:
    return publisher_of(services(context).members.ledger)


def _since(language: str, record: PlanVersionRecord) -> str:
    return record.effective_from or t(language, "plan.from_start")


async def list_plans(update: Update, context: Context) -> None:
    """The versions, newest first (at most :data:`LISTED`)."""
    who = await operator_only(update, context)
    if who is None:
        return
    publisher = _publisher(context)
    versions = await call(context, publisher.versions)
    current = await call(context, publisher.in_effect)
    lines = [t(who.language, "plan.list_title", current=current.number)]
    for record in reversed(versions[-LISTED:]):
        lines.append(
            t(
                who.language,
                "plan.list_row",
                version=record.version,
                name=record.name,
                effective_from=_since(who.language, record),
                operator=record.operator,
                reason=record.reason or "-",
            )
        )
    await reply(update, "\n".join(lines))


async def show_plan(update: Update, context: Context) -> None:
    """One version as YAML (the latest without an argument)."""
    who = await operator_only(update, context)
    if who is None:
        return
    args = context.args or []
    number: int | None = None
    if len(args) > 1 or (args and not args[0].lstrip("v").isdigit()):
        await reply(update, t(who.language, "plan.show_usage"))
        return
    if args:
        number = int(args[0].lstrip("v"))
    try:
        record = await call(context, _publisher(context).version, number)
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    text = yaml.safe_dump(json.loads(record.text), sort_keys=False, allow_unicode=True)
    await reply(
        update,
        t(
            who.language,
            "plan.show",
            version=record.version,
            name=record.name,
            effective_from=_since(who.language, record),
            operator=record.operator,
            reason=record.reason or "-",
            text=text,
        ),
    )


def _preview(language: str, review: Review, reason: str) -> str:
    assert review.plan is not None
    base = review.version - 1
    lines = [
        t(
            language,
            "plan.preview",
            version=review.version,
            name=review.plan.name,
            effective_from=review.effective_from,
            reason=reason,
        )
    ]
    if review.changes:
        lines.append(t(language, "plan.changes_title", base=base))
        lines += [
            t(language, "plan.change", key=key, before=before, after=after)
            for key, before, after in review.changes
        ]
    else:
        lines.append(t(language, "plan.no_changes", base=base))
    if review.findings:
        lines.append(t(language, "plan.findings_title"))
        lines += [
            t(
                language,
                "plan.finding",
                severity=finding.severity.value,
                code=finding.code,
                where=f" [{finding.key}]" if finding.key else "",
                message=finding.message,
            )
            for finding in review.findings
        ]
    else:
        lines.append(t(language, "plan.no_findings"))
    if review.errors:
        lines.append(t(language, "plan.blocked"))
    elif review.warnings:
        lines.append(t(language, "plan.acknowledge"))
    return "\n".join(lines)


async def publish_plan(update: Update, context: Context) -> None:
    """Step one: review the plan in the message and show the preview (a draft to confirm)."""
    who = await operator_only(update, context)
    message = update.effective_message
    if who is None or message is None:
        return
    first, _, body = (message.text or "").partition("\n")
    parts = first.split(maxsplit=2)
    try:
        effective_from = valid_date(parts[1]) if len(parts) == 3 and body.strip() else None
    except Rejected:
        effective_from = None
    if effective_from is None:
        await reply(update, t(who.language, "plan.publish_usage"))
        return
    reason = parts[2].strip()
    publisher = _publisher(context)
    try:
        review = await call(context, publisher.review, body, effective_from)
    except Rejected as error:
        await reply(update, rejection(who.language, error))
        return
    if review.plan is None:
        found = "; ".join(finding.render() for finding in review.findings)
        await reply(update, t(who.language, "plan.invalid", error=found))
        return
    preview = _preview(who.language, review, reason)
    if review.errors:
        await reply(update, preview)
        return
    draft = await call(context, publisher.draft, review, reason=reason, operator=who.operator)
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(who.language, "plan.publish"), callback_data=f"pln:ok:{draft.draft_id}"
                ),
                InlineKeyboardButton(t(who.language, "button.cancel"), callback_data="pln:no"),
            ]
        ]
    )
    await reply(update, preview, reply_markup=buttons)


async def confirm(update: Update, context: Context) -> None:
    """Step two: publish the previewed draft (or drop the preview)."""
    press = await pressed(update, await operator_only(update, context), CALLBACK)
    if press is None:
        return
    who, query, match = press.who, press.query, press.match
    draft_id = match.group(1)
    if draft_id is None:
        await query.answer()
        await edit(pressed_message(update), t(who.language, "plan.cancelled"))
        return
    try:
        record = await call(context, _publisher(context).confirm, draft_id, operator=who.operator)
    except Rejected as error:
        await query.answer(rejection(who.language, error), show_alert=True)
        return
    await query.answer()
    await edit(
        pressed_message(update),
        t(
            who.language,
            "plan.published",
            version=record.version,
            name=record.name,
            effective_from=_since(who.language, record),
        ),
    )


PLAN_COMMANDS = {"plans": list_plans, "plan": show_plan, "publish_plan": publish_plan}


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    commands: list[BaseHandler[Update, Context, Any]] = [
        CommandHandler(name, callback, filters=PRIVATE) for name, callback in PLAN_COMMANDS.items()
    ]
    return [*commands, CallbackQueryHandler(confirm, pattern=CALLBACK)]
