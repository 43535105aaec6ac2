"""The Mini App's money pages: withdraw and transfer, each a preview then a confirm.

The confirm carries a fresh idempotency key, so a double tap or a retried request moves
money once; the rules are the bot's own use cases (:class:`~functions.services.members.Members`).
"""

from __future__ import annotations

import secrets
from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import parse_points
from functions.store.records import MemberRecord

from . import i18n
from .app import Signed, Web
from .member_common import KEY_BYTES, cents_field, member_label, page_context, problem_text


def _form(
    web: Web,
    signed: Signed,
    current: str,
    *,
    action: str,
    fields: list[dict[str, Any]],
    submit: str,
    intro: str | None = None,
    summary: list[tuple[str, str]] | None = None,
    problem: str | None = None,
    notice: str | None = None,
    status: int = 200,
    cancel_href: str | None = None,
) -> Response[str]:
    context = page_context(
        web,
        signed,
        current,
        f"app.{current}",
        action=action,
        fields=fields,
        submit=submit,
        intro=intro,
        summary=summary or [],
        problem=problem,
        notice=notice,
        cancel_href=cancel_href,
    )
    return web.page("form.html", context, status=status)


def _field(name: str, label: str, value: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "value": value,
        "kind": "text",
        "required": True,
        "hint": None,
        "inputmode": None,
        **extra,
    }


def _hidden(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "label": "", "value": value, "kind": "hidden"}


def _key(web: Web, member: MemberRecord) -> str | None:
    given = web.field("key")
    if not given or len(given) > 32 or not all(c.isalnum() or c in "-_" for c in given):
        return None
    return f"web:{member.member}:{given}"


def withdraw_form(
    web: Web, signed: Signed, *, problem: str | None = None, status: int = 200
) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    minimum = web.runtime.plan.withdrawal.min_points
    return _form(
        web,
        signed,
        "withdraw",
        action="/app/withdraw/preview",
        fields=[
            _field(
                "points",
                i18n.t(language, "withdraw.points"),
                inputmode="decimal",
                hint=i18n.t(language, "withdraw.hint", available=member.available, minimum=minimum),
            )
        ],
        submit=i18n.t(language, "common.preview"),
        problem=problem,
        status=status,
    )


def withdraw_preview(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    try:
        points = parse_points(web.field("points"))
        quote = web.members.quote_withdrawal(member, points)
    except Rejected as refused:
        return withdraw_form(web, signed, problem=problem_text(language, refused), status=422)
    return _form(
        web,
        signed,
        "withdraw",
        action="/app/withdraw",
        fields=[_hidden("points", str(points)), _hidden("key", secrets.token_urlsafe(KEY_BYTES))],
        summary=[
            (i18n.t(language, "withdraw.points"), i18n.money(points)),
            (i18n.t(language, "withdraw.gross"), "¥" + i18n.money(quote.gross)),
            (i18n.t(language, "withdraw.fee"), "¥" + i18n.money(quote.fee)),
            (i18n.t(language, "withdraw.net"), "¥" + i18n.money(quote.net)),
        ],
        submit=i18n.t(language, "common.confirm"),
        intro=i18n.t(language, "withdraw.confirm"),
        cancel_href="/app/withdraw",
    )


def withdraw(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    key = _key(web, member)
    try:
        points = cents_field(web, "points")
        if key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        result = web.members.withdraw(member, points, key)
    except Rejected as refused:
        return withdraw_form(web, signed, problem=problem_text(language, refused), status=422)
    context = page_context(
        web,
        signed,
        "withdraw",
        "app.withdraw",
        message=i18n.t(
            language,
            "withdraw.requested",
            number=result.request_id[:8],
            points=result.points,
            net=result.net,
        ),
        action_href="/app",
        action_label=i18n.t(language, "app.balance"),
    )
    return web.page("error.html", context)


def transfer_form(
    web: Web, signed: Signed, *, problem: str | None = None, status: int = 200
) -> Response[str]:
    language = signed.language
    return _form(
        web,
        signed,
        "transfer",
        action="/app/transfer/preview",
        fields=[
            _field(
                "code",
                i18n.t(language, "transfer.code"),
                hint=i18n.t(language, "transfer.code_hint"),
            ),
            _field("points", i18n.t(language, "transfer.points"), inputmode="decimal"),
        ],
        submit=i18n.t(language, "common.preview"),
        problem=problem,
        status=status,
    )


def _recipient(web: Web, member: MemberRecord) -> MemberRecord:
    code = web.field("code")
    recipient = web.members.by_invite_code(code)
    if recipient is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, "no member has that invite code")
    if recipient.member == member.member:
        raise Rejected(RejectCode.INVALID_EVENT, "a member cannot send points to themself")
    return recipient


def transfer_preview(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    try:
        recipient = _recipient(web, member)
        points = parse_points(web.field("points"))
        if member.frozen:
            raise Rejected(RejectCode.FROZEN, "frozen")
        if points > member.available:
            raise Rejected(RejectCode.INSUFFICIENT_POINTS, "not enough points")
    except Rejected as refused:
        return transfer_form(web, signed, problem=problem_text(language, refused), status=422)
    return _form(
        web,
        signed,
        "transfer",
        action="/app/transfer",
        fields=[
            _hidden("code", web.field("code")),
            _hidden("points", str(points)),
            _hidden("key", secrets.token_urlsafe(KEY_BYTES)),
        ],
        summary=[
            (i18n.t(language, "transfer.to"), member_label(recipient, recipient.member)),
            (i18n.t(language, "transfer.points"), i18n.money(points)),
        ],
        intro=i18n.t(language, "transfer.confirm"),
        submit=i18n.t(language, "common.confirm"),
        cancel_href="/app/transfer",
    )


def transfer(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    key = _key(web, member)
    try:
        recipient = _recipient(web, member)
        points = cents_field(web, "points")
        if key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        web.members.transfer(member, recipient.member, points, key)
    except Rejected as refused:
        return transfer_form(web, signed, problem=problem_text(language, refused), status=422)
    context = page_context(
        web,
        signed,
        "transfer",
        "app.transfer",
        message=i18n.t(
            language, "transfer.done", points=points, name=member_label(recipient, recipient.member)
        ),
        action_href="/app",
        action_label=i18n.t(language, "app.balance"),
    )
    return web.page("error.html", context)
