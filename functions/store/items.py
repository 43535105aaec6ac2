"""The single table's item kinds, keys and codecs: records in, items out (docs/storage.md).

Every item carries ``kind`` (one of :class:`Kind`), so an audit scan can ask for the
kinds it reads. Numbers are integers of hundredths or counts; codecs default a missing
counter to 0, so an ``ADD`` on an attribute never written before is exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum

from .journal import GENESIS
from .program_records import member_programs
from .records import (
    GrantRecord,
    InboxRef,
    JournalEntry,
    MemberRecord,
    WithdrawalRecord,
)
from .table import Item, Key, Value

SHARDS = 32
"""Member and system-total shards: spreads hot totals and parallelises listings."""


class Kind(StrEnum):
    """What an item is (its ``kind`` attribute)."""

    MEMBER = "member"
    ROSTER = "roster"
    """A member's place in the listing (``gsi1`` ``MEMBERS#<shard>``): written at join,
    never updated, so the member item's daily writes cost nothing in the index."""
    SYSTEM = "system"
    ORDER = "order"
    IDEMPOTENCY = "idempotency"
    JOURNAL = "journal"
    WITHDRAWAL = "withdrawal"
    SETTLEMENT_RUN = "settlement_run"
    SETTLEMENT_PAGE = "settlement_page"
    PAGE_APPLIED = "page_applied"
    SETTLEMENT_SEQUENCE = "settlement_sequence"
    REFERRAL = "referral"
    CLAIM = "claim"
    PAYOUT_BATCH = "payout_batch"
    PAYOUT_CLAIM = "payout_claim"
    # proof of liabilities (functions/store/proof_store.py)
    PROOF_DAY = "proof_day"
    PROOF_PAGE = "proof_page"
    PROOF_TOP = "proof_top"
    PROOF_LATEST = "proof_latest"
    PLAN_VERSION = "plan_version"
    PLAN_HEAD = "plan_head"
    PLAN_DRAFT = "plan_draft"
    INBOX = "inbox"
    # the web side (functions/store/aggregate_store.py, functions/store/web_store.py)
    DAILY_AGGREGATE = "daily_aggregate"
    WEB_CREDENTIAL = "web_credential"
    OPERATOR_ACTION = "operator_action"
    NAME_INDEX = "name_index"
    """A member's display name, for the console's search by name (bot_store.py)."""
    # engagement programs (issue 13; functions/store/program_store.py)
    LOTTERY_STATE = "lottery_state"
    LOTTERY_ENTRY = "lottery_entry"
    LOTTERY_MARK = "lottery_mark"
    CATALOG_ITEM = "catalog_item"
    CATALOG_CODE = "catalog_code"
    REDEMPTION = "redemption"
    REDEEMED_COUNT = "redeemed_count"
    MONTH_ACTIVITY = "month_activity"
    MONTH_RUN = "month_run"
    MONTH_PAGE = "month_page"
    MONTH_APPLIED = "month_applied"
    # settlement notifications' daily budget (issue 16; functions/store/notify_store.py)
    NOTIFY_BUDGET = "notify_budget"
    NOTIFY_PAGE = "notify_page"


NON_LEDGER_IDEMPOTENCY = (
    "tg-update:",
    "tg-visitor:",
    "tg-notice:",
    "tg-state:",
    "tg-payout:",
    "tg-username:",
    "notify:",
)
"""Key prefixes of the idempotency-shaped records that are not the ledger's (bot update
dedupe, visitors, member notices, conversation state, payout accounts and usernames in
bot_store.py, the notification log in ops_store.py)."""


# -- keys ---------------------------------------------------------------------------


def member_pk(member: str) -> str:
    return f"M#{member}"


def shard_of(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % SHARDS


def member_key(member: str) -> Key:
    return Key(member_pk(member), "ACCOUNT")


def roster_partition(shard: int) -> str:
    """The listing's ``gsi1pk`` of one shard: its members' roster items, in join order."""
    return f"MEMBERS#{shard:03d}"


def roster_key(member: str) -> Key:
    return Key(member_pk(member), ROSTER_SK)


ROSTER_SK = "ROSTER"


def roster_item(member: str, referrer: str | None, joined_at: int) -> Item:
    """A member's listing entry: who, under whom, when; indexed by shard in join order."""
    return keyed(
        roster_key(member),
        Kind.ROSTER,
        member=member,
        referrer=referrer,
        joined_at=joined_at,
        gsi1pk=roster_partition(shard_of(member)),
        gsi1sk=f"{joined_at:020d}#{member}",
    )


def journal_key(member: str, seq: int) -> Key:
    return Key(member_pk(member), f"J#{seq:012d}")


INBOX_PREFIX = "IN#"
INBOX_AMOUNTS = ("available", "locked", "withdrawing", "commission", "payable")
"""The member accounts a reference may carry (its member's net amounts in the entry)."""


def inbox_key(member: str, at: int, source: str, seq: int) -> Key:
    """``IN#<at:020d>#<source>#<seq:012d>`` under the touched member: newest last by time."""
    return Key(member_pk(member), f"{INBOX_PREFIX}{at:020d}#{source}#{seq:012d}")


def system_key(shard: int) -> Key:
    return Key(f"SYS#{shard:03d}", "TOTALS")


def order_key(order: str) -> Key:
    return Key(f"ORDER#{order}", "ORDER")


def idempotency_key(key: str) -> Key:
    return Key(f"IDEM#{key}", "IDEM")


def withdrawal_key(request_id: str) -> Key:
    return Key(f"W#{request_id}", "W")


def run_key(date: str) -> Key:
    return Key(f"SETTLE#{date}", "RUN")


def page_key(date: str, run_id: str, number: int) -> Key:
    return Key(f"SETTLE#{date}", f"PAGE#{run_id}#{number:06d}")


def applied_key(date: str, run_id: str, number: int) -> Key:
    return Key(f"SETTLE#{date}", f"APPLIED#{run_id}#{number:06d}")


SEQUENCE_KEY = Key("SETTLE#SEQ", "SEQ")
"""The settlement sequence item: which run was claimed last and whether it is done."""


def claim_key(claim: str) -> Key:
    """``PHONE#…``, ``TG#…``, ``INVITE#…``: a unique value one member owns."""
    return Key(claim, "CLAIM")


# proof of liabilities (functions/store/proof_store.py)


def proof_day_key(date: str) -> Key:
    return Key(f"PROOF#{date}", "DAY")


def proof_page_key(date: str, build_id: str, number: int) -> Key:
    return Key(f"PROOF#{date}", f"PAGE#{build_id}#{number:06d}")


def proof_top_key(date: str, build_id: str, number: int) -> Key:
    return Key(f"PROOF#{date}", f"TOP#{build_id}#{number:06d}")


PROOF_LATEST_KEY = Key("PROOF#LATEST", "LATEST")
"""Names the newest published day (what ``/proof`` serves)."""
PROOF_DAYS_INDEX = "PROOFS"
"""``gsi1pk`` of every day's header: the days in date order."""


def keyed(key: Key, kind: Kind, **attributes: Value) -> Item:
    """An item with its key and kind; ``None`` attributes are left out."""
    item: Item = {"pk": key.pk, "sk": key.sk, "kind": kind.value}
    item.update({name: value for name, value in attributes.items() if value is not None})
    return item


# -- reading attributes -------------------------------------------------------------


def where(item: Mapping[str, Value]) -> str:
    return f"{item.get('pk')!r} {item.get('sk')!r}"


def text(item: Mapping[str, Value], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{where(item)}: {name} is not text: {value!r}")
    return value


def optional_text(item: Mapping[str, Value], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def number(item: Mapping[str, Value], name: str, default: int = 0) -> int:
    value = item.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{where(item)}: {name} is not a number: {value!r}")
    return value


def optional_number(item: Mapping[str, Value], name: str) -> int | None:
    return None if item.get(name) is None else number(item, name)


# -- codecs -------------------------------------------------------------------------


def grant_maps(grants: tuple[GrantRecord, ...]) -> list[Value]:
    return [
        {
            "seq": grant.seq,
            "order": grant.order,
            "points": grant.points,
            "remaining": grant.remaining,
            "daily": grant.daily,
            # economics (issue 12): a staged grant's counter and schedule (absent: plain)
            **(
                {
                    "releases": grant.releases,
                    "schedule": [[days, daily] for days, daily in grant.schedule],
                }
                if grant.schedule is not None
                else {}
            ),
        }
        for grant in grants
    ]


def _schedule(entry: Mapping[str, Value]) -> tuple[tuple[int, int], ...] | None:
    """Economics (issue 12): a staged grant's schedule, None for a plain grant."""
    raw = entry.get("schedule")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ValueError(f"{where(entry)}: schedule is not a list")
    stages: list[tuple[int, int]] = []
    for stage in raw:
        if not isinstance(stage, list) or len(stage) != 2:
            raise ValueError(f"{where(entry)}: a stage is not [days, daily]")
        days, daily = stage
        if not isinstance(days, int) or not isinstance(daily, int):
            raise ValueError(f"{where(entry)}: a stage is not [days, daily]")
        stages.append((days, daily))
    return tuple(stages)


def grant_records(item: Mapping[str, Value]) -> tuple[GrantRecord, ...]:
    raw = item.get("grants") or []
    if not isinstance(raw, list):
        raise ValueError(f"{where(item)}: grants is not a list")
    grants: list[GrantRecord] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValueError(f"{where(item)}: a grant is not a map")
        grants.append(
            GrantRecord(
                number(entry, "seq"),
                text(entry, "order"),
                number(entry, "points"),
                number(entry, "remaining"),
                number(entry, "daily"),
                number(entry, "releases"),  # economics (issue 12)
                _schedule(entry),
            )
        )
    return tuple(grants)


def member_record(item: Mapping[str, Value]) -> MemberRecord:
    telegram_id = item.get("telegram_id")
    return MemberRecord(
        member=text(item, "member"),
        referrer=optional_text(item, "referrer"),
        joined_at=number(item, "joined_at"),
        frozen=item.get("frozen") is True,
        available=number(item, "available"),
        locked=number(item, "locked"),
        withdrawing=number(item, "withdrawing"),
        commission=number(item, "commission"),
        payable=number(item, "payable"),
        released=number(item, "released"),
        forfeited=number(item, "forfeited"),
        withdrawn_cash=number(item, "withdrawn_cash"),
        withdrawn_points=number(item, "withdrawn_points"),
        spent=number(item, "spent"),
        transferred_out=number(item, "transferred_out"),
        transferred_in=number(item, "transferred_in"),
        personal_volume=number(item, "personal_volume"),
        adjusted=number(item, "adjusted"),
        grants=grant_records(item),
        grant_seq=number(item, "grant_seq"),
        journal_seq=number(item, "journal_seq"),
        journal_head=optional_text(item, "journal_head") or GENESIS,
        last_settled=optional_text(item, "last_settled"),
        version=number(item, "version"),
        settled_seq=number(item, "settled_seq"),
        team_volume=number(item, "team_volume"),
        team_size=number(item, "team_size"),
        level=optional_text(item, "level"),
        telegram_id=telegram_id if isinstance(telegram_id, int) else None,
        phone=optional_text(item, "phone"),
        invite_code=optional_text(item, "invite_code"),
        language=optional_text(item, "language"),
        display_name=optional_text(item, "display_name"),
        username=optional_text(item, "username") or None,
        programs=member_programs(item),  # issue 13
        # economics (issue 12)
        debt=number(item, "debt"),
        commission_debt=number(item, "commission_debt"),
        clawed_back=number(item, "clawed_back"),
        gate_orders=number(item, "gate_orders"),
        gate_referrals=number(item, "gate_referrals"),
        active_run=optional_number(item, "active_run"),
        region=optional_text(item, "region"),
        region_cash=optional_text(item, "region_cash") or "",
    )


def journal_entry(item: Mapping[str, Value]) -> JournalEntry:
    return JournalEntry(
        member=text(item, "member"),
        seq=number(item, "seq"),
        event_key=text(item, "event_key"),
        kind=text(item, "entry_kind"),
        postings=text(item, "postings"),
        details=text(item, "details"),
        at=number(item, "at"),
        prev_hash=text(item, "prev_hash"),
        hash=text(item, "hash"),
        key_id=optional_text(item, "key_id") or "",
    )


def journal_item(entry: JournalEntry) -> Item:
    return keyed(
        journal_key(entry.member, entry.seq),
        Kind.JOURNAL,
        member=entry.member,
        seq=entry.seq,
        event_key=entry.event_key,
        entry_kind=entry.kind,
        postings=entry.postings,
        details=entry.details,
        at=entry.at,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        key_id=entry.key_id,
    )


def withdrawal_record(item: Mapping[str, Value]) -> WithdrawalRecord:
    return WithdrawalRecord(
        request_id=text(item, "request_id"),
        member=text(item, "member"),
        points=number(item, "points"),
        gross=number(item, "gross"),
        net=number(item, "net"),
        fee=number(item, "fee"),
        cash_source=text(item, "cash_source"),
        status=text(item, "status"),
        requested_at=number(item, "requested_at"),
        version=number(item, "version"),
        decided_by=optional_text(item, "decided_by"),
        reason=optional_text(item, "reason"),
        batch=optional_text(item, "batch"),
    )


def withdrawal_item(record: WithdrawalRecord, status: str) -> Item:
    """A new request in queue ``WQ#<status>`` (version 1)."""
    return keyed(
        withdrawal_key(record.request_id),
        Kind.WITHDRAWAL,
        request_id=record.request_id,
        member=record.member,
        points=record.points,
        gross=record.gross,
        net=record.net,
        fee=record.fee,
        cash_source=record.cash_source,
        status=status,
        requested_at=record.requested_at,
        version=1,
        gsi1pk=f"WQ#{status}",
        gsi1sk=f"{record.requested_at:020d}#{record.request_id}",
    )


def inbox_item(ref: InboxRef) -> Item:
    """An ``IN#`` reference: unchained, put once in the transaction of the entry it names."""
    amounts: dict[str, Value] = {
        name: getattr(ref, name) for name in INBOX_AMOUNTS if getattr(ref, name)
    }
    return keyed(
        inbox_key(ref.member, ref.at, ref.source, ref.seq),
        Kind.INBOX,
        member=ref.member,
        at=ref.at,
        source=ref.source,
        entry_seq=ref.seq,
        entry_kind=ref.kind,
        **amounts,
    )


def inbox_ref(item: Mapping[str, Value]) -> InboxRef:
    return InboxRef(
        member=text(item, "member"),
        at=number(item, "at"),
        source=text(item, "source"),
        seq=number(item, "entry_seq"),
        kind=text(item, "entry_kind"),
        available=number(item, "available"),
        locked=number(item, "locked"),
        withdrawing=number(item, "withdrawing"),
        commission=number(item, "commission"),
        payable=number(item, "payable"),
    )
