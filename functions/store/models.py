"""PynamoDB models of the single table (keys and access patterns: docs/storage.md).

One table, ``pk``/``sk`` plus one sparse GSI ``gsi1``; the table itself is
created from ``template.yaml`` (:mod:`functions.store.table_definition`), and
these models only name the attributes. ``bind()`` points every model at a
table and endpoint chosen at run time (embedded endpoint, tests, real AWS).
Numbers are stored as DynamoDB ``N`` holding integers of hundredths; pynamodb
reads integer text back as ``int``, so no float ever appears.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.session import get_session as _new_session  # type: ignore[import-untyped,unused-ignore]
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import base as _pynamodb_base
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

_sessions = threading.local()


def _thread_session() -> Any:
    """One botocore session per thread for every model's connection.

    pynamodb gives each connection (one per model class) its own session, and a
    session's first client loads the DynamoDB service model (0.15-0.4 s): eleven
    times per store, on every Lambda cold start and every new store. Sessions are
    not thread-safe, so they are shared per thread; clients remain per connection.
    """
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = _new_session()
    return session


_pynamodb_base.get_session = _thread_session  # type: ignore[attr-defined]

SHARDS = 32
"""Member and system-total shards: spreads hot totals and parallelises settlement."""


class Gsi1(GlobalSecondaryIndex["JifenItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class JifenItem(Model):
    """Base of every item: keys, the item kind and the optional GSI keys."""

    class Meta:
        table_name = "jifen-dev"
        region = "us-east-1"
        host: str | None = None
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi1 = Gsi1()


class GrantMap(MapAttribute[str, Any]):
    """One open grant inside its member item (oldest first by ``seq``)."""

    seq = NumberAttribute()
    order = UnicodeAttribute()
    points = NumberAttribute()
    remaining = NumberAttribute()
    daily = NumberAttribute()


class MemberItem(JifenItem, discriminator="member"):
    """pk ``M#<member>`` sk ``ACCOUNT``: profile, balances, counters, open grants, chain head.

    gsi1: ``MEMBERS#<shard>`` / ``<joined_at>#<member>`` lists every member in
    join order, one query per shard.
    """

    member = UnicodeAttribute()
    referrer = UnicodeAttribute(null=True)
    joined_at = NumberAttribute()
    frozen = BooleanAttribute(default=False)
    # balances (hundredths)
    available = NumberAttribute(default=0)
    locked = NumberAttribute(default=0)
    withdrawing = NumberAttribute(default=0)
    commission = NumberAttribute(default=0)
    payable = NumberAttribute(default=0)
    # statistics (hundredths)
    released = NumberAttribute(default=0)
    forfeited = NumberAttribute(default=0)
    withdrawn_cash = NumberAttribute(default=0)
    withdrawn_points = NumberAttribute(default=0)
    spent = NumberAttribute(default=0)
    transferred_out = NumberAttribute(default=0)
    transferred_in = NumberAttribute(default=0)
    personal_volume = NumberAttribute(default=0)
    adjusted = NumberAttribute(default=0)
    grants = ListAttribute(of=GrantMap, default=list)
    grant_seq = NumberAttribute(default=0)
    journal_seq = NumberAttribute(default=0)
    journal_head = UnicodeAttribute(default="")
    last_settled = UnicodeAttribute(null=True)
    settled_seq = NumberAttribute(null=True)
    """Sequence number of the last settlement run applied to this member (the guard)."""
    # team figures as of the last settlement (statements; never used by the rules)
    team_volume = NumberAttribute(default=0)
    team_size = NumberAttribute(default=0)
    level = UnicodeAttribute(null=True)
    # profile (bot)
    telegram_id = NumberAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    invite_code = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    version = VersionAttribute()


class SystemTotalsItem(JifenItem, discriminator="system"):
    """pk ``SYS#<shard>`` sk ``TOTALS``: one shard of the platform accounts.

    An event adds to one shard picked from its key, so no item is hot; readers
    sum all shards (one BatchGet).
    """

    issuance = NumberAttribute(default=0)
    burned = NumberAttribute(default=0)
    sales = NumberAttribute(default=0)
    reserve = NumberAttribute(default=0)
    platform = NumberAttribute(default=0)
    paid_out = NumberAttribute(default=0)
    circulating = NumberAttribute(default=0)
    fees = NumberAttribute(default=0)


class OrderItem(JifenItem, discriminator="order"):
    """pk ``ORDER#<order>`` sk ``ORDER``: created only if absent, so an order counts once."""

    member = UnicodeAttribute()
    event_key = UnicodeAttribute()
    result = UnicodeAttribute()
    created_at = NumberAttribute()


class IdempotencyItem(JifenItem, discriminator="idempotency"):
    """pk ``IDEM#<key>`` sk ``IDEM``: the first result of a keyed event.

    A ledger record names the journal entry it belongs to (``entry_member``,
    ``entry_seq``) and never expires, so ``jifen verify`` can pair records and
    entries both ways. Other stores reuse the shape without those two attributes
    and with a TTL, under their own key prefixes (:data:`NON_LEDGER_IDEMPOTENCY`).
    """

    result = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = TTLAttribute(null=True)
    entry_member = UnicodeAttribute(null=True)
    entry_seq = NumberAttribute(null=True)


NON_LEDGER_IDEMPOTENCY = ("tg-update:", "tg-visitor:", "tg-notice:", "notify:")
"""Key prefixes of the idempotency-shaped records that are not the ledger's (bot update
dedupe, visitors and member notices in bot_store.py, the notification log in ops_store.py)."""


class JournalItem(JifenItem, discriminator="journal"):
    """pk ``M#<member>`` sk ``J#<seq>``: an append-only, hash-chained journal entry.

    ``postings`` is canonical JSON ``[[owner, bucket, amount], ...]`` summing to
    zero per asset; ``hash = HMAC-SHA256(chain key, prev_hash + canonical body)``,
    the key named by ``key_id`` (never stored in the table).
    """

    member = UnicodeAttribute()
    seq = NumberAttribute()
    event_key = UnicodeAttribute()
    entry_kind = UnicodeAttribute()
    postings = UnicodeAttribute()
    details = UnicodeAttribute()
    at = NumberAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    key_id = UnicodeAttribute(null=True)


class WithdrawalItem(JifenItem, discriminator="withdrawal"):
    """pk ``W#<id>`` sk ``W``; gsi1 ``WQ#<status>`` / ``<requested_at>#<id>``: review queue."""

    request_id = UnicodeAttribute()
    member = UnicodeAttribute()
    points = NumberAttribute()
    gross = NumberAttribute()
    net = NumberAttribute()
    fee = NumberAttribute()
    cash_source = UnicodeAttribute()
    status = UnicodeAttribute()
    requested_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    batch = UnicodeAttribute(null=True)
    version = VersionAttribute()


class SettlementRunItem(JifenItem, discriminator="settlement_run"):
    """pk ``SETTLE#<date>`` sk ``RUN``: who computes it (``run_id``), status, pages, totals.

    Status goes ``computing`` → ``computed`` (pages written, nothing applied
    yet) → ``done``. Only pages of the run's current ``run_id`` count, so a
    worker that crashed (or lost a take-over) mid-compute cannot mix pages in.
    """

    date = UnicodeAttribute()
    run_id = UnicodeAttribute()
    run_seq = NumberAttribute()
    status = UnicodeAttribute()
    pages = NumberAttribute(default=0)
    totals = UnicodeAttribute(default="{}")
    pages_applied = NumberAttribute(default=0)
    created_at = NumberAttribute()


class SettlementPageItem(JifenItem, discriminator="settlement_page"):
    """pk ``SETTLE#<date>`` sk ``PAGE#<run_id>#<n>``: compressed per-member results of one page."""

    date = UnicodeAttribute()
    run_id = UnicodeAttribute()
    page = NumberAttribute()
    payload = BinaryAttribute(legacy_encoding=False)


class PageAppliedItem(JifenItem, discriminator="page_applied"):
    """pk ``SETTLE#<date>`` sk ``APPLIED#<run_id>#<n>``: a small marker, put once per page
    together with the page's circulating total (cheaper than flagging the big page)."""

    at = NumberAttribute()


class SettlementSequenceItem(JifenItem, discriminator="settlement_sequence"):
    """pk ``SETTLE#SEQ`` sk ``SEQ``: the last claimed run (``seq``, ``date``) and whether it
    is still ``open`` or ``done``.

    Runs are claimed in date order by moving this item (seq + 1) in the same
    transaction that creates the run record, and only while the previous run is
    ``done``: two dates can never be in flight at once. While a run is ``open``
    reserve-valued withdrawals condition on it (circulating lags until the run ends).
    """

    seq = NumberAttribute()
    date = UnicodeAttribute()
    status = UnicodeAttribute()


class PayoutBatchItem(JifenItem, discriminator="payout_batch"):
    """pk ``PAYOUT#<date>`` sk ``BATCH``: the day's payout batch, ``claiming`` → ``sealed``.

    Claims are conditioned on ``claiming``; once sealed the batch's claims (and
    so its report) can never change.
    """

    date = UnicodeAttribute()
    status = UnicodeAttribute()
    cutoff = NumberAttribute()
    opened_at = NumberAttribute()
    sealed_at = NumberAttribute(null=True)


class PayoutClaimItem(JifenItem, discriminator="payout_claim"):
    """pk ``PAYOUT#<date>`` sk ``CLAIM#<requested_at>#<id>``: a request in the day's batch.

    Put in the same transaction that moves the request ``approved`` → ``batched``;
    a strongly consistent Query of the partition lists the batch in report order.
    """

    request_id = UnicodeAttribute()
    member = UnicodeAttribute()
    net = NumberAttribute()
    gross = NumberAttribute()
    fee = NumberAttribute()
    points = NumberAttribute()
    cash_source = UnicodeAttribute()
    requested_at = NumberAttribute()
    approved_by = UnicodeAttribute(null=True)
    claimed_at = NumberAttribute()


class ReferralEdgeItem(JifenItem, discriminator="referral"):
    """pk ``M#<referrer>`` sk ``CHILD#<joined_at>#<member>``: a direct invitee, in join order."""

    member = UnicodeAttribute()
    joined_at = NumberAttribute()


class ClaimItem(JifenItem, discriminator="claim"):
    """pk ``PHONE#…`` / ``TG#…`` / ``INVITE#…`` sk ``CLAIM``: a unique value owned by one member."""

    member = UnicodeAttribute()
    created_at = NumberAttribute()


ALL_MODELS: tuple[type[JifenItem], ...] = (
    JifenItem,
    MemberItem,
    SystemTotalsItem,
    OrderItem,
    IdempotencyItem,
    JournalItem,
    WithdrawalItem,
    SettlementRunItem,
    SettlementPageItem,
    PageAppliedItem,
    SettlementSequenceItem,
    ReferralEdgeItem,
    ClaimItem,
    PayoutBatchItem,
    PayoutClaimItem,
)


def bind(table_name: str, host: str | None, region: str = "us-east-1") -> None:
    """Point every model at ``table_name`` on ``host`` (None: real AWS)."""
    JifenItem.Meta.table_name = table_name
    JifenItem.Meta.host = host
    JifenItem.Meta.region = region
    for model in ALL_MODELS:
        model._connection = None
