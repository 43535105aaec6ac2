"""The console's member pages: search, a member's balances, network and journal, freeze, adjust.

Adjustments are two steps (a preview, then a confirm with a fresh idempotency key) and
name the operator in the journal.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.ledger import Bucket
from functions.rewards.money import Cents, format_cents, parse_cents
from functions.store.journal import GENESIS, chain_problems, decode_postings
from functions.store.ports import LedgerPort
from functions.store.records import (
    JournalEntry,
    MemberRecord,
)

from . import i18n
from .app import Page, Signed, Web
from .console_common import (
    CHILDREN_PAGE,
    JOURNAL_PAGE,
    KEY_BYTES,
    NAME_RESULTS,
    fresh_key,
    mask_phone,
    operator_of,
    page_context,
    problem_text,
)


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


@dataclass(frozen=True, slots=True)
class JournalPage:
    """One page of a member's journal, and what verifying its segment of the chain found."""

    shown: list[JournalEntry]
    """Newest first, at most :data:`JOURNAL_PAGE`."""
    first_checked: int
    last_checked: int
    problems: list[str]


def journal_page(store: LedgerPort, record: MemberRecord, before_seq: int | None) -> JournalPage:
    """The page of entries below ``before_seq`` (the newest without it), its chain verified.

    One read: the page, the entry below it (the anchor its oldest entry must point at)
    and, on an older page, the entry above it (which must point at its newest). Every
    entry read has its keyed hash checked and each is linked to the one before, so
    neighbouring pages overlap by one entry and together verify the whole chain; the
    newest page also ends at the member's head. A page costs the same whatever the
    length of the journal.
    """
    above = 1 if before_seq is not None else 0
    read = store.journal_page(
        record.member,
        limit=JOURNAL_PAGE + 1 + above,
        before_seq=before_seq + 1 if before_seq is not None else None,
        consistent=True,
    )
    ascending = list(reversed(read))
    if not ascending:
        return JournalPage([], 0, 0, [] if before_seq else ["no journal entry was found"])
    oldest = ascending[0]
    previous, first = (GENESIS, 1) if oldest.seq == 1 else (oldest.prev_hash, oldest.seq)
    found = [
        problem.detail
        for problem in chain_problems(
            [_entry_map(entry) for entry in ascending],
            store.keyring,
            previous=previous,
            first=first,
        )
    ]
    newest = ascending[-1]
    if before_seq is None and (
        newest.hash != record.journal_head or newest.seq != record.journal_seq
    ):
        found.append(f"entry {newest.seq}: the member's chain head does not match it")
    if before_seq is not None and newest.seq != before_seq:
        found.append(f"entry {before_seq} was not found")
    candidates = [e for e in read if before_seq is None or e.seq < before_seq]
    return JournalPage(candidates[:JOURNAL_PAGE], oldest.seq, newest.seq, found)


def _entry_map(entry: JournalEntry) -> dict[str, object]:
    return {
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


def member_page(
    web: Web, signed: Signed, member: str, *, notice: str | None = None, problem: str | None = None
) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    record = found
    language = signed.language
    store = web.runtime.ledger.store
    before = web.query("before")
    before_seq = int(before) if before and before.isdigit() and len(before) < 13 else None
    page = journal_page(store, record, before_seq)
    chain_ok = not page.problems
    if chain_ok:
        chain_text = i18n.t(
            language,
            "member.chain_page_ok",
            first=page.first_checked,
            last=page.last_checked,
            count=record.journal_seq,
        )
    else:
        chain_text = i18n.t(language, "member.chain_broken", problem=page.problems[0])
    shown = page.shown
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
    older_seq = shown[-1].seq if shown and shown[-1].seq > 1 else None
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
    context = page_context(
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
        newer=(
            None
            if before_seq is None
            else here
            if before_seq + JOURNAL_PAGE > record.journal_seq
            else f"{here}?before={before_seq + JOURNAL_PAGE}"
        ),
        older=f"{here}?before={older_seq}" if older_seq else None,
        freeze_action=f"{here}/freeze",
        adjust_action=f"{here}/adjust/preview",
        key=secrets.token_urlsafe(KEY_BYTES),
        notice=notice,
        problem=problem,
    )
    return web.page("console/member.html", context)


def freeze(web: Web, signed: Signed, member: str) -> Response[str]:
    found = _member_or_404(web, signed, member)
    if isinstance(found, Response):
        return found
    language = signed.language
    frozen = web.field("frozen") == "1"
    reason = web.field("reason")[:500]
    key = fresh_key(web, signed) or f"web:{operator_of(signed)}:{secrets.token_urlsafe(KEY_BYTES)}"
    action = "freeze" if frozen else "unfreeze"
    try:
        web.members.set_frozen(found, frozen, key, operator_of(signed))
    except Rejected as refused:
        web.audit(signed.session, action, member, refused.code.value, {"reason": reason})
        return member_page(web, signed, member, problem=problem_text(language, refused))
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
        return member_page(web, signed, member, problem=problem_text(language, refused))
    context = page_context(
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
    key = fresh_key(web, signed)
    detail: dict[str, object] = {"reason": reason}
    try:
        text = web.field("delta")
        if not text.lstrip("-").isdigit() or key is None:
            raise Rejected(RejectCode.INVALID_EVENT, "the form is incomplete")
        delta = int(text)
        detail["delta"] = format_cents(delta)
        web.members.adjust(found, delta, reason, key, operator_of(signed))
    except Rejected as refused:
        web.audit(signed.session, "adjust", member, refused.code.value, detail)
        return member_page(web, signed, member, problem=problem_text(language, refused))
    web.audit(signed.session, "adjust", member, "ok", detail)
    return member_page(web, signed, member, notice=i18n.t(language, "member.adjusted", delta=delta))


def search(web: Web, signed: Signed) -> Response[str]:
    language = signed.language
    query = (web.query("q") or "").strip()[:128]
    found = web.members.find(query) if query else None
    if found is not None:
        return web.redirect(f"/console/members/{found.member}")
    named = web.members.find_by_name(query, limit=NAME_RESULTS) if query else []
    matches = [
        {
            "href": f"/console/members/{record.member}",
            "name": record.display_name or record.member,
            "member": record.member,
            "username": f"@{record.username}" if record.username else "",
            "phone": mask_phone(record.phone),
            "joined_at": record.joined_at,
        }
        for record in named
    ]
    context = page_context(
        web,
        signed,
        "members",
        i18n.t(language, "console.members"),
        query=query,
        found=None,
        found_href=None,
        found_label=None,
        matches=matches,
        more=len(matches) >= NAME_RESULTS,
    )
    return web.page("console/members.html", context, status=404 if query and not matches else 200)


PAGES: list[tuple[str, str, Page]] = [
    ("/console/members", "GET", search),
    ("/console/members/<member>", "GET", member_page),
    ("/console/members/<member>/freeze", "POST", freeze),
    ("/console/members/<member>/adjust/preview", "POST", adjust_preview),
    ("/console/members/<member>/adjust", "POST", adjust),
]
"""Registered by :func:`web.console.register` behind the operator guard."""
