"""Plan versions' items: keys and codecs of the versions, the head and operators' drafts.

Kept beside :mod:`functions.store.items` for :mod:`functions.store.plan_store`, their one
reader and writer.
"""

from __future__ import annotations

from collections.abc import Mapping

from .items import Kind, keyed, number, optional_text, text
from .records import PlanDraftRecord, PlanHead, PlanVersionRecord
from .table import Item, Key, Value

PLAN_PK = "PLAN"
PLAN_HEAD_KEY = Key(PLAN_PK, "HEAD")
"""The last published version's number and hash (docs/storage.md, "Plan versions")."""


def plan_version_key(version: int) -> Key:
    return Key(PLAN_PK, f"V#{version:06d}")


def plan_draft_key(draft_id: str) -> Key:
    return Key(PLAN_PK, f"DRAFT#{draft_id}")


def plan_version_item(record: PlanVersionRecord) -> Item:
    return keyed(
        plan_version_key(record.version),
        Kind.PLAN_VERSION,
        version=record.version,
        effective_from=record.effective_from,
        operator=record.operator,
        reason=record.reason,
        name=record.name,
        text=record.text,
        digest=record.digest,
        published_at=record.published_at,
        prev_hash=record.prev_hash,
        hash=record.hash,
        key_id=record.key_id,
    )


def plan_version(item: Mapping[str, Value]) -> PlanVersionRecord:
    return PlanVersionRecord(
        version=number(item, "version"),
        effective_from=optional_text(item, "effective_from"),
        operator=text(item, "operator"),
        reason=optional_text(item, "reason") or "",
        name=text(item, "name"),
        text=text(item, "text"),
        digest=text(item, "digest"),
        published_at=number(item, "published_at"),
        prev_hash=optional_text(item, "prev_hash") or "",
        hash=text(item, "hash"),
        key_id=optional_text(item, "key_id") or "",
    )


def plan_head(item: Mapping[str, Value]) -> PlanHead:
    return PlanHead(number(item, "version"), text(item, "hash"))


def plan_draft_item(draft: PlanDraftRecord, expires_at: int) -> Item:
    return keyed(
        plan_draft_key(draft.draft_id),
        Kind.PLAN_DRAFT,
        text=draft.text,
        effective_from=draft.effective_from,
        reason=draft.reason,
        operator=draft.operator,
        base_version=draft.base_version,
        created_at=draft.created_at,
        expires_at=expires_at,
    )


def plan_draft(draft_id: str, item: Mapping[str, Value]) -> PlanDraftRecord:
    return PlanDraftRecord(
        draft_id=draft_id,
        text=text(item, "text"),
        effective_from=text(item, "effective_from"),
        reason=optional_text(item, "reason") or "",
        operator=text(item, "operator"),
        base_version=number(item, "base_version"),
        created_at=number(item, "created_at"),
    )
