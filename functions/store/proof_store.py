"""Proof-of-liabilities days on the table: a header per day, its pages and tops, a pointer.

docs/storage.md, "Proof of liabilities". A day is written as a build: the pages (each
member's holding, 2^10 leaves a page) and tops (page roots, 2^10 a chunk) go first under
a fresh ``build_id``, then the header is created if absent. Two builds of one day (a
retry racing an operator) both write their parts, but only one header: the first; the
other's parts are never read (they name another build). So a day's stored form, and the
record published from it, never change once the header exists.

The header holds what is secret or private next to what is public: the id of the chain
key the day's salt derives from (not the salt), the public record's exact bytes, and
whether and where that record was published.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .items import (
    PROOF_DAYS_INDEX,
    PROOF_LATEST_KEY,
    Kind,
    keyed,
    number,
    optional_number,
    optional_text,
    proof_day_key,
    proof_page_key,
    proof_top_key,
    text,
)
from .table import (
    Absent,
    ConditionFailed,
    Item,
    LacksAttr,
    Put,
    Table,
    Update,
    Value,
    any_of,
    eq,
)
from .table import Compare as Cmp


class ProofStatus(StrEnum):
    """A day's header: ``stored`` (parts and record written) → ``published`` (in the bucket)."""

    STORED = "stored"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class ProofDay:
    """One day's header. ``record`` is the public record's text, byte for byte; ``heads``
    the entries above the top chunks (see :mod:`functions.proofs.day`)."""

    date: str
    build_id: str
    status: str
    key_id: str
    run_seq: int
    members: int
    depth: int
    page_bits: int
    pages: int
    chunks: int
    root: str
    journal_root: str
    record: str
    heads: bytes
    built_at: int
    published_at: int | None = None
    location: str | None = None

    @property
    def published(self) -> bool:
        return self.status == ProofStatus.PUBLISHED


def _day_item(day: ProofDay) -> Item:
    return keyed(
        proof_day_key(day.date),
        Kind.PROOF_DAY,
        date=day.date,
        build_id=day.build_id,
        status=day.status,
        key_id=day.key_id,
        run_seq=day.run_seq,
        members=day.members,
        depth=day.depth,
        page_bits=day.page_bits,
        pages=day.pages,
        chunks=day.chunks,
        root=day.root,
        journal_root=day.journal_root,
        record=day.record,
        heads=day.heads,
        built_at=day.built_at,
        published_at=day.published_at,
        location=day.location,
        gsi1pk=PROOF_DAYS_INDEX,
        gsi1sk=day.date,
    )


def proof_day(item: Item) -> ProofDay:
    heads = item.get("heads", b"")
    if not isinstance(heads, bytes):
        raise ValueError(f"{item.get('pk')!r}: heads is not binary")
    return ProofDay(
        date=text(item, "date"),
        build_id=text(item, "build_id"),
        status=text(item, "status"),
        key_id=text(item, "key_id"),
        run_seq=number(item, "run_seq"),
        members=number(item, "members"),
        depth=number(item, "depth"),
        page_bits=number(item, "page_bits"),
        pages=number(item, "pages"),
        chunks=number(item, "chunks"),
        root=text(item, "root"),
        journal_root=text(item, "journal_root"),
        record=text(item, "record"),
        heads=heads,
        built_at=number(item, "built_at"),
        published_at=optional_number(item, "published_at"),
        location=optional_text(item, "location"),
    )


def _payload(item: Item | None) -> bytes | None:
    if item is None:
        return None
    payload = item.get("payload")
    if not isinstance(payload, bytes):
        raise ValueError(f"{item.get('pk')!r} {item.get('sk')!r}: payload is not binary")
    return payload


class ProofStore:
    """The proof-of-liabilities items of one table (:class:`~.ports.ProofStorage`)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # -- reads -----------------------------------------------------------------------
    def proof_day(self, date: str) -> ProofDay | None:
        item = self.table.get(proof_day_key(date))
        return proof_day(item) if item is not None else None

    def proof_days(self, dates: Sequence[str]) -> dict[str, ProofDay]:
        """The headers of those ``dates`` that have one, in one batch read (the board's
        history of published roots reads a window of dates, never the index)."""
        if not dates:
            return {}
        items = self.table.batch_get([proof_day_key(date) for date in dates])
        return {day.date: day for day in map(proof_day, items)}

    def latest_proof_date(self) -> str | None:
        """The newest day whose record was published, or None."""
        item = self.table.get(PROOF_LATEST_KEY)
        return optional_text(item, "date") if item is not None else None

    def proof_dates(self) -> list[str]:
        """Every day with a header, oldest first (the index: eventually consistent)."""
        return [text(item, "date") for item in self.table.query_index(PROOF_DAYS_INDEX)]

    def proof_page(self, date: str, build_id: str, number: int) -> bytes | None:
        return _payload(self.table.get(proof_page_key(date, build_id, number)))

    def proof_top(self, date: str, build_id: str, number: int) -> bytes | None:
        return _payload(self.table.get(proof_top_key(date, build_id, number)))

    def proof_pages(self, date: str, build_id: str) -> Iterator[bytes]:
        """The build's pages in order (an audit rebuilds the day from them)."""
        for item in self.table.query(proof_day_key(date).pk, prefix=f"PAGE#{build_id}#"):
            payload = _payload(item)
            assert payload is not None
            yield payload

    def proof_tops(self, date: str, build_id: str) -> list[bytes]:
        items = self.table.query(proof_day_key(date).pk, prefix=f"TOP#{build_id}#")
        return [payload for payload in map(_payload, items) if payload is not None]

    # -- writes ----------------------------------------------------------------------
    def save_proof_parts(
        self, date: str, build_id: str, pages: Sequence[bytes], tops: Sequence[bytes]
    ) -> None:
        """Pages and tops of one build (unconditional: a build id is never reused)."""
        items: list[Item] = [
            keyed(proof_page_key(date, build_id, n), Kind.PROOF_PAGE, payload=payload)
            for n, payload in enumerate(pages)
        ]
        items += [
            keyed(proof_top_key(date, build_id, n), Kind.PROOF_TOP, payload=payload)
            for n, payload in enumerate(tops)
        ]
        self.table.batch_put(items)

    def create_proof_day(self, day: ProofDay) -> ProofDay:
        """Store ``day``'s header unless the day has one; return the header that stands."""
        try:
            self.table.write(Put(_day_item(day), Absent()))
        except ConditionFailed:
            existing = self.proof_day(day.date)
            if existing is None:  # pragma: no cover - a header is never deleted
                raise
            return existing
        return day

    def mark_proof_published(self, date: str, build_id: str, location: str, at: int) -> None:
        """Record where the day's record was published (idempotent, only for its build)."""
        fields: dict[str, Value] = {
            "status": ProofStatus.PUBLISHED,
            "location": location,
            "published_at": at,
        }
        self.table.write(
            Update(proof_day_key(date), set=fields, condition=eq("build_id", build_id))
        )

    def advance_latest_proof(self, date: str) -> None:
        """Point ``/proof`` at ``date`` unless a later day is already published."""
        with contextlib.suppress(ConditionFailed):
            self.table.write(
                Update(
                    PROOF_LATEST_KEY,
                    set={"kind": Kind.PROOF_LATEST.value, "date": date},
                    condition=any_of(LacksAttr("date"), Cmp("date", "<", date)),
                )
            )
