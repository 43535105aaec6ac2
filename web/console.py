"""The operators' console (后台): dashboard, members, withdrawals, runs, payouts, plans, audit.

Only ``JIFEN_ADMIN_IDS`` get in (checked on every request, so removing an id from the
list locks it out at once). Every action goes through the same use cases as the bot's
admin commands, names the operator (``tg:<id>``) in the journal, and adds a line to
the audit log (:class:`~functions.store.web_store.WebStore`). Changes that move money
or points are two steps: a preview, then a confirm with a fresh idempotency key.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.ledger import Bucket
from functions.rewards.money import Cents, format_cents, format_rate, parse_cents
from functions.services import dashboard
from functions.services.daily_aggregates import record_daily_aggregate
from functions.services.payout_reports import PayoutBatch, render_report
from functions.store.journal import chain_problems, decode_postings
from functions.store.records import MemberRecord, WithdrawalRecord, WithdrawalStatus
from functions.store.web_store import action_cursor

from . import i18n
from .app import NavItem, Signed, Web, operator_name
from .auth import Audience, AuthError, check_init_data, check_login
from .charts import Series, bar_chart, line_chart

QUEUE_PAGE = 50
JOURNAL_PAGE = 30
CHILDREN_PAGE = 25
RUN_DAYS = 14
AUDIT_PAGE = 50
KEY_BYTES = 12

Page = Callable[..., Response[Any]]


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
    def register(view: Page) -> Page:
        def guarded(**params: str) -> Response[Any]:
            signed = signed_operator(web, post=method != "GET")
            if isinstance(signed, Response):
                return signed
            return view(signed, **params)

        web.route(rule, method)(guarded)
        return view

    return register


OPERATOR_ROUTES: list[tuple[str, str]] = []
"""Every (method, rule) behind the operator guard: the security tests walk them all."""


def _context(web: Web, signed: Signed, current: str, title: str, **values: Any) -> dict[str, Any]:
    return web.context(
        language=signed.language,
        surface="console",
        title=title,
        nav=nav(signed.language, current),
        csrf=signed.csrf,
        **values,
    )


def _operator(signed: Signed) -> str:
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


def _problem(language: str, refused: Rejected) -> str:
    return i18n.rejection(language, refused.code.value, refused.message)


# -- dashboard --------------------------------------------------------------------------


def _optional_money(value: Cents | None) -> str:
    return "—" if value is None else i18n.money(value)


def dashboard_context(web: Web, language: str, *, signed: Signed | None = None) -> dict[str, Any]:
    """The dashboard's context (also written to a file by ``make demo``)."""
    rows = dashboard.day_rows(web.runtime.ledger.store, days=30)
    oldest_first = list(reversed(rows))
    labels = [row.aggregate.date[5:] for row in oldest_first]
    t = i18n.t
    releases = bar_chart(
        t(language, "dash.releases_chart"),
        labels,
        [
            Series(t(language, "series.static"), [r.aggregate.static for r in oldest_first], "s1"),
            Series(
                t(language, "series.accelerated"),
                [r.aggregate.accelerated for r in oldest_first],
                "s2",
            ),
            Series(
                t(language, "series.forfeited"), [r.aggregate.forfeited for r in oldest_first], "s3"
            ),
        ],
        fmt=i18n.money,
        table_caption=t(language, "chart.table"),
        empty=t(language, "dash.empty"),
    )
    sales = bar_chart(
        t(language, "dash.sales_chart"),
        labels,
        [Series(t(language, "dash.sales"), [r.sales for r in oldest_first], "s4")],
        fmt=lambda cents: "¥" + i18n.money(cents),
        table_caption=t(language, "chart.table"),
        empty=t(language, "dash.empty"),
    )
    pool = line_chart(
        t(language, "dash.pool_chart"),
        labels,
        [
            Series(t(language, "dash.reserve"), [r.aggregate.reserve for r in oldest_first], "s1"),
            Series(
                t(language, "dash.circulating"),
                [r.aggregate.circulating for r in oldest_first],
                "s2",
            ),
        ],
        fmt=i18n.money,
        table_caption=t(language, "chart.table"),
        empty=t(language, "dash.empty"),
    )

    def price_text(row: dashboard.DayRow) -> str:
        price = row.price
        return "—" if price is None else "¥" + i18n.money(math.floor(price * 100))

    def pools_text(row: dashboard.DayRow) -> str:
        found = [
            f"{t(language, f'program.{name}')} {i18n.money(value)}"
            for name, value in sorted(row.programs.items())
            if isinstance(value, int) and not isinstance(value, bool) and name != "throttle"
        ]
        return ", ".join(found) or "—"

    table = [
        {
            "date": row.aggregate.date,
            "members": row.aggregate.members,
            "new_members": "—" if row.new_members is None else row.new_members,
            "sales": _optional_money(row.sales),
            "static": i18n.money(row.aggregate.static),
            "accelerated": i18n.money(row.aggregate.accelerated),
            "forfeited": i18n.money(row.aggregate.forfeited),
            "reserve": i18n.money(row.aggregate.reserve),
            "price": price_text(row),
            "pools": pools_text(row),
            "throttle": str(row.programs.get("throttle", "—")),
        }
        for row in rows
    ]
    latest = rows[0] if rows else None
    values: dict[str, Any] = {
        "rows": table,
        "latest": latest,
        "latest_price": None
        if latest is None or latest.price is None
        else math.floor(latest.price * 100),
        "releases_chart": releases,
        "sales_chart": sales,
        "pool_chart": pool,
    }
    title = t(language, "console.dashboard")
    if signed is not None:
        return _context(web, signed, "dashboard", title, **values)
    return web.context(language=language, surface="console", title=title, nav=[], csrf="", **values)


# -- members ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Child:
    label: str
    href: str
    level: str | None
    team_size: int
    team_volume: Cents
    personal_volume: Cents
    spent: Cents


def _member_or_404(web: Web, signed: Signed, member: str) -> MemberRecord | Response[str]:
    record = web.runtime.ledger.store.get_member(member)
    if record is None:
        return web.error(404, signed.language, "console", "members.unknown")
    return record


def _entry_detail(details: dict[str, Any]) -> str:
    shown = {key: value for key, value in details.items() if key not in {"statement"}}
    text = json.dumps(shown, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 240 else text[:239] + "…"


def member_page(
    web: Web, signed: Signed, member: str, *, notice: str | None = None, problem: str | None = None
) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    record = found
    language = signed.language
    store = web.runtime.ledger.store
    entries_raw = list(store.journal(record.member))
    maps = [
        {
            "seq": entry.seq,
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
            "key_id": entry.key_id,
            "member": entry.member,
            "event_key": entry.event_key,
            "kind": entry.kind,
            "postings": entry.postings,
            "details": entry.details,
            "at": entry.at,
        }
        for entry in entries_raw
    ]
    problems = chain_problems(maps, store.keyring)
    head_ok = not entries_raw or entries_raw[-1].hash == record.journal_head
    chain_ok = not problems and head_ok
    if chain_ok:
        chain_text = i18n.t(language, "member.chain_ok", count=len(entries_raw))
    else:
        first = problems[0].detail if problems else i18n.t(language, "member.head_mismatch")
        chain_text = i18n.t(language, "member.chain_broken", problem=first)
    before = web.query("before")
    before_seq = int(before) if before and before.isdigit() else None
    # the page comes from the journal just read to verify it (one read, not two)
    newest_first = [e for e in reversed(entries_raw) if before_seq is None or e.seq < before_seq]
    shown = newest_first[:JOURNAL_PAGE]
    entries = []
    for entry in shown:
        moved = {Bucket.AVAILABLE: 0, Bucket.LOCKED: 0}
        for posting in decode_postings(entry.postings):
            if posting.owner == record.member and posting.bucket in moved:
                moved[posting.bucket] += posting.amount
        details = json.loads(entry.details)
        entries.append(
            {
                "seq": entry.seq,
                "at_us": entry.at,
                "label": i18n.entry_kind(language, entry.kind),
                "available": moved[Bucket.AVAILABLE],
                "locked": moved[Bucket.LOCKED],
                "detail": _entry_detail(details if isinstance(details, dict) else {}),
            }
        )
    older_seq = shown[-1].seq if len(newest_first) > len(shown) and shown else None
    here = f"/console/members/{record.member}"
    child_cursor = web.query("children")
    names, cursor = store.children_page(
        record.member, limit=CHILDREN_PAGE, before=child_cursor or None
    )
    loaded = store.get_members(names) if names else {}
    children = [
        Child(
            (loaded[name].display_name or name) if name in loaded else name,
            f"/console/members/{name}",
            loaded[name].level if name in loaded else None,
            loaded[name].team_size if name in loaded else 0,
            loaded[name].team_volume if name in loaded else 0,
            loaded[name].personal_volume if name in loaded else 0,
            loaded[name].spent if name in loaded else 0,
        )
        for name in names
    ]
    context = _context(
        web,
        signed,
        "members",
        i18n.t(language, "member.title", name=record.display_name or record.member),
        member=record,
        phone=mask_phone(record.phone),
        referrer_href=f"/console/members/{record.referrer}" if record.referrer else None,
        children=children,
        direct_points=0,
        children_newer=here if child_cursor else None,
        children_older=f"{here}?children={quote(cursor, safe='')}" if cursor else None,
        chain_ok=chain_ok,
        chain_text=chain_text,
        entries=entries,
        newer=here if before_seq is not None else None,
        older=f"{here}?before={older_seq}" if older_seq else None,
        freeze_action=f"{here}/freeze",
        adjust_action=f"{here}/adjust/preview",
        key=secrets.token_urlsafe(KEY_BYTES),
        notice=notice,
        problem=problem,
    )
    return web.page("console/member.html", context)


def _key(web: Web, signed: Signed) -> str | None:
    given = web.field("key")
    if not given or len(given) > 32 or not all(c.isalnum() or c in "-_" for c in given):
        return None
    return f"web:{_operator(signed)}:{given}"


def freeze(web: Web, signed: Signed, member: str) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    language = signed.language
    frozen = web.field("frozen") == "1"
    reason = web.field("reason")[:500]
    key = _key(web, signed) or f"web:{_operator(signed)}:{secrets.token_urlsafe(KEY_BYTES)}"
    action = "freeze" if frozen else "unfreeze"
    try:
        web.members.set_frozen(found, frozen, key, _operator(signed))
    except Rejected as refused:
        web.audit(signed.session, action, member, refused.code.value, {"reason": reason})
        return member_page(web, signed, member, problem=_problem(language, refused))
    web.audit(signed.session, action, member, "ok", {"reason": reason})
    notice = i18n.t(language, "member.frozen_done" if frozen else "member.unfrozen_done")
    return member_page(web, signed, member, notice=notice)


def _delta(text: str) -> Cents:
    cleaned = text.strip().replace(",", "")
    negative = cleaned.startswith(("-", "−"))
    cleaned = cleaned.lstrip("+-−").strip()
    try:
        amount = parse_cents(cleaned)
    except ValueError:
        raise Rejected(RejectCode.INVALID_AMOUNT, "not an amount") from None
    if amount <= 0:
        raise Rejected(RejectCode.INVALID_AMOUNT, "the adjustment must not be zero")
    return -amount if negative else amount


def adjust_preview(web: Web, signed: Signed, member: str) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    language = signed.language
    reason = web.field("reason")[:500]
    try:
        delta = _delta(web.field("delta"))
        if not reason:
            raise Rejected(RejectCode.INVALID_EVENT, "an adjustment needs a reason")
    except Rejected as refused:
        return member_page(web, signed, member, problem=_problem(language, refused))
    context = _context(
        web,
        signed,
        "members",
        i18n.t(language, "member.adjust_confirm_title"),
        action=f"/console/members/{member}/adjust",
        fields=[
            {"name": "delta", "value": str(delta), "kind": "hidden", "label": ""},
            {"name": "reason", "value": reason, "kind": "hidden", "label": ""},
            {
                "name": "key",
                "value": secrets.token_urlsafe(KEY_BYTES),
                "kind": "hidden",
                "label": "",
            },
        ],
        summary=[
            (i18n.t(language, "common.member"), found.display_name or found.member),
            (
                i18n.t(language, "member.adjust_delta"),
                ("+" if delta > 0 else "") + i18n.money(delta),
            ),
            (i18n.t(language, "member.available_after"), i18n.money(found.available + delta)),
            (i18n.t(language, "common.reason"), reason),
        ],
        intro=i18n.t(language, "member.adjust_confirm"),
        submit=i18n.t(language, "common.confirm"),
        cancel_href=f"/console/members/{member}",
    )
    return web.page("form.html", context)


def adjust(web: Web, signed: Signed, member: str) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    language = signed.language
    reason = web.field("reason")[:500]
    key = _key(web, signed)
    detail: dict[str, object] = {"reason": reason}
    try:
        text = web.field("delta")
        if not text.lstrip("-").isdigit() or key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        delta = int(text)
        detail["delta"] = format_cents(delta)
        web.members.adjust(found, delta, reason, key, _operator(signed))
    except Rejected as refused:
        web.audit(signed.session, "adjust", member, refused.code.value, detail)
        return member_page(web, signed, member, problem=_problem(language, refused))
    web.audit(signed.session, "adjust", member, "ok", detail)
    return member_page(web, signed, member, notice=i18n.t(language, "member.adjusted", delta=delta))


def search(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    query = (web.query("q") or "").strip()[:128]
    found = web.members.find(query) if query else None
    if found is not None:
        return web.redirect(f"/console/members/{found.member}")
    context = _context(
        web,
        signed,
        "members",
        i18n.t(language, "console.members"),
        query=query,
        found=None,
        found_href=None,
        found_label=None,
    )
    return web.page("console/members.html", context, status=404 if query else 200)


# -- withdrawals -------------------------------------------------------------------------


def _queue_rows(web: Web, requests: list[WithdrawalRecord]) -> list[dict[str, Any]]:
    members = web.runtime.ledger.store.get_members([r.member for r in requests]) if requests else {}
    rows = []
    for request in requests:
        record = members.get(request.member)
        rows.append(
            {
                "request_id": request.request_id,
                "short": request.request_id[:8],
                "name": (record.display_name if record else None) or request.member,
                "member_href": f"/console/members/{request.member}",
                "phone": mask_phone(record.phone if record else None),
                "account": "—",
                "points": request.points,
                "net": request.net,
                "fee": request.fee,
                "requested_at": request.requested_at,
                "reject_href": f"/console/withdrawals/{request.request_id}/reject",
            }
        )
    return rows


def queue(web: Web, signed: Signed, *, results: list[str] | None = None) -> Response[str]:
    language = signed.language
    requests = web.runtime.ledger.store.withdrawals(WithdrawalStatus.PENDING, limit=QUEUE_PAGE)
    context = _context(
        web,
        signed,
        "withdrawals",
        i18n.t(language, "console.withdrawals"),
        requests=_queue_rows(web, requests),
        results=results or [],
    )
    return web.page("console/withdrawals.html", context)


def _notify(web: Web, request: WithdrawalRecord, status: str, reason: str | None) -> None:
    """Queue the member's decision notice (the notification sender sends it once)."""
    message: dict[str, Any] = {
        "kind": "withdrawal",
        "member": request.member,
        "request_id": request.request_id,
        "status": status,
        "points": format_cents(request.points),
        "net": format_cents(request.net),
        "fee": format_cents(request.fee),
    }
    if reason:
        message["reason"] = reason
    try:
        web.runtime.queue.send([message])
    except Exception:  # the decision stands; the member sees it in their history
        from functions.observability import logger

        logger.exception("decision notice not queued", extra={"request": request.request_id})


def bulk_approve(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    ids = [value for value in web.form().get("request", []) if value.isalnum() and len(value) <= 40]
    ids = list(dict.fromkeys(ids))[:QUEUE_PAGE]
    if not ids:
        return queue(web, signed, results=[i18n.t(language, "queue.none_selected")])
    store = web.runtime.ledger.store
    requests = [found for rid in ids if (found := store.get_withdrawal(rid)) is not None]
    if web.field("confirm") != "yes":
        total = sum(request.net for request in requests)
        context = _context(
            web,
            signed,
            "withdrawals",
            i18n.t(language, "queue.confirm_title", count=len(requests)),
            action="/console/withdrawals/approve",
            fields=[
                *(
                    {"name": "request", "value": r.request_id, "kind": "hidden", "label": ""}
                    for r in requests
                ),
                {"name": "confirm", "value": "yes", "kind": "hidden", "label": ""},
            ],
            summary=[
                *(
                    (r.request_id[:8], f"{i18n.money(r.points)} → ¥{i18n.money(r.net)}")
                    for r in requests
                ),
                (i18n.t(language, "queue.total"), "¥" + i18n.money(total)),
            ],
            intro=i18n.t(language, "queue.confirm", count=len(requests)),
            submit=i18n.t(language, "queue.approve_confirm", count=len(requests)),
            cancel_href="/console/withdrawals",
        )
        return web.page("form.html", context)
    results = []
    for request in requests:
        try:
            result = web.runtime.ledger.decide_withdrawal(
                request.request_id, approve=True, operator=_operator(signed)
            )
        except Rejected as refused:
            web.audit(signed.session, "approve", request.request_id, refused.code.value)
            results.append(f"{request.request_id[:8]}: {_problem(language, refused)}")
            continue
        web.audit(
            signed.session, "approve", request.request_id, "ok", {"net": format_cents(result.net)}
        )
        _notify(web, request, "approved", None)
        results.append(i18n.t(language, "queue.approved", request=request.request_id[:8]))
    return queue(web, signed, results=results)


def reject_form(
    web: Web, signed: Signed, request_id: str, *, problem: str | None = None
) -> Response[str]:
    language = signed.language
    request = web.runtime.ledger.store.get_withdrawal(request_id)
    if request is None:
        return web.error(404, language, "console", "queue.unknown")
    context = _context(
        web,
        signed,
        "withdrawals",
        i18n.t(language, "queue.reject_title", request=request_id[:8]),
        action=f"/console/withdrawals/{request_id}/reject",
        fields=[
            {
                "name": "reason",
                "label": i18n.t(language, "common.reason"),
                "value": "",
                "kind": "text",
                "required": True,
                "hint": i18n.t(language, "queue.reason_hint"),
                "inputmode": None,
            }
        ],
        summary=[
            (i18n.t(language, "common.member"), request.member),
            (i18n.t(language, "queue.points"), i18n.money(request.points)),
            (i18n.t(language, "queue.net"), "¥" + i18n.money(request.net)),
        ],
        submit=i18n.t(language, "queue.reject"),
        intro=None,
        problem=problem,
        cancel_href="/console/withdrawals",
    )
    return web.page("form.html", context)


def reject(web: Web, signed: Signed, request_id: str) -> Response[str]:
    language = signed.language
    reason = web.field("reason")[:500]
    request = web.runtime.ledger.store.get_withdrawal(request_id)
    if request is None:
        return web.error(404, language, "console", "queue.unknown")
    if not reason:
        return reject_form(web, signed, request_id, problem=i18n.t(language, "queue.reason_needed"))
    try:
        web.runtime.ledger.decide_withdrawal(
            request_id, approve=False, operator=_operator(signed), reason=reason
        )
    except Rejected as refused:
        web.audit(signed.session, "reject", request_id, refused.code.value, {"reason": reason})
        return queue(web, signed, results=[_problem(language, refused)])
    web.audit(signed.session, "reject", request_id, "ok", {"reason": reason})
    _notify(web, request, "rejected", reason)
    return queue(web, signed, results=[i18n.t(language, "queue.rejected", request=request_id[:8])])


# -- settlement runs and payouts ----------------------------------------------------------


def _recent_dates(web: Web, days: int) -> list[str]:
    import datetime as dt

    today = dt.datetime.now(web.runtime.zone).date()
    sequence = web.runtime.ledger.store.settlement_sequence()
    newest = today
    if sequence is not None:
        newest = max(today, dt.date.fromisoformat(sequence.date))
    return [(newest - dt.timedelta(days=offset)).isoformat() for offset in range(days)]


def settlements(web: Web, signed: Signed, *, outcome: str | None = None) -> Response[str]:
    language = signed.language
    store = web.runtime.ledger.store
    sequence = store.settlement_sequence()
    rows = []
    for date in _recent_dates(web, RUN_DAYS):
        run = store.settlement_run(date)
        aggregate = store.daily_aggregate(date) if run is not None else None
        if run is None:
            status, pages, applied, members = i18n.t(language, "runs.not_run"), 0, 0, 0
        else:
            status, pages = run.status, int(run.pages)
            applied = pages if run.status == "done" else len(store.applied_pages(date, run.run_id))
            members = int(json.loads(run.totals).get("members", 0)) if run.totals else 0
        done = run is not None and run.status == "done"
        can_run = (
            not done and (sequence is None or not sequence.open or sequence.date == date)
        ) or (done and aggregate is None)
        label_key = "runs.record_aggregate" if done else ("runs.rerun" if run else "runs.run")
        rows.append(
            {
                "date": date,
                "status": status,
                "pages": pages,
                "applied": applied,
                "members": members,
                "aggregate": i18n.t(language, "runs.recorded") if aggregate else "—",
                "can_run": can_run and run is not None,
                "action": f"/console/settlements/{date}/run",
                "action_label": i18n.t(language, label_key),
            }
        )
    context = _context(
        web,
        signed,
        "settlements",
        i18n.t(language, "console.settlements"),
        sequence=sequence,
        runs=rows,
        outcome=outcome,
    )
    return web.page("console/settlements.html", context)


def run_date(web: Web, signed: Signed, date: str) -> Response[str]:
    """Finish (or rerun) an unfinished date's run; record a done date's missing aggregate."""
    from functions.rewards.events import valid_date
    from functions.services.settlement_fanout import settle_or_fan_out

    language = signed.language
    try:
        valid_date(date)
    except Rejected:
        return web.error(404, language, "console", "error.not_found")
    runtime = web.runtime
    run = runtime.ledger.store.settlement_run(date)
    if run is not None and run.status == "done":
        recorded = record_daily_aggregate(runtime.ledger, run)
        outcome: dict[str, Any] = {"date": date, "aggregate": recorded is not None}
    elif runtime.settings.web.web_settlement_function:
        # Deployed: the settlement function does it (its timeout, its fan-out), as
        # docs/operations.md has an operator invoke it by hand.
        runtime.client("lambda").invoke(
            FunctionName=runtime.settings.web.web_settlement_function,
            InvocationType="Event",
            Payload=json.dumps({"date": date}).encode(),
        )
        outcome = {"date": date, "status": "invoked"}
    else:
        outcome = settle_or_fan_out(
            runtime.ledger,
            date,
            queue=runtime.queue,
            starter=runtime.starter,
            policy=runtime.fanout_policy,
        )
    web.audit(signed.session, "settlement_run", date, str(outcome.get("status", "ok")))
    return settlements(
        web, signed, outcome=json.dumps(outcome, ensure_ascii=False, sort_keys=True, indent=1)
    )


def payouts(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    store = web.runtime.ledger.store
    rows = []
    for date in _recent_dates(web, RUN_DAYS):
        batch = store.payout_batch(date)
        if batch is None:
            continue
        claims = store.payout_claims(date)
        rows.append(
            {
                "date": date,
                "status": batch.status,
                "requests": len(claims),
                "net": sum(claim.net for claim in claims),
                "csv": f"/console/payouts/{date}/csv",
            }
        )
    context = _context(web, signed, "payouts", i18n.t(language, "console.payouts"), batches=rows)
    return web.page("console/payouts.html", context)


def payout_csv(web: Web, signed: Signed, date: str) -> Response[Any]:
    store = web.runtime.ledger.store
    batch = store.payout_batch(date) if len(date) == 10 else None
    if batch is None:
        return web.error(404, signed.language, "console", "error.not_found")
    report = render_report(PayoutBatch(date, batch.cutoff_us, tuple(store.payout_claims(date))))
    body = report.decode("utf-8")  # text, so the API does not base64 it
    web.audit(signed.session, "payout_csv", date, "ok")
    return Response(
        200,
        "text/csv; charset=utf-8",
        body,
        {
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="payouts-{date}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- plans, merchants, audit ---------------------------------------------------------------


def plans(web: Web, signed: Signed) -> Response[str]:
    """The plan in force; plan versions slot in here once their port exists (issue 11)."""
    from functions.plans import plan_file

    language = signed.language
    path = plan_file(web.runtime.settings.plan.plan_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    context = _context(
        web,
        signed,
        "plans",
        i18n.t(language, "console.plans"),
        plan_name=web.runtime.plan.name,
        plan_path=path.name,
        plan_text=text,
    )
    return web.page("console/plans.html", context)


def merchants(web: Web, signed: Signed) -> Response[str]:
    from functions.handlers.merchant_api import merchant_directory
    from functions.services.merchant import MerchantConfigError

    language = signed.language
    plan = web.runtime.plan
    bounds = (
        i18n.t(
            language,
            "merchants.bounds",
            low=format_rate(plan.merchant.min_rebate),
            high=format_rate(plan.merchant.max_rebate),
        )
        if plan.merchant is not None
        else i18n.t(language, "merchants.no_section")
    )
    rows = []
    try:
        directory = merchant_directory(web.runtime)
    except MerchantConfigError:
        directory = None
    except Exception:  # SSM unreachable or no configuration: show the bounds alone
        directory = None
    if directory is not None:
        for name, merchant in sorted(directory.merchants.items()):
            rows.append(
                {
                    "name": name,
                    "key": mask_key(merchant.key.decode("utf-8", "replace")),
                    "rebate": format_rate(merchant.rebate),
                    "status": i18n.t(language, "merchants.active"),
                }
            )
        for name, refused in sorted(directory.refused.items()):
            rows.append({"name": name, "key": "—", "rebate": "—", "status": refused.reason})
    context = _context(
        web,
        signed,
        "merchants",
        i18n.t(language, "console.merchants"),
        bounds=bounds,
        merchants=rows,
    )
    return web.page("console/merchants.html", context)


def audit(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    before = web.query("before")
    actions = web.runtime.stores.web.actions(limit=AUDIT_PAGE, before=before or None)
    rows = [
        {
            "at": action.at,
            "operator": action.operator,
            "action": action.action,
            "target": action.target,
            "outcome": action.outcome,
            "detail": action.detail if action.detail != "{}" else "",
        }
        for action in actions
    ]
    older = action_cursor(actions[-1]) if len(actions) == AUDIT_PAGE else None
    context = _context(
        web,
        signed,
        "audit",
        i18n.t(language, "console.audit"),
        actions=rows,
        older=f"/console/audit?before={quote(older, safe='')}" if older else None,
    )
    return web.page("console/audit.html", context)


# -- sign-in ----------------------------------------------------------------------------------


def login_callback(web: Web) -> Response[str]:
    """The Login Widget's redirect: fields in the query, signed with the bot token."""
    language = web.language()
    token = web.bot_token()
    if token is None:
        return web.error(503, language, "console", "login.unconfigured")
    given = {key: str(value) for key, value in (web.event.query_string_parameters or {}).items()}
    max_age = web.runtime.settings.web.web_login_max_age_s
    try:
        identity = check_login(given, token, now_s=web.now_s(), max_age_s=max_age)
        if identity.telegram_id not in web.admin_ids():
            raise AuthError("not_admin", "not an operator")
        value, session = web.open_session(
            identity, Audience.OPERATOR, in_telegram=False, max_age_s=max_age
        )
    except AuthError as refused:
        return web.error(
            401 if refused.code != "not_admin" else 403,
            language,
            "console",
            f"signin.{refused.code}",
        )
    web.audit(session, "sign_in", "browser", "ok")
    return web.redirect("/console", [web.session_cookie(Audience.OPERATOR, value, framed=False)])


def mini_app_session(web: Web) -> Response[str]:
    """An operator's Mini App: ``initData`` of an admin id → an operator session."""
    language = web.language()
    token = web.bot_token()
    if token is None:
        return web.json(503, {"error": {"code": "unavailable", "message": "no bot token"}})
    max_age = web.runtime.settings.web.web_init_data_max_age_s
    try:
        identity = check_init_data(
            web.field("init_data"), token, now_s=web.now_s(), max_age_s=max_age
        )
        if identity.telegram_id not in web.admin_ids():
            raise AuthError("not_admin", "not an operator")
        value, session = web.open_session(
            identity, Audience.OPERATOR, in_telegram=True, max_age_s=max_age
        )
    except AuthError as refused:
        status = 403 if refused.code == "not_admin" else 401
        message = i18n.t(language, f"signin.{refused.code}")
        return web.json(status, {"error": {"code": refused.code, "message": message}})
    web.audit(session, "sign_in", "mini_app", "ok")
    return web.json(
        200, {"ok": True}, cookies=[web.session_cookie(Audience.OPERATOR, value, framed=True)]
    )


def logout(web: Web, signed: Signed) -> Response[str]:
    web.audit(signed.session, "sign_out", "", "ok")
    return web.redirect("/console/login", [web.cleared_cookie(Audience.OPERATOR)])


def register(web: Web) -> None:
    web.route("/console/login/telegram", "GET")(lambda: login_callback(web))
    web.route("/console/session", "POST")(lambda: mini_app_session(web))

    @web.route("/console/login", "GET")
    def login() -> Response[str]:
        session = web.read_session(Audience.OPERATOR)
        if session is not None and session.telegram_id in web.admin_ids():
            return web.redirect("/console")
        return signin_page(web, web.language(session), 200)

    pages: list[tuple[str, str, Callable[..., Response[Any]]]] = [
        (
            "/console",
            "GET",
            lambda web, signed: web.page(
                "console/dashboard.html", dashboard_context(web, signed.language, signed=signed)
            ),
        ),
        ("/console/logout", "POST", logout),
        ("/console/members", "GET", search),
        ("/console/members/<member>", "GET", member_page),
        ("/console/members/<member>/freeze", "POST", freeze),
        ("/console/members/<member>/adjust/preview", "POST", adjust_preview),
        ("/console/members/<member>/adjust", "POST", adjust),
        ("/console/withdrawals", "GET", lambda web, signed: queue(web, signed)),
        ("/console/withdrawals/approve", "POST", bulk_approve),
        ("/console/withdrawals/<request_id>/reject", "GET", reject_form),
        ("/console/withdrawals/<request_id>/reject", "POST", reject),
        ("/console/settlements", "GET", lambda web, signed: settlements(web, signed)),
        ("/console/settlements/<date>/run", "POST", run_date),
        ("/console/payouts", "GET", payouts),
        ("/console/payouts/<date>/csv", "GET", payout_csv),
        ("/console/plans", "GET", plans),
        ("/console/merchants", "GET", merchants),
        ("/console/audit", "GET", audit),
    ]
    OPERATOR_ROUTES.clear()
    for rule, method, view in pages:
        OPERATOR_ROUTES.append((method, rule))
        operator_page(web, rule, method)(
            lambda signed, view=view, **params: view(web, signed, **params)
        )
