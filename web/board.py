"""The public board: reserve, circulating points, the price step by step, monthly reports.

No session and no personal data: every figure is a platform total or a daily aggregate
(:mod:`functions.services.dashboard`). Pages are cacheable for five minutes, and the
API throttles the route (template.yaml).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from aws_lambda_powertools.event_handler import Response

from functions.services import dashboard

from . import i18n
from .app import NavItem, Web
from .charts import Series, line_chart

CACHE = "public, max-age=300"


def nav(language: str, current: str) -> list[NavItem]:
    return [
        NavItem("/board", i18n.t(language, "nav.board"), current == "board"),
    ]


def _exact(value: Any) -> str:
    """An exact price as decimal text: cut at 6 places, marked when it does not end there."""
    numerator, denominator = value.numerator, value.denominator
    whole, rest = divmod(numerator, denominator)
    digits = []
    for _ in range(6):
        rest *= 10
        digit, rest = divmod(rest, denominator)
        digits.append(str(digit))
    return f"{whole}.{''.join(digits)}" + ("…" if rest else "")


def price_lines(language: str, steps: dashboard.PriceSteps) -> list[str]:
    t = i18n.t
    if steps.mode != "reserve":
        price = steps.price_cents if steps.price_cents is not None else 0
        return [t(language, "board.step_fixed", price=price)]
    lines = [
        t(language, "board.step_reserve_1", reserve=steps.reserve),
        t(language, "board.step_reserve_2", circulating=steps.circulating),
    ]
    if steps.price is None or steps.price_cents is None:
        return [*lines, t(language, "board.no_price")]
    return [
        *lines,
        t(
            language,
            "board.step_reserve_3",
            reserve=steps.reserve,
            circulating=steps.circulating,
            exact=_exact(steps.price),
        ),
        t(language, "board.step_reserve_4", price=steps.price_cents),
    ]


def board_context(web: Web, language: str) -> dict[str, Any]:
    """The board page's context (also rendered to a file by ``make demo``)."""
    runtime = web.runtime
    found = dashboard.board(runtime.ledger.store, runtime.plan)
    labels = [aggregate.date[5:] for aggregate in found.history]
    prices = [
        None if (price := dashboard.price_of(aggregate)) is None else math.floor(price * 100)
        for aggregate in found.history
    ]
    chart = line_chart(
        i18n.t(language, "board.price_history"),
        labels,
        [Series(i18n.t(language, "board.price"), prices, "s1")],
        fmt=lambda cents: "¥" + i18n.money(cents),
        table_caption=i18n.t(language, "chart.table"),
        empty=i18n.t(language, "board.chart_empty"),
    )
    pools = [
        (i18n.t(language, f"program.{name}"), i18n.money(value))
        for name, value in sorted(found.programs.items())
        if isinstance(value, int) and not isinstance(value, bool)
    ]
    return web.context(
        language=language,
        surface="board",
        title=i18n.t(language, "board.title"),
        nav=nav(language, "board"),
        steps=found.steps,
        price_lines=price_lines(language, found.steps),
        price_chart=chart,
        last_settled=found.last_settled,
        months=found.months,
        pools=pools,
        plan=found.plan,
        report_href=lambda month: f"/board/reports/{month}",
        report_csv_href=lambda month: f"/board/reports/{month}.csv",
    )


def report_csv(report: dashboard.PoolReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (
            "month",
            "first_date",
            "last_date",
            "opening",
            "inflows",
            "withdrawals",
            "closing",
            "fees_kept",
            "paid_out",
        )
    )
    writer.writerow(
        (
            report.month,
            report.first_date,
            report.last_date,
            i18n.money(report.opening).replace(",", ""),
            i18n.money(report.inflows).replace(",", ""),
            i18n.money(report.withdrawals).replace(",", ""),
            i18n.money(report.closing).replace(",", ""),
            i18n.money(report.fees_kept).replace(",", ""),
            i18n.money(report.paid_out).replace(",", ""),
        )
    )
    return out.getvalue()


def register(web: Web) -> None:
    @web.route("/board", "GET")
    def board_page() -> Response[str]:
        language = web.language()
        return web.page("board/board.html", board_context(web, language), cache=CACHE)

    @web.route("/board/reports/<month>", "GET")
    def report_page(month: str) -> Response[str]:
        language = web.language()
        wants_csv = month.endswith(".csv")
        chosen = dashboard.valid_month(month.removesuffix(".csv"))
        if chosen is None:
            return web.error(404, language, "board", "error.not_found")
        report = dashboard.pool_report(web.runtime.ledger.store, chosen)
        if wants_csv:
            if report is None:
                return web.error(404, language, "board", "board.no_report")
            headers = {
                "Cache-Control": CACHE,
                "Content-Disposition": f'attachment; filename="pool-{chosen}.csv"',
                "X-Content-Type-Options": "nosniff",
            }
            return Response(200, "text/csv; charset=utf-8", report_csv(report), headers)
        context = web.context(
            language=language,
            surface="board",
            title=i18n.t(language, "board.report_title", month=chosen),
            nav=nav(language, "report"),
            report=report,
            csv_href=f"/board/reports/{chosen}.csv",
            board_href="/board",
        )
        return web.page("board/report.html", context, cache=CACHE, status=200 if report else 404)
