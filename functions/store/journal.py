"""Journal entries: canonical bodies and the keyed hash chain.

Each member's entries form a chain: ``hash = HMAC-SHA256(key, prev_hash || "\\n" ||
body)`` where ``body`` is the canonical JSON of everything but the hash, including
the id of the key (``key_id``). Changing, removing or reordering an entry breaks
every later hash, which ``jifen verify`` finds; and because the hash is keyed, a
table writer without the key cannot re-hash a rewritten history to match. The
keys live outside the table (:mod:`functions.store.keyring`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from functions.rewards.ledger import Bucket, Posting

from .keyring import Keyring

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


def entry_mac(
    key: bytes,
    *,
    key_id: str,
    prev_hash: str,
    member: str,
    seq: int,
    event_key: str,
    kind: str,
    postings: str,
    details: str,
    at: int,
) -> str:
    """The chained, keyed hash of one entry (all fields but the hash itself)."""
    body = canonical(
        {
            "member": member,
            "seq": seq,
            "event_key": event_key,
            "kind": kind,
            "postings": postings,
            "details": details,
            "at": at,
            "key_id": key_id,
        }
    )
    message = (prev_hash + "\n" + body).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def details_text(details: Mapping[str, object]) -> str:
    return canonical(details)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """One finding in a chain: ``chain`` (broken or forged) or ``chain_key`` (unverifiable)."""

    seq: int
    check: str
    detail: str


def chain_problems(
    entries: Sequence[Mapping[str, object]],
    keyring: Keyring,
    *,
    previous: str = GENESIS,
    first: int = 1,
) -> list[ChainProblem]:
    """Problems in one member's chain, entries given in ``seq`` order.

    A segment of it (a page) starts at entry ``first`` whose ``prev_hash`` must be
    ``previous``: the whole chain is the segment from entry 1 after :data:`GENESIS`.
    """
    problems: list[ChainProblem] = []
    for position, entry in enumerate(entries, start=first):
        seq = int(str(entry["seq"]))
        if seq != position:
            problems.append(
                ChainProblem(seq, "chain", f"entry {seq} found where {position} was expected")
            )
        if entry["prev_hash"] != previous:
            problems.append(
                ChainProblem(seq, "chain", f"entry {seq} does not point at the previous entry")
            )
        previous = str(entry["hash"])
        key_id = str(entry.get("key_id") or "")
        if not key_id:
            problems.append(
                ChainProblem(seq, "chain", f"entry {seq} names no chain key (unkeyed hash)")
            )
            continue
        key = keyring.key(key_id)
        if key is None:
            problems.append(
                ChainProblem(
                    seq,
                    "chain_key",
                    f"entry {seq} is under chain key {key_id!r}, which the keyring lacks "
                    "(unverifiable)",
                )
            )
            continue
        expected = entry_mac(
            key,
            key_id=key_id,
            prev_hash=str(entry["prev_hash"]),
            member=str(entry["member"]),
            seq=seq,
            event_key=str(entry["event_key"]),
            kind=str(entry["kind"]),
            postings=str(entry["postings"]),
            details=str(entry["details"]),
            at=int(str(entry["at"])),
        )
        if not hmac.compare_digest(str(entry["hash"]), expected):
            problems.append(ChainProblem(seq, "chain", f"entry {seq} was altered (hash mismatch)"))
    return problems


def chain_breaks(
    entries: Sequence[Mapping[str, object]], keyring: Keyring | None = None
) -> list[str]:
    """:func:`chain_problems` as text; without ``keyring``, the local key file's (tests)."""
    keys = keyring if keyring is not None else Keyring.local_file()
    return [problem.detail for problem in chain_problems(entries, keys)]
