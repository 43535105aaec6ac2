"""Plan versions in the console: list, show, diff, check, dry run and a two-step publish.

Every step is a use case the CLI (``jifen plan``) and the bot's ``/publish_plan`` already
use, so there is one model of a publication: :class:`PlanPublisher` reviews a candidate
(effective date, the plan check, what changes) and keeps it as a draft for its operator;
publishing confirms that draft (reviewed again: the head or the settlement may have moved
meanwhile). Errors block; warnings need the operator to tick their acknowledgement on the
preview, checked again on the confirm. The dry run is the engine's
(:func:`~functions.rewards.simulation.compare`) on the table's state, as
``jifen plan diff --from-table`` runs it, bounded so a request stays fast: at most
:data:`DRY_RUN_MAX_DAYS` days, no assumed purchases, and only while the membership is at
most :data:`DRY_RUN_MAX_MEMBERS` (the listing stops being read there; beyond, the page
names the CLI command to run instead).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import yaml
from aws_lambda_powertools.event_handler import Response

from functions.rewards.comparison import Comparison, compare
from functions.rewards.errors import Rejected
from functions.rewards.events import valid_date
from functions.rewards.plan import Plan, load_plan_text
from functions.rewards.plan_changes import plan_changes
from functions.rewards.plan_check import check_plan, check_plan_text
from functions.rewards.plan_findings import CheckLimits, Finding, Severity
from functions.rewards.simulation import NO_PURCHASES
from functions.rewards.versions import next_day
from functions.services.plan_dry_run import StateTooLarge, state_from_store
from functions.services.plan_versions import Review
from functions.store.records import PlanVersionRecord

from . import i18n
from .app import Signed, Web, operator_name
from .console_common import page_context

DRY_RUN_MAX_DAYS = 14
DRY_RUN_DEFAULT_DAYS = 7
DRY_RUN_MAX_MEMBERS = 5_000
"""Above this the console refuses the dry run and names ``jifen plan diff`` (measured on
the in-memory table: 4,991 members without open grants, 14 days, both plans and the
check: 0.2 s, and 0.2 s to read them; grants cost more, so the bound leaves room within
the web function's 29 s)."""
TOP = 10
PLAN_TEXT_MAX = 60_000


def _operator(signed: Signed) -> str:
    return operator_name(signed.session.telegram_id)


def plan_yaml(text: str) -> str:
    """A stored version (canonical JSON) as the YAML operators edit (``jifen plan show``)."""
    return str(yaml.safe_dump(json.loads(text), sort_keys=False, allow_unicode=True))


def _since(language: str, record: PlanVersionRecord) -> str:
    return record.effective_from or i18n.t(language, "plans.from_start")


def _findings(language: str, findings: list[Finding] | tuple[Finding, ...]) -> list[dict[str, str]]:
    return [
        {
            "severity": finding.severity.value,
            "severity_label": i18n.t(language, f"plans.severity.{finding.severity.value}"),
            "code": finding.code,
            "key": finding.key,
            "message": finding.message,
        }
        for finding in findings
    ]


def _changes(changes: list[tuple[str, str, str]] | tuple[tuple[str, str, str], ...]) -> list[Any]:
    return [{"key": key, "before": before, "after": after} for key, before, after in changes]


def _candidate(web: Web) -> str:
    return web.field("plan")[:PLAN_TEXT_MAX]


def _days(web: Web) -> int:
    text = web.field("days")
    days = int(text) if text.isdigit() and len(text) < 4 else DRY_RUN_DEFAULT_DAYS
    return max(1, min(DRY_RUN_MAX_DAYS, days))


def _tomorrow(web: Web) -> str:
    today = dt.date.fromisoformat(web.runtime.plan_publisher.today())
    return (today + dt.timedelta(days=1)).isoformat()


def plans(
    web: Web,
    signed: Signed,
    *,
    candidate: str | None = None,
    effective_from: str | None = None,
    reason: str = "",
    days: int = DRY_RUN_DEFAULT_DAYS,
    result: dict[str, Any] | None = None,
    notice: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response[str]:
    """The versions, newest first, and the candidate form (with a check or dry run's result)."""
    language = signed.language
    publisher = web.runtime.plan_publisher
    records = publisher.versions()
    in_effect = publisher.in_effect().number
    latest = records[-1]
    rows = [
        {
            "version": record.version,
            "name": record.name,
            "since": _since(language, record),
            "operator": record.operator,
            "reason": record.reason or "—",
            "published_at": record.published_at,
            "in_effect": record.version == in_effect,
            "href": f"/console/plans/versions/{record.version}",
        }
        for record in reversed(records)
    ]
    context = page_context(
        web,
        signed,
        "plans",
        i18n.t(language, "console.plans"),
        versions=rows,
        in_effect=in_effect,
        latest=latest.version,
        numbers=[record.version for record in reversed(records)],
        candidate=candidate if candidate is not None else plan_yaml(latest.text),
        effective_from=effective_from or _tomorrow(web),
        reason=reason,
        days=days,
        max_days=DRY_RUN_MAX_DAYS,
        max_members=DRY_RUN_MAX_MEMBERS,
        result=result,
        notice=notice,
        problem=problem,
    )
    return web.page("console/plans.html", context, status=status)


def version_page(web: Web, signed: Signed, version: str) -> Response[str]:
    language = signed.language
    publisher = web.runtime.plan_publisher
    try:
        record = publisher.version(int(version) if version.isdigit() and len(version) < 7 else 0)
    except Rejected:
        return web.error(404, language, "console", "plans.unknown_version")
    previous = record.version - 1 if record.version > 1 else None
    context = page_context(
        web,
        signed,
        "plans",
        i18n.t(language, "plans.version_title", version=record.version, name=record.name),
        record=record,
        since=_since(language, record),
        in_effect=publisher.in_effect().number == record.version,
        text=plan_yaml(record.text),
        diff_href=(
            f"/console/plans/diff?{urlencode({'from': previous, 'to': record.version})}"
            if previous
            else None
        ),
    )
    return web.page("console/plan_version.html", context)


def diff_page(web: Web, signed: Signed) -> Response[str]:
    """What changes from one stored version to another, parameter by parameter."""
    language = signed.language
    publisher = web.runtime.plan_publisher
    picked = []
    for name in ("from", "to"):
        text = web.query(name) or ""
        picked.append(int(text) if text.isdigit() and len(text) < 7 else 0)
    try:
        before, after = (publisher.version(number) for number in picked)
    except Rejected:
        return web.error(404, language, "console", "plans.unknown_version")
    changes = plan_changes(load_plan_text(before.text), load_plan_text(after.text))
    context = page_context(
        web,
        signed,
        "plans",
        i18n.t(language, "plans.diff_title", before=before.version, after=after.version),
        before=before,
        after=after,
        changes=_changes(changes),
    )
    return web.page("console/plan_diff.html", context)


def check(web: Web, signed: Signed) -> Response[str]:
    """The plan check's findings for the candidate (structural: what a publication reviews)."""
    language = signed.language
    text = _candidate(web)
    plan, findings = check_plan_text(text)
    result = {
        "kind": "check",
        "loaded": plan is not None,
        "findings": _findings(language, findings),
        "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
    }
    web.audit(signed.session, "plan_check", plan.name if plan else "-", "ok")
    return plans(
        web,
        signed,
        candidate=text,
        effective_from=web.field("effective_from") or None,
        reason=web.field("reason"),
        days=_days(web),
        result=result,
    )


def _dry_run_result(
    web: Web, language: str, current: Plan, number: int, candidate: Plan, days: int
) -> dict[str, Any]:
    runtime = web.runtime
    state = state_from_store(
        runtime.ledger.store,
        now_us=runtime.clock(),
        zone=runtime.zone,
        with_orders=False,
        max_members=DRY_RUN_MAX_MEMBERS,
    )
    start = next_day(state.last_settled) if state.last_settled else runtime.plan_publisher.today()
    comparison: Comparison = compare(
        current, candidate, state, days, NO_PURCHASES, start=start, top=TOP
    )
    report = comparison.as_json()
    findings = check_plan(candidate, state=state, limits=CheckLimits(days=days))
    return {
        "kind": "dry_run",
        "current": number,
        "start": start,
        "days": report["days"],
        "members": report["members"],
        "gain": report["gain"],
        "lose": report["lose"],
        "unchanged": report["unchanged"],
        "refused": report["refused_purchases"],
        "most_affected": [
            {**row, "href": f"/console/members/{row['member']}"} for row in report["most_affected"]
        ],
        "changes": _changes(plan_changes(current, candidate)),
        "findings": _findings(language, findings),
    }


def dry_run(web: Web, signed: Signed) -> Response[str]:
    """The next days simulated under the plan in effect and under the candidate."""
    language = signed.language
    text = _candidate(web)
    days = _days(web)
    keep: dict[str, Any] = {
        "candidate": text,
        "effective_from": web.field("effective_from") or None,
        "reason": web.field("reason"),
        "days": days,
    }
    candidate, findings = check_plan_text(text)
    if candidate is None:
        result = {"kind": "check", "loaded": False, "findings": _findings(language, findings)}
        return plans(web, signed, result=result, status=422, **keep)
    current = web.runtime.plan_publisher.in_effect()
    try:
        result = _dry_run_result(web, language, current.plan, current.number, candidate, days)
    except StateTooLarge as too_large:
        command = f"jifen plan diff current CANDIDATE.yaml --from-table --days {days}"
        problem = i18n.t(language, "plans.too_large", limit=too_large.limit, command=command)
        web.audit(signed.session, "plan_dry_run", candidate.name, "too_large")
        return plans(web, signed, problem=problem, status=422, **keep)
    web.audit(signed.session, "plan_dry_run", candidate.name, "ok", {"days": days})
    return plans(web, signed, result=result, **keep)


# -- publishing: preview (a draft), then confirm --------------------------------------------


def _preview_page(
    web: Web,
    signed: Signed,
    *,
    review: Review,
    reason: str,
    draft_id: str | None,
    problem: str | None = None,
    status: int = 200,
) -> Response[str]:
    language = signed.language
    assert review.plan is not None
    context = page_context(
        web,
        signed,
        "plans",
        i18n.t(language, "plans.preview_title", version=review.version, name=review.plan.name),
        version=review.version,
        base=review.version - 1,
        effective_from=review.effective_from,
        reason=reason,
        changes=_changes(review.changes),
        findings=_findings(language, review.findings),
        errors=len(review.errors),
        warnings=len(review.warnings),
        draft_id=draft_id,
        problem=problem,
    )
    return web.page("console/plan_preview.html", context, status=status)


def preview(web: Web, signed: Signed) -> Response[str]:
    """Step one: review the candidate as the next version and keep it as a draft."""
    language = signed.language
    text = _candidate(web)
    reason = web.field("reason")[:500]
    effective_from = web.field("effective_from")
    keep: dict[str, Any] = {
        "candidate": text,
        "effective_from": effective_from or None,
        "reason": reason,
        "days": _days(web),
    }
    publisher = web.runtime.plan_publisher
    try:
        valid_date(effective_from)
    except Rejected:
        return plans(web, signed, problem=i18n.t(language, "plans.bad_date"), status=422, **keep)
    if not reason:
        problem = i18n.t(language, "plans.reason_needed")
        return plans(web, signed, problem=problem, status=422, **keep)
    try:
        review = publisher.review(text, effective_from)
    except Rejected as refused:
        message = i18n.rejection(language, refused.code.value, refused.message)
        return plans(web, signed, problem=message, status=422, **keep)
    if review.plan is None:
        result = {
            "kind": "check",
            "loaded": False,
            "findings": _findings(language, review.findings),
        }
        return plans(web, signed, result=result, status=422, **keep)
    draft_id = None
    if not review.errors:
        draft_id = publisher.draft(review, reason=reason, operator=_operator(signed)).draft_id
    web.audit(
        signed.session,
        "plan_preview",
        f"v{review.version}",
        "blocked" if review.errors else "ok",
        {"effective_from": effective_from, "warnings": len(review.warnings)},
    )
    return _preview_page(web, signed, review=review, reason=reason, draft_id=draft_id, status=200)


def publish(web: Web, signed: Signed) -> Response[str]:
    """Step two: publish the operator's own draft (warnings ticked as read, errors never)."""
    language = signed.language
    draft_id = web.field("draft")
    publisher = web.runtime.plan_publisher
    operator = _operator(signed)
    draft = publisher.store.plan_draft(draft_id) if len(draft_id) == 16 else None
    if draft is None or draft.operator != operator:
        return plans(web, signed, problem=i18n.t(language, "plans.draft_expired"), status=404)
    acknowledged = web.field("acknowledge") == "yes"
    try:
        review = publisher.review(draft.text, draft.effective_from)
        if review.plan is not None and not review.errors and review.warnings and not acknowledged:
            return _preview_page(
                web,
                signed,
                review=review,
                reason=draft.reason,
                draft_id=draft_id,
                problem=i18n.t(language, "plans.acknowledge_needed"),
                status=422,
            )
        record = publisher.confirm(draft_id, operator=operator)
    except Rejected as refused:
        web.audit(signed.session, "plan_publish", draft_id, refused.code.value)
        message = i18n.rejection(language, refused.code.value, refused.message)
        return plans(web, signed, problem=message, status=409)
    web.audit(
        signed.session,
        "plan_publish",
        f"v{record.version}",
        "ok",
        {"effective_from": record.effective_from, "reason": record.reason},
    )
    notice = i18n.t(
        language,
        "plans.done",
        version=record.version,
        name=record.name,
        effective_from=_since(language, record),
    )
    return plans(web, signed, notice=notice)


def listing(web: Web, signed: Signed) -> Response[str]:
    return plans(web, signed)


PAGES: list[tuple[str, str, Callable[..., Response[Any]]]] = [
    ("/console/plans", "GET", listing),
    ("/console/plans/versions/<version>", "GET", version_page),
    ("/console/plans/diff", "GET", diff_page),
    ("/console/plans/check", "POST", check),
    ("/console/plans/dry-run", "POST", dry_run),
    ("/console/plans/preview", "POST", preview),
    ("/console/plans/publish", "POST", publish),
]
"""Registered by :func:`web.console.register` behind the operator guard."""
