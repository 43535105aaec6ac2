"""Proof of liabilities as use cases: the day's build and record, publication, member proofs.

:mod:`.daily` builds a day from the members, stores it (:mod:`functions.store.proof_store`)
and publishes its record (:mod:`.publication`); it serves a member's proof from the stored
day. :mod:`.audit` is what ``jifen verify`` adds. The pure tree is :mod:`functions.proofs`.
"""

from __future__ import annotations

from .daily import ProofFile, ProofService, Published, holding_of, publish_after_settlement
from .publication import FolderRecordPublisher, RecordConflict, RecordPublisher, S3RecordPublisher

__all__ = [
    "FolderRecordPublisher",
    "ProofFile",
    "ProofService",
    "Published",
    "RecordConflict",
    "RecordPublisher",
    "S3RecordPublisher",
    "holding_of",
    "publish_after_settlement",
]
