"""The proof-of-liabilities store on both table adapters: one header per day, parts by build,
the newest-day pointer that only moves forward (docs/storage.md, "Proof of liabilities")."""

from __future__ import annotations

import json

import pytest

from functions.store.proof_store import ProofDay, ProofStatus
from functions.store.storage import Storage


def day(date: str, build_id: str, **changes: object) -> ProofDay:
    fields: dict[str, object] = {
        "date": date,
        "build_id": build_id,
        "status": ProofStatus.STORED,
        "key_id": "k1",
        "run_seq": 3,
        "members": 2,
        "depth": 1,
        "page_bits": 10,
        "pages": 1,
        "chunks": 1,
        "root": "ab" * 32,
        "journal_root": "cd" * 32,
        "record": json.dumps({"date": date}) + "\n",
        "heads": b"\x00\xff" * 40,
        "built_at": 1_777_000_000_000_000,
    }
    fields.update(changes)
    return ProofDay(**fields)  # type: ignore[arg-type]


def test_a_days_parts_and_header_read_back_exactly(storage: Storage) -> None:
    # Given a build's two pages and one top chunk, then its header
    proofs = storage.proofs
    proofs.save_proof_parts("2026-05-01", "b1", [b"page-0", b"page-\x00\xff"], [b"top-0"])
    stored = proofs.create_proof_day(day("2026-05-01", "b1"))
    # When they are read back
    # Then the header is the one written and the parts come back in order, by build
    assert proofs.proof_day("2026-05-01") == stored == day("2026-05-01", "b1")
    assert list(proofs.proof_pages("2026-05-01", "b1")) == [b"page-0", b"page-\x00\xff"]
    assert proofs.proof_page("2026-05-01", "b1", 1) == b"page-\x00\xff"
    assert proofs.proof_top("2026-05-01", "b1", 0) == b"top-0"
    assert proofs.proof_tops("2026-05-01", "b1") == [b"top-0"]
    assert proofs.proof_page("2026-05-01", "b1", 2) is None
    assert proofs.proof_page("2026-05-01", "other", 0) is None
    assert proofs.proof_day("2026-05-02") is None


def test_the_first_header_of_a_day_stands_and_a_later_build_is_never_read(
    storage: Storage,
) -> None:
    # Given a day stored by build b1
    proofs = storage.proofs
    proofs.save_proof_parts("2026-05-01", "b1", [b"first"], [b"t1"])
    proofs.create_proof_day(day("2026-05-01", "b1"))
    # When a second build of the same day writes its parts and tries its header
    proofs.save_proof_parts("2026-05-01", "b2", [b"second"], [b"t2"])
    standing = proofs.create_proof_day(day("2026-05-01", "b2", root="ee" * 32))
    # Then the first header is returned and kept, naming the first build's parts
    assert standing.build_id == "b1"
    found = proofs.proof_day("2026-05-01")
    assert found is not None
    assert (found.build_id, found.root) == ("b1", "ab" * 32)
    assert list(proofs.proof_pages("2026-05-01", found.build_id)) == [b"first"]


def test_publishing_marks_only_the_standing_build(storage: Storage) -> None:
    # Given a stored day
    proofs = storage.proofs
    proofs.create_proof_day(day("2026-05-01", "b1"))
    # When another build tries to mark it published, then its own build does
    from functions.store.table import ConditionFailed

    with pytest.raises(ConditionFailed):
        proofs.mark_proof_published("2026-05-01", "b2", "s3://x/elsewhere", 5)
    proofs.mark_proof_published("2026-05-01", "b1", "s3://bucket/record.json", 7)
    # Then the header says where, and when, its record was published
    found = proofs.proof_day("2026-05-01")
    assert found is not None
    assert found.published
    assert (found.location, found.published_at) == ("s3://bucket/record.json", 7)


def test_the_newest_published_day_only_moves_forward(storage: Storage) -> None:
    # Given no published day
    proofs = storage.proofs
    assert proofs.latest_proof_date() is None
    # When days are published out of order (a late rebuild of an older day last)
    for date in ("2026-05-02", "2026-05-03", "2026-05-01", "2026-05-03"):
        proofs.advance_latest_proof(date)
    # Then the pointer names the newest
    assert proofs.latest_proof_date() == "2026-05-03"


def test_days_are_listed_in_date_order(storage: Storage) -> None:
    # Given three stored days, written out of order
    proofs = storage.proofs
    for date in ("2026-05-03", "2026-05-01", "2026-05-02"):
        proofs.create_proof_day(day(date, "b"))
    # When they are listed
    # Then oldest first
    assert proofs.proof_dates() == ["2026-05-01", "2026-05-02", "2026-05-03"]


def test_a_window_of_day_headers_is_read_in_one_batch(storage: Storage) -> None:
    # Given headers stored for two of three dates
    proofs = storage.proofs
    for date in ("2026-05-01", "2026-05-03"):
        proofs.save_proof_parts(date, "b1", [b"page"], [b"top"])
        proofs.create_proof_day(day(date, "b1"))
    # When the three dates are asked for together (the board's history), and none at all
    found = proofs.proof_days(["2026-05-03", "2026-05-02", "2026-05-01"])
    # Then the stored headers come back by date, exactly, and the missing date is absent
    assert found == {
        "2026-05-01": day("2026-05-01", "b1"),
        "2026-05-03": day("2026-05-03", "b1"),
    }
    assert proofs.proof_days([]) == {}
