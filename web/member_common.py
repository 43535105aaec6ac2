"""What every Mini App page shares: the member guard, the navigation, the page context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents
from functions.store.records import MemberRecord

from . import i18n
from .app import NavItem, Page, Signed, Web, guarded_route
from .auth import Audience

RELEASE_DAYS = 30
JOURNAL_SEARCH = 300
"""Journal entries read at most to find a month of settlements (daily: usually ~30)."""
HISTORY_ROWS = 20
TEAM_PAGE = 25
PATH_MAX = 100
KEY_BYTES = 12


def nav(language: str, current: str) -> list[NavItem]:
    items = [
        ("/app", "balance"),
        ("/app/history", "history"),
        ("/app/team", "team"),
        ("/app/shop", "shop"),
        ("/app/withdraw", "withdraw"),
        ("/app/transfer", "transfer"),
        ("/app/proof", "proof"),
        ("/app/programs", "programs"),
    ]
    return [NavItem(href, i18n.t(language, f"app.{name}"), name == current) for href, name in items]


def signed_member(web: Web, *, post: bool) -> Signed | Response[str]:
    """The member behind the request, or the answer to give instead."""
    session = web.read_session(Audience.MEMBER)
    if session is None:
        language = web.language()
        if post:
            return web.error(401, language, "app", "error.signed_out")
        context = web.context(
            language=language,
            surface="app",
            title=i18n.t(language, "signin.title"),
            signin_url="/app/session",
            login_widget=False,
        )
        return web.page("signin.html", context, status=401)
    member = web.members.by_telegram(session.telegram_id)
    language = web.language(session, member)
    if member is None:
        return web.error(403, language, "app", "app.not_registered")
    if post and not web.csrf_ok(session):
        return web.error(403, language, "app", "error.csrf")
    return Signed(session, member, language, web.sessions().csrf_token(session))


def member_page(web: Web, rule: str, method: str = "GET") -> Callable[[Page], Page]:
    """Register ``rule`` for signed-in members only (and CSRF-checked when it posts)."""
    return guarded_route(web, rule, method, lambda web, post: signed_member(web, post=post))


def page_context(
    web: Web, signed: Signed, current: str, title_key: str, **values: Any
) -> dict[str, Any]:
    return web.context(
        language=signed.language,
        surface="app",
        title=i18n.t(signed.language, title_key),
        nav=nav(signed.language, current),
        csrf=signed.csrf,
        **values,
    )


def problem_text(language: str, refused: Rejected) -> str:
    return i18n.rejection(language, refused.code.value, refused.message)


def cents_field(web: Web, name: str) -> Cents:
    text = web.field(name)
    if not text.isdigit() or len(text) > 17:
        raise Rejected(RejectCode.INVALID_AMOUNT, "not an amount")
    return int(text)


def member_label(record: MemberRecord | None, name: str) -> str:
    """How members see each other: their Telegram name, or the invite code; never a phone."""
    if record is None:
        return name
    return record.display_name or record.invite_code or name
