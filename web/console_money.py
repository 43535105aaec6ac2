"""The console's money pages: the withdrawal queue, settlement runs, payout batches.

Every action calls the same use cases as the bot's admin commands.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import Rejected
from functions.rewards.money import format_cents
from functions.services.daily_aggregates import record_daily_aggregate
from functions.services.payout_reports import PayoutBatch, render_report
from functions.store.records import (
    WithdrawalRecord,
    WithdrawalStatus,
)

from . import i18n
from .app import Page, Signed, Web
from .console_common import (
    QUEUE_PAGE,
    RUN_DAYS,
    mask_phone,
    operator_of,
    page_context,
    problem_text,
)


def _queue_rows(web: Web, requests: list[WithdrawalRecord], language: str) -> list[dict[str, Any]]:
    from bot.views import account_text

    owners = list(dict.fromkeys(r.member for r in requests))
    members = web.runtime.ledger.store.get_members(owners) if owners else {}
    accounts = web.runtime.bot_store.payout_accounts(owners)
    rows = []
    for request in requests:
        record = members.get(request.member)
        account = accounts.get(request.member)
        rows.append(
            {
                "request_id": request.request_id,
                "short": request.request_id[:8],
                "name": (record.display_name if record else None) or request.member,
                "member_href": f"/console/members/{request.member}",
                "phone": mask_phone(record.phone if record else None),
                "account": account_text(language, account) if account else "—",
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
    context = page_context(
        web,
        signed,
        "withdrawals",
        i18n.t(language, "console.withdrawals"),
        requests=_queue_rows(web, requests, language),
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
        context = page_context(
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
                request.request_id, approve=True, operator=operator_of(signed)
            )
        except Rejected as refused:
            web.audit(signed.session, "approve", request.request_id, refused.code.value)
            results.append(f"{request.request_id[:8]}: {problem_text(language, refused)}")
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
    context = page_context(
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
            request_id, approve=False, operator=operator_of(signed), reason=reason
        )
    except Rejected as refused:
        web.audit(signed.session, "reject", request_id, refused.code.value, {"reason": reason})
        return queue(web, signed, results=[problem_text(language, refused)])
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
    context = page_context(
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
    context = page_context(
        web, signed, "payouts", i18n.t(language, "console.payouts"), batches=rows
    )
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


PAGES: list[tuple[str, str, Page]] = [
    ("/console/withdrawals", "GET", lambda web, signed: queue(web, signed)),
    ("/console/withdrawals/approve", "POST", bulk_approve),
    ("/console/withdrawals/<request_id>/reject", "GET", reject_form),
    ("/console/withdrawals/<request_id>/reject", "POST", reject),
    ("/console/settlements", "GET", lambda web, signed: settlements(web, signed)),
    ("/console/settlements/<date>/run", "POST", run_date),
    ("/console/payouts", "GET", payouts),
    ("/console/payouts/<date>/csv", "GET", payout_csv),
]
"""Registered by :func:`web.console.register` behind the operator guard."""
