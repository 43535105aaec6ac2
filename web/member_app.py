"""Members' Mini App: balance and releases, history, team tree, shop, programs.

Every page reads through :class:`~functions.services.members.Members` (the bot's own use
cases), so a page and a chat screen can never disagree on a rule. State changes are two
steps (a preview, then a confirm carrying a fresh idempotency key), like the bot's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import Rejected
from functions.rewards.money import Cents, parse_cents
from functions.services.members.history import HistoryCursor
from functions.store.records import EntryKind, MemberRecord

from . import i18n
from .app import Signed, Web
from .auth import Audience, AuthError, check_init_data
from .charts import Series, bar_chart
from .member_common import (
    HISTORY_ROWS,
    JOURNAL_SEARCH,
    PATH_MAX,
    RELEASE_DAYS,
    TEAM_PAGE,
    cents_field,
    member_label,
    member_page,
    page_context,
    problem_text,
)
from .telegram import BotApiError, invoice_request


@dataclass(frozen=True, slots=True)
class GrantView:
    order: str
    points: Cents
    remaining: Cents
    daily: Cents

    @property
    def percent(self) -> int:
        return 100 if self.points <= 0 else (self.points - self.remaining) * 100 // self.points

    @property
    def days_left(self) -> int | None:
        return None if self.daily <= 0 else -(-self.remaining // self.daily)


def _settlement_days(web: Web, member: MemberRecord) -> list[tuple[str, Cents, Cents, Cents]]:
    """The member's newest settlements, oldest first: (date, static, accelerated, forfeited)."""
    found: list[tuple[str, Cents, Cents, Cents]] = []
    before: int | None = None
    searched = 0
    store = web.runtime.ledger.store
    while len(found) < RELEASE_DAYS and searched < JOURNAL_SEARCH:
        page = store.journal_page(member.member, limit=60, before_seq=before)
        for entry in page:
            if entry.kind != EntryKind.SETTLEMENT:
                continue
            details = json.loads(entry.details)

            def cents(name: str, details: dict[str, Any] = details) -> Cents:
                value = details.get(name)
                return parse_cents(value) if isinstance(value, str) else 0

            found.append(
                (str(details.get("date", "")), cents("static"), cents("paid"), cents("forfeited"))
            )
            if len(found) >= RELEASE_DAYS:
                break
        searched += len(page)
        if len(page) < 60 or page[-1].seq <= 1:
            break
        before = page[-1].seq
    return list(reversed(found))


def _breakdown_lines(language: str, breakdown: Any) -> list[tuple[str, Cents]]:
    t = i18n.t
    lines = [(t(language, "series.static"), breakdown.static)]
    for generation, amount in enumerate(breakdown.share, start=1):
        lines.append((t(language, "balance.share", generation=generation), amount))
    lines += [
        (t(language, "balance.team_bonus"), breakdown.team),
        (t(language, "balance.peer"), breakdown.peer),
        (t(language, "series.accelerated"), breakdown.paid),
        (t(language, "series.forfeited"), breakdown.forfeited),
    ]
    return [(label, amount) for label, amount in lines if amount]


def balance(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    statement = web.members.statement(member)
    days = _settlement_days(web, member)
    chart = bar_chart(
        i18n.t(language, "balance.chart"),
        [date[5:] for date, *_ in days],
        [
            Series(i18n.t(language, "series.static"), [row[1] for row in days], "s1"),
            Series(i18n.t(language, "series.accelerated"), [row[2] for row in days], "s2"),
            Series(i18n.t(language, "series.forfeited"), [row[3] for row in days], "s3"),
        ],
        fmt=i18n.money,
        table_caption=i18n.t(language, "chart.table"),
        empty=i18n.t(language, "balance.chart_empty"),
    )
    grants = [GrantView(g.order, g.points, g.remaining, g.daily) for g in member.grants]
    breakdown = statement.last_settlement
    context = page_context(
        web,
        signed,
        "balance",
        "app.balance",
        member=member,
        statement=statement,
        breakdown=breakdown,
        breakdown_lines=_breakdown_lines(language, breakdown) if breakdown else [],
        releases_chart=chart,
        grants=grants,
    )
    return web.page("app/balance.html", context)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    seq: int
    at_us: int
    label: str
    available: Cents
    locked: Cents


def history(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    kind = web.query("kind") or ""
    known = {entry.value for entry in EntryKind}
    if kind not in known:
        kind = ""
    cursor = _history_cursor(web.query("before"), web.query("at"))
    first = cursor is None
    rows: list[HistoryRow] = []
    older: HistoryCursor | None = None
    for _ in range(10):  # a filter reads a few pages at most, then offers "older"
        page = web.members.history(member, cursor=cursor, limit=HISTORY_ROWS)
        for entry in page.entries:
            if kind and entry.kind != kind:
                continue
            rows.append(
                HistoryRow(
                    entry.seq,
                    entry.at_us,
                    i18n.entry_kind(language, str(entry.kind)),
                    entry.available,
                    entry.locked,
                )
            )
        older = page.older
        if older is None or len(rows) >= HISTORY_ROWS:
            break
        cursor = older

    def link(at: HistoryCursor | None) -> str | None:
        if at is None:
            return None
        query = {"before": str(at.before_seq)}
        if at.before_at is not None:
            query["at"] = str(at.before_at)
        if kind:
            query["kind"] = kind
        return "/app/history?" + "&".join(f"{k}={v}" for k, v in query.items())

    newer = None
    if not first:
        newer = "/app/history" + (f"?kind={kind}" if kind else "")
    kinds = [(value, i18n.entry_kind(language, value)) for value in sorted(known)]
    context = page_context(
        web,
        signed,
        "history",
        "app.history",
        entries=rows,
        kinds=kinds,
        kind=kind,
        newer=newer,
        older=link(older),
    )
    return web.page("app/history.html", context)


@dataclass(frozen=True, slots=True)
class TreeNode:
    label: str
    level: str | None
    team_size: int
    team_volume: Cents
    href: str


def team(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    store = web.runtime.ledger.store
    raw_path = web.query("path") or ""
    path = [part for part in raw_path.split(",") if part][:PATH_MAX]
    records = store.get_members(path) if path else {}
    parent = member.member
    for name in path:  # each hop must be the invitee of the one before: only one's own downline
        record = records.get(name)
        if record is None or record.referrer != parent:
            return web.error(404, language, "app", "team.not_yours")
        parent = name
    node = records[path[-1]] if path else member
    before = web.query("before")
    names, cursor = store.children_page(node.member, limit=TEAM_PAGE, before=before or None)
    found = store.get_members(names) if names else {}
    base = ",".join(path)
    children = [
        TreeNode(
            member_label(found.get(name), name),
            found[name].level if name in found else None,
            found[name].team_size if name in found else 0,
            found[name].team_volume if name in found else 0,
            "/app/team?path=" + (f"{base},{name}" if base else name),
        )
        for name in names
    ]
    trail = [{"href": "/app/team" if path else None, "label": i18n.t(language, "team.you")}]
    for position, name in enumerate(path):
        last = position == len(path) - 1
        trail.append(
            {
                "href": None if last else "/app/team?path=" + ",".join(path[: position + 1]),
                "label": member_label(records.get(name), name),
            }
        )
    plan = web.runtime.plan
    levels = plan.levels
    index = plan.team.level_index(member.team_volume) if plan.team else -1
    following = levels[index + 1] if index + 1 < len(levels) else None
    here = "/app/team" + (f"?path={base}" if base else "")
    joiner = "&" if base else "?"
    context = page_context(
        web,
        signed,
        "team",
        "app.team",
        root=member,
        level=member.level or (levels[index].name if index >= 0 else None),
        next_level=following.name if following else None,
        to_next_level=following.min - member.team_volume if following else None,
        progress=(
            min(100, member.team_volume * 100 // following.min)
            if following and following.min > 0
            else None
        ),
        trail=trail if path else [],
        node_label=i18n.t(language, "team.you") if not path else member_label(node, node.member),
        generation=len(path) + 1,
        children=children,
        newer=here if before else None,
        older=f"{here}{joiner}before={quote(cursor, safe='')}" if cursor else None,
    )
    return web.page("app/team.html", context)


def shop(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    packages = [
        {
            "amount": package.amount,
            "points": package.points,
            "tier": package.tier,
            "deduction": web.members.deduction_for(member, package.amount),
        }
        for package in web.members.catalogue()
    ]
    return web.page(
        "app/shop.html", page_context(web, signed, "shop", "app.shop", packages=packages)
    )


def invoice(web: Web, signed: Signed) -> Response[str]:
    """A Telegram invoice link for a package: the bot's Payments, opened in the Mini App."""
    member = signed.member
    assert member is not None
    language = signed.language
    provider = web.provider_token()
    token = web.bot_token()
    try:
        amount = cents_field(web, "amount")
        points = cents_field(web, "points")
        package = web.members.package(amount)
        web.members.check_order(member, amount, points, amount - points)
    except Rejected as refused:
        return web.json(
            422, {"error": {"code": refused.code.value, "message": problem_text(language, refused)}}
        )
    if provider is None or token is None:
        message = i18n.t(language, "shop.unavailable")
        return web.json(503, {"error": {"code": "unavailable", "message": message}})
    request = invoice_request(language, package.amount, points, package.points, provider)
    try:
        link = web.invoice_link(token, web.runtime.settings.web.telegram_api_url, request)
    except BotApiError:
        message = i18n.t(language, "shop.unavailable")
        return web.json(502, {"error": {"code": "telegram", "message": message}})
    return web.json(200, {"link": link})


def session(web: Web) -> Response[str]:
    """``initData`` → a member session cookie (spent once; a replay is refused)."""
    language = web.language()
    token = web.bot_token()
    if token is None:
        return web.json(503, {"error": {"code": "unavailable", "message": "no bot token"}})
    max_age = web.runtime.settings.web.web_init_data_max_age_s
    try:
        identity = check_init_data(
            web.field("init_data"), token, now_s=web.now_s(), max_age_s=max_age
        )
        cookie_value, _ = web.open_session(
            identity, Audience.MEMBER, in_telegram=True, max_age_s=max_age
        )
    except AuthError as refused:
        message = i18n.t(language, f"signin.{refused.code}")
        return web.json(401, {"error": {"code": refused.code, "message": message}})
    cookie = web.session_cookie(Audience.MEMBER, cookie_value, framed=True)
    return web.json(200, {"ok": True}, cookies=[cookie])


def register(web: Web) -> None:
    from .member_money import (
        transfer,
        transfer_form,
        transfer_preview,
        withdraw,
        withdraw_form,
        withdraw_preview,
    )
    from .member_programs import programs
    from .proofs import my_proof, my_proof_file

    web.route("/app/session", "POST")(lambda: session(web))
    pages: list[tuple[str, str, Callable[[Web, Signed], Response[Any]]]] = [
        ("/app", "GET", balance),
        ("/app/history", "GET", history),
        ("/app/team", "GET", team),
        ("/app/shop", "GET", shop),
        ("/app/shop/invoice", "POST", invoice),
        ("/app/withdraw", "GET", lambda web, signed: withdraw_form(web, signed)),
        ("/app/withdraw/preview", "POST", withdraw_preview),
        ("/app/withdraw", "POST", withdraw),
        ("/app/transfer", "GET", lambda web, signed: transfer_form(web, signed)),
        ("/app/transfer/preview", "POST", transfer_preview),
        ("/app/transfer", "POST", transfer),
        ("/app/programs", "GET", programs),
        ("/app/proof", "GET", my_proof),
    ]
    for rule, method, view in pages:
        member_page(web, rule, method)(lambda signed, view=view: view(web, signed))
    member_page(web, "/app/proof/<name>", "GET")(
        lambda signed, name: my_proof_file(web, signed, name)
    )


def _history_cursor(before: str | None, at: str | None) -> HistoryCursor | None:
    """The page to start from (the query's ``before`` seq and ``at`` time), or the newest."""
    if not before or not before.isdigit():
        return None
    return HistoryCursor(int(before), int(at) if at and at.isdigit() else None)
