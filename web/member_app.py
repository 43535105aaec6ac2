"""Members' Mini App: balance and releases, history, team tree, shop, withdraw, transfer.

Every page reads through :class:`~functions.services.members.Members` (the bot's own use
cases), so a page and a chat screen can never disagree on a rule. State changes are two
steps (a preview, then a confirm carrying a fresh idempotency key), like the bot's.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents, parse_cents
from functions.services.members import parse_points
from functions.services.members.history import HistoryCursor
from functions.store.records import EntryKind, MemberRecord

from . import i18n
from .app import NavItem, Signed, Web
from .auth import Audience, AuthError, check_init_data
from .charts import Series, bar_chart
from .telegram import BotApiError, invoice_request

RELEASE_DAYS = 30
JOURNAL_SEARCH = 300
"""Journal entries read at most to find a month of settlements (daily: usually ~30)."""
HISTORY_ROWS = 20
TEAM_PAGE = 25
PATH_MAX = 100
KEY_BYTES = 12

Page = Callable[..., Response[Any]]


def nav(language: str, current: str) -> list[NavItem]:
    items = [
        ("/app", "balance"),
        ("/app/history", "history"),
        ("/app/team", "team"),
        ("/app/shop", "shop"),
        ("/app/withdraw", "withdraw"),
        ("/app/transfer", "transfer"),
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

    def register(view: Page) -> Page:
        def guarded(**params: str) -> Response[Any]:
            signed = signed_member(web, post=method != "GET")
            if isinstance(signed, Response):
                return signed
            return view(signed, **params)

        web.route(rule, method)(guarded)
        return view

    return register


def _context(
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
    context = _context(
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
    context = _context(
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


def _label(record: MemberRecord | None, name: str) -> str:
    """How members see each other: their Telegram name, or the invite code; never a phone."""
    if record is None:
        return name
    return record.display_name or record.invite_code or name


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
            _label(found.get(name), name),
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
                "label": _label(records.get(name), name),
            }
        )
    plan = web.runtime.plan
    levels = plan.levels
    index = plan.team.level_index(member.team_volume) if plan.team else -1
    following = levels[index + 1] if index + 1 < len(levels) else None
    here = "/app/team" + (f"?path={base}" if base else "")
    joiner = "&" if base else "?"
    context = _context(
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
        node_label=i18n.t(language, "team.you") if not path else _label(node, node.member),
        generation=len(path) + 1,
        children=children,
        newer=here if before else None,
        older=f"{here}{joiner}before={quote(cursor, safe='')}" if cursor else None,
    )
    return web.page("app/team.html", context)


def _problem(language: str, refused: Rejected) -> str:
    return i18n.rejection(language, refused.code.value, refused.message)


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
    context = _context(
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
        return withdraw_form(web, signed, problem=_problem(language, refused), status=422)
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


def _cents_field(web: Web, name: str) -> Cents:
    text = web.field(name)
    if not text.isdigit() or len(text) > 17:
        raise Rejected(RejectCode.INVALID_AMOUNT, "not an amount")
    return int(text)


def withdraw(web: Web, signed: Signed) -> Response[str]:
    member = signed.member
    assert member is not None
    language = signed.language
    key = _key(web, member)
    try:
        points = _cents_field(web, "points")
        if key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        result = web.members.withdraw(member, points, key)
    except Rejected as refused:
        return withdraw_form(web, signed, problem=_problem(language, refused), status=422)
    context = _context(
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
        return transfer_form(web, signed, problem=_problem(language, refused), status=422)
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
            (i18n.t(language, "transfer.to"), _label(recipient, recipient.member)),
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
        points = _cents_field(web, "points")
        if key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        web.members.transfer(member, recipient.member, points, key)
    except Rejected as refused:
        return transfer_form(web, signed, problem=_problem(language, refused), status=422)
    context = _context(
        web,
        signed,
        "transfer",
        "app.transfer",
        message=i18n.t(
            language, "transfer.done", points=points, name=_label(recipient, recipient.member)
        ),
        action_href="/app",
        action_label=i18n.t(language, "app.balance"),
    )
    return web.page("error.html", context)


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
    return web.page("app/shop.html", _context(web, signed, "shop", "app.shop", packages=packages))


def invoice(web: Web, signed: Signed) -> Response[str]:
    """A Telegram invoice link for a package: the bot's Payments, opened in the Mini App."""
    member = signed.member
    assert member is not None
    language = signed.language
    provider = web.provider_token()
    token = web.bot_token()
    try:
        amount = _cents_field(web, "amount")
        points = _cents_field(web, "points")
        package = web.members.package(amount)
        web.members.check_order(member, amount, points, amount - points)
    except Rejected as refused:
        return web.json(
            422, {"error": {"code": refused.code.value, "message": _problem(language, refused)}}
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


def programs(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    context = _context(
        web,
        signed,
        "programs",
        "app.programs",
        placeholder="programs",
        message=i18n.t(language, "programs.later"),
        items=[
            i18n.t(language, f"programs.{name}")
            for name in ("lottery", "stakes", "stars", "catalog")
        ],
        extra=None,
    )
    return web.page("placeholder.html", context)


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
    ]
    for rule, method, view in pages:
        member_page(web, rule, method)(lambda signed, view=view: view(web, signed))


def _history_cursor(before: str | None, at: str | None) -> HistoryCursor | None:
    """The page to start from (the query's ``before`` seq and ``at`` time), or the newest."""
    if not before or not before.isdigit():
        return None
    return HistoryCursor(int(before), int(at) if at and at.isdigit() else None)
