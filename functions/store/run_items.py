"""Settlement runs' and payout batches' items: the codecs their two stores read them with.

Kept beside :mod:`functions.store.items` for :mod:`functions.store.settlement_store` and
:mod:`functions.store.payout_store`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .items import number, optional_number, optional_text, text, where
from .records import (
    PayoutBatchRecord,
    PayoutClaimRecord,
    SettlementPage,
    SettlementRun,
    SettlementSequence,
)
from .table import Key, Value


def settlement_run(item: Mapping[str, Value]) -> SettlementRun:
    return SettlementRun(
        date=text(item, "date"),
        run_id=text(item, "run_id"),
        run_seq=number(item, "run_seq"),
        status=text(item, "status"),
        pages=number(item, "pages"),
        totals=optional_text(item, "totals") or "{}",
        pages_applied=number(item, "pages_applied"),
        created_at=number(item, "created_at"),
    )


def settlement_page(item: Mapping[str, Value]) -> SettlementPage:
    payload = item.get("payload")
    if not isinstance(payload, bytes):
        raise ValueError(f"{where(item)}: payload is not binary")
    return SettlementPage(
        date=text(item, "date"),
        run_id=text(item, "run_id"),
        page=number(item, "page"),
        payload=payload,
    )


def settlement_sequence(item: Mapping[str, Value]) -> SettlementSequence:
    return SettlementSequence(
        number(item, "seq"),
        text(item, "date"),
        text(item, "status"),
        number(item, "sales_mark"),  # economics (issue 12): the throttle's period
        _json_text(item, "region_mark"),  # economics (issue 12): region-scoped pools
        _json_text(item, "pool_carry"),  # economics (issue 12): dividend pools
    )


def _json_text(item: Mapping[str, Value], name: str) -> str:
    value = item.get(name)
    return value if isinstance(value, str) else ""


def payout_batch(item: Mapping[str, Value]) -> PayoutBatchRecord:
    return PayoutBatchRecord(
        date=text(item, "date"),
        status=text(item, "status"),
        cutoff_us=number(item, "cutoff"),
        opened_at=number(item, "opened_at"),
        sealed_at=optional_number(item, "sealed_at"),
    )


def payout_claim(date: str, item: Mapping[str, Value]) -> PayoutClaimRecord:
    return PayoutClaimRecord(
        date=date,
        request_id=text(item, "request_id"),
        member=text(item, "member"),
        net=number(item, "net"),
        gross=number(item, "gross"),
        fee=number(item, "fee"),
        points=number(item, "points"),
        cash_source=text(item, "cash_source"),
        requested_at=number(item, "requested_at"),
        approved_by=optional_text(item, "approved_by"),
        claimed_at=number(item, "claimed_at"),
    )


def payout_batch_key(date: str) -> Key:
    return Key(f"PAYOUT#{date}", "BATCH")


def payout_claim_key(date: str, requested_at: int, request_id: str) -> Key:
    return Key(f"PAYOUT#{date}", f"CLAIM#{requested_at:020d}#{request_id}")
