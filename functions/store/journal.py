"""Journal entries: canonical bodies and the hash chain.

Each member's entries form a chain: ``hash = sha256(prev_hash || body)`` where
``body`` is the canonical JSON of everything but the hash. Changing, removing
or reordering an entry breaks every later hash, which ``jifen verify`` finds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

from functions.rewards.ledger import Bucket, Posting

GENESIS = ""


def encode_postings(postings: Iterable[Posting]) -> str:
    return json.dumps(
        [[posting.owner, posting.bucket.value, posting.amount] for posting in postings],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def decode_postings(text: str) -> list[Posting]:
    return [
        Posting(owner, Bucket(bucket), int(amount)) for owner, bucket, amount in json.loads(text)
    ]


def canonical(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def entry_hash(
    *,
    prev_hash: str,
    member: str,
    seq: int,
    event_key: str,
    kind: str,
    postings: str,
    details: str,
    at: int,
) -> str:
    """The chained hash of one entry (all fields but the hash itself)."""
    body = canonical(
        {
            "member": member,
            "seq": seq,
            "event_key": event_key,
            "kind": kind,
            "postings": postings,
            "details": details,
            "at": at,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def details_text(details: Mapping[str, object]) -> str:
    return canonical(details)


def chain_breaks(entries: Sequence[Mapping[str, object]]) -> list[str]:
    """Problems in one member's chain, entries given in ``seq`` order."""
    problems: list[str] = []
    previous = GENESIS
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            problems.append(f"entry {entry['seq']} found where {position} was expected")
        if entry["prev_hash"] != previous:
            problems.append(f"entry {entry['seq']} does not point at the previous entry")
        expected = entry_hash(
            prev_hash=str(entry["prev_hash"]),
            member=str(entry["member"]),
            seq=int(str(entry["seq"])),
            event_key=str(entry["event_key"]),
            kind=str(entry["kind"]),
            postings=str(entry["postings"]),
            details=str(entry["details"]),
            at=int(str(entry["at"])),
        )
        if entry["hash"] != expected:
            problems.append(f"entry {entry['seq']} was altered (hash mismatch)")
        previous = str(entry["hash"])
    return problems
