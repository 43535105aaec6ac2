"""Proof of liabilities on the web: the board's history of roots, the verifiers, "My proof".

* ``/board/proofs``: the published days, newest first (date, root, totals, member count,
  solvency), a window of dates read in one batch from the days' headers
  (:func:`~functions.services.proofs.daily.published_days`), never the index;
* ``/board/proofs/<date>.json``: that day's record, the exact bytes the header keeps
  (``jifen verify`` checks they are the bytes published in the locked bucket);
* ``/board/verify``: how to check a proof, the standalone verifier
  (``verifier/jifen_proof_verify.py``, served as it is) and the same check in the page
  (``web/static/verify.js``, a port of it: no outside script, the browser's own SHA-256);
* ``/app/proof``: a member's proof, the JSON the bot's ``/proof`` sends, with its summary.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response

from bot import texts as bot_texts
from functions.proofs.documents import FIELDS
from functions.proofs.encoding import ProofError
from functions.services.proofs.daily import published_days
from functions.store.proof_store import ProofDay

from . import i18n
from .app import Signed, Web

HISTORY_WINDOW = 30
"""Dates per page of the history (one batch read of at most this many headers)."""
VERIFIER = Path(__file__).resolve().parent.parent / "verifier" / "jifen_proof_verify.py"
VERIFIER_NAME = VERIFIER.name
RECORD_CACHE = "public, max-age=86400, immutable"
"""A published record never changes (write-once in the bucket, one header per day)."""


@dataclass(frozen=True, slots=True)
class RootRow:
    date: str
    root: str
    journal_root: str
    members: int
    points: int
    cash: int
    valuation: str
    ratio: str | None
    holds: bool | None
    href: str


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def root_row(day: ProofDay) -> RootRow:
    record: dict[str, Any] = json.loads(day.record)
    totals = record.get("totals") or {}
    solvency = record.get("solvency") or {}
    ratio = solvency.get("ratio")
    holds = solvency.get("holds")
    return RootRow(
        date=day.date,
        root=day.root,
        journal_root=day.journal_root,
        members=day.members,
        points=_int(totals.get("points")),
        cash=_int(totals.get("cash")),
        valuation=str(solvency.get("valuation") or "—"),
        ratio=ratio if isinstance(ratio, str) else None,
        holds=holds if isinstance(holds, bool) else None,
        href=f"/board/proofs/{day.date}.json",
    )


def _valid_date(text: str) -> str | None:
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def history_page(web: Web) -> Response[str]:
    from .board import CACHE, nav

    language = web.language()
    before = _valid_date(web.query("before") or "")
    days = published_days(web.runtime.stores.proofs, before=before, window=HISTORY_WINDOW)
    rows = [root_row(day) for day in days]
    # the window read: HISTORY_WINDOW dates ending the day before ``before``, or at the
    # newest published day; "older" offers the window below it while this one had a day
    last = (
        dt.date.fromisoformat(before) - dt.timedelta(days=1)
        if before
        else dt.date.fromisoformat(rows[0].date)
        if rows
        else None
    )
    window_start = (
        (last - dt.timedelta(days=HISTORY_WINDOW - 1)).isoformat() if last is not None else None
    )
    context = web.context(
        language=language,
        surface="board",
        title=i18n.t(language, "proofs.title"),
        nav=nav(language, "proofs"),
        rows=rows,
        fields=[name for name, _ in FIELDS],
        newer="/board/proofs" if before else None,
        older=f"/board/proofs?before={window_start}" if rows and window_start else None,
        verify_href="/board/verify",
    )
    return web.page("board/proofs.html", context, cache=CACHE)


def record_file(web: Web, name: str) -> Response[Any]:
    """A day's published record, byte for byte (``<date>.json``)."""
    language = web.language()
    date = _valid_date(name.removesuffix(".json")) if name.endswith(".json") else None
    found = web.runtime.stores.proofs.proof_day(date) if date else None
    if found is None or not found.published:
        return web.error(404, language, "board", "proofs.no_record")
    return Response(
        200,
        "application/json",
        found.record,
        {
            "Cache-Control": RECORD_CACHE,
            "Content-Disposition": f'inline; filename="proof-of-liabilities-{found.date}.json"',
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*",
        },
    )


def verifier_file(web: Web) -> Response[Any]:
    """The standalone verifier, exactly the file in the repository (plain Python)."""
    from .board import CACHE

    return Response(
        200,
        "text/plain; charset=utf-8",
        VERIFIER.read_text(encoding="utf-8"),
        {
            "Cache-Control": CACHE,
            "Content-Disposition": f'inline; filename="{VERIFIER_NAME}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def verify_page(web: Web) -> Response[str]:
    from .board import CACHE, nav

    language = web.language()
    context = web.context(
        language=language,
        surface="board",
        title=i18n.t(language, "verify.title"),
        nav=nav(language, "verify"),
        verifier_href=f"/board/verify/{VERIFIER_NAME}",
        verifier_name=VERIFIER_NAME,
        proofs_href="/board/proofs",
    )
    return web.page("board/verify.html", context, cache=CACHE)


# -- the member's own proof ------------------------------------------------------------------


def my_proof(web: Web, signed: Signed) -> Response[str]:
    from .member_common import page_context

    member = signed.member
    assert member is not None
    language = signed.language
    service = web.runtime.proofs
    summary = problem = None
    download = document = None
    try:
        found = service.member_proof(member.member)
        latest = None if found else service.proofs.latest_proof_date()
    except ProofError:
        found, latest, problem = None, None, bot_texts.t(language, "proof.unavailable")
    if found is not None:
        summary = bot_texts.t(
            language,
            "proof.summary",
            points=found.points,
            total=found.points_total,
            date=found.date,
        )
        download = "/app/proof/" + found.filename
        document = found.document.decode("utf-8")
    elif problem is None:
        key = "proof.not_included" if latest else "proof.none"
        problem = bot_texts.t(language, key, date=latest or "")
    context = page_context(
        web,
        signed,
        "proof",
        "app.proof",
        summary=summary,
        how=bot_texts.t(language, "proof.how"),
        download=download,
        filename=found.filename if found else None,
        document=document,
        verify_href="/board/verify",
        record_href=f"/board/proofs/{found.date}.json" if found else None,
        missing=problem,
    )
    return web.page("app/proof.html", context)


def my_proof_file(web: Web, signed: Signed, name: str) -> Response[Any]:
    member = signed.member
    assert member is not None
    try:
        found = web.runtime.proofs.member_proof(member.member)
    except ProofError:
        found = None
    if found is None or name != found.filename:
        return web.error(404, signed.language, "app", "error.not_found")
    return Response(
        200,
        "application/json",
        found.document.decode("utf-8"),
        {
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def register_board(web: Web) -> None:
    web.route("/board/proofs", "GET")(lambda: history_page(web))
    web.route("/board/proofs/<name>", "GET")(lambda name: record_file(web, name))
    web.route("/board/verify", "GET")(lambda: verify_page(web))
    web.route(f"/board/verify/{VERIFIER_NAME}", "GET")(lambda: verifier_file(web))
