"""What every console page shares: the operator guard, the navigation, masks, the context.

Kept apart from the pages (:mod:`web.console`, :mod:`web.console_members`,
:mod:`web.console_money`, :mod:`web.console_plans`) so each page module imports it
without importing the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import Rejected

from . import i18n
from .app import NavItem, Page, Signed, Web, guarded_route, operator_name
from .auth import Audience

QUEUE_PAGE = 50
JOURNAL_PAGE = 20
"""Entries per page of the member page's journal (each read costs ~1 ms an item on the
local endpoint: 20 keeps the page under 100 ms p95, bench/web_pages.py)."""
CHILDREN_PAGE = 15
NAME_RESULTS = 20
"""Members listed by a search by name (one query of the name index)."""
RUN_DAYS = 14
AUDIT_PAGE = 50
KEY_BYTES = 12


def nav(language: str, current: str) -> list[NavItem]:
    items = [
        ("/console", "dashboard"),
        ("/console/members", "members"),
        ("/console/withdrawals", "withdrawals"),
        ("/console/settlements", "settlements"),
        ("/console/payouts", "payouts"),
        ("/console/plans", "plans"),
        ("/console/merchants", "merchants"),
        ("/console/audit", "audit"),
        ("/board", "board"),
    ]
    return [
        NavItem(href, i18n.t(language, f"console.{name}"), name == current) for href, name in items
    ]


def signin_page(web: Web, language: str, status: int) -> Response[str]:
    config = web.runtime.settings.web
    context = web.context(
        language=language,
        surface="console",
        title=i18n.t(language, "login.title"),
        signin_url="/console/session",
        login_widget=True,
        bot_username=config.web_bot_username,
        login_callback="/console/login/telegram",
    )
    return web.page("signin.html", context, status=status)


def signed_operator(web: Web, *, post: bool) -> Signed | Response[str]:
    """The operator behind the request, or the refusal to answer instead."""
    session = web.read_session(Audience.OPERATOR)
    language = web.language(session)
    if session is None:
        if post:
            return web.error(401, language, "console", "error.signed_out")
        return signin_page(web, language, 401)
    if session.telegram_id not in web.admin_ids():
        return web.error(403, language, "console", "error.forbidden")
    if post and not web.csrf_ok(session):
        return web.error(403, language, "console", "error.csrf")
    return Signed(session, None, language, web.sessions().csrf_token(session))


def operator_page(web: Web, rule: str, method: str = "GET") -> Callable[[Page], Page]:
    """Register ``rule`` for operators only (and CSRF-checked when it posts)."""
    return guarded_route(web, rule, method, lambda web, post: signed_operator(web, post=post))


OPERATOR_ROUTES: list[tuple[str, str]] = []
"""Every (method, rule) behind the operator guard: the security tests walk them all."""


def page_context(
    web: Web, signed: Signed, current: str, title: str, **values: Any
) -> dict[str, Any]:
    return web.context(
        language=signed.language,
        surface="console",
        title=title,
        nav=nav(signed.language, current),
        csrf=signed.csrf,
        **values,
    )


def operator_of(signed: Signed) -> str:
    return operator_name(signed.session.telegram_id)


def mask_phone(phone: str | None) -> str:
    """``+8613812345678`` → ``+86 138****5678``: enough to recognise, not to dial."""
    if not phone:
        return "—"
    digits = phone.removeprefix("+")
    if len(digits) < 7:
        return "****"
    return (
        f"+{digits[:-8]} {digits[-8:-5]}****{digits[-4:]}"
        if len(digits) > 8
        else f"+{digits[:2]}****{digits[-4:]}"
    )


def mask_key(key: str) -> str:
    return "••••" + key[-4:] if len(key) > 8 else "••••"


def problem_text(language: str, refused: Rejected) -> str:
    return i18n.rejection(language, refused.code.value, refused.message)


def fresh_key(web: Web, signed: Signed) -> str | None:
    given = web.field("key")
    if not given or len(given) > 32 or not all(c.isalnum() or c in "-_" for c in given):
        return None
    return f"web:{operator_of(signed)}:{given}"
