"""The operators' console (后台): dashboard, members, withdrawals, runs, payouts, plans, audit.

Only ``JIFEN_ADMIN_IDS`` get in (checked on every request, so removing an id from the
list locks it out at once). Every action goes through the same use cases as the bot's
admin commands, names the operator (``tg:<id>``) in the journal, and adds a line to
the audit log (:class:`~functions.store.web_store.WebStore`). Changes that move money
or points are two steps: a preview, then a confirm with a fresh idempotency key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from functions.rewards.money import Cents, format_rate
from functions.services import dashboard
from functions.store.web_store import action_cursor

from . import i18n
from .app import Signed, Web
from .auth import Audience, AuthError, check_init_data, check_login
from .charts import Series, bar_chart, line_chart
from .console_common import (
    AUDIT_PAGE,
    OPERATOR_ROUTES,
    mask_key,
    operator_page,
    page_context,
    signin_page,
)

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
        return page_context(web, signed, "dashboard", title, **values)
    return web.context(language=language, surface="console", title=title, nav=[], csrf="", **values)


# -- merchants, audit (plan versions: web/console_plans.py) --------------------------------


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
    context = page_context(
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
    context = page_context(
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
    from . import console_members, console_money, console_plans

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
        *console_members.PAGES,
        *console_money.PAGES,
        *console_plans.PAGES,
        ("/console/merchants", "GET", merchants),
        ("/console/audit", "GET", audit),
    ]
    OPERATOR_ROUTES.clear()
    for rule, method, view in pages:
        OPERATOR_ROUTES.append((method, rule))
        operator_page(web, rule, method)(
            lambda signed, view=view, **params: view(web, signed, **params)
        )
