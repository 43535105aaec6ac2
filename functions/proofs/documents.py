"""The two JSON documents of the proof of liabilities: the daily record and a member's proof.

The **daily record** is public (published to the locked bucket, shown on the board): the
date, both roots, the member count, the totals per field, the valuation and the solvency
figures. It never holds a member id, a salt or a nonce. The **member proof** is private
(sent to one member): their leaf (balances, nonce, commitment, member id), both sibling
paths and the root they lead to, plus where the record is published, so the member can
compare it with the root published that day rather than trust the one in the file.

Amounts are integers of hundredths (``123456`` is 1,234.56). Hashes are lower-case hex.
:func:`verify_proof` is the check ``jifen proof verify`` runs;
``verifier/jifen_proof_verify.py`` does the same with the standard library alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .day import MemberProof
from .encoding import (
    HASH_SIZE,
    U64_LIMIT,
    ProofError,
    journal_leaf,
    leaf_record,
    member_commitment,
    pack_record,
    unpack_record,
)
from .merkle import (
    fold_journal_path,
    fold_path,
)

FORMAT = "jifen-proof-of-liabilities/1"
RECORD_KIND = "daily-record"
PROOF_KIND = "member-proof"
FIELDS: tuple[tuple[str, str], ...] = (
    ("available", "points"),
    ("locked", "points"),
    ("withdrawing", "points"),
    ("commission", "cash"),
    ("payable", "cash"),
)
"""The balances of a leaf, in encoding order, with their asset (a record lists them)."""
FIELD_NAMES = tuple(name for name, _ in FIELDS)


RECORD_PREFIX = "proof-of-liabilities/"


def record_name(date: str) -> str:
    """Where a day's record is published (bucket key, or path under the local folder)."""
    return f"{RECORD_PREFIX}{date}.json"


def record_date(name: str) -> str | None:
    """The date a published name is the record of (None: not a record's name)."""
    if not (name.startswith(RECORD_PREFIX) and name.endswith(".json")):
        return None
    return name[len(RECORD_PREFIX) : -len(".json")]


def encode(document: Mapping[str, Any]) -> bytes:
    """The one byte form of a document: sorted keys, two-space indent, ASCII, newline."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()


def _root_json(record: bytes, names: Sequence[str]) -> dict[str, Any]:
    digest, count, sums = unpack_record(record, len(names))
    return {"hash": digest.hex(), "count": count, "sums": dict(zip(names, sums, strict=True))}


def totals_by_asset(fields: Sequence[tuple[str, str]], sums: Sequence[int]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_, asset), amount in zip(fields, sums, strict=True):
        totals[asset] = totals.get(asset, 0) + amount
    return totals


def daily_record(
    *,
    date: str,
    built_at: str,
    run_seq: int,
    root: bytes,
    journal_root: bytes,
    depth: int,
    solvency: Mapping[str, Any],
    fields: Sequence[tuple[str, str]] = FIELDS,
) -> dict[str, Any]:
    names = [name for name, _ in fields]
    root_json = _root_json(root, names)
    return {
        "format": FORMAT,
        "kind": RECORD_KIND,
        "date": date,
        "built_at": built_at,
        "settlement_run": run_seq,
        "amounts": "integers of hundredths (123456 is 1234.56)",
        "fields": [{"name": name, "asset": asset} for name, asset in fields],
        "members": root_json["count"],
        "depth": depth,
        "root": root_json,
        "journal_root": journal_root.hex(),
        "totals": totals_by_asset(fields, [root_json["sums"][name] for name in names]),
        "solvency": dict(solvency),
        "encoding": "docs/proof-of-liabilities.md",
    }


def proof_document(proof: MemberProof, record: Mapping[str, Any], location: str) -> dict[str, Any]:
    """A member's proof against the day's ``record`` (published at ``location``)."""
    names = [str(field["name"]) for field in record["fields"]]
    leaf = proof.leaf
    holding = leaf.holding
    return {
        "format": FORMAT,
        "kind": PROOF_KIND,
        "date": proof.date,
        "member": proof.member,
        "fields": names,
        "leaf": {
            "index": proof.index,
            "commitment": leaf.commitment.hex(),
            "nonce": leaf.nonce.hex(),
            "balances": dict(zip(names, holding.balances, strict=True)),
        },
        "path": [_node_json(record_bytes, len(names)) for record_bytes in proof.path],
        "journal": {
            "seq": holding.journal_seq,
            "head": holding.journal_head,
            "path": [digest.hex() for digest in proof.journal_path],
        },
        "depth": proof.depth,
        "root": record["root"],
        "journal_root": record["journal_root"],
        "record": location,
    }


def _node_json(record: bytes, fields: int) -> list[Any]:
    digest, count, sums = unpack_record(record, fields)
    return [digest.hex(), count, *sums]


# -- verification -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verified:
    """What a proof showed: the member's balances are inside the totals of ``date``."""

    date: str
    member: str
    balances: dict[str, int]
    points: int
    root_hash: str
    members: int
    totals: dict[str, int]
    points_total: int
    compared_with_record: bool


def _invalid(message: str) -> ProofError:
    return ProofError("proof_invalid", message)


def _hex(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * HASH_SIZE:
        raise _invalid(f"{what} is not 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _invalid(f"{what} is not hex") from None


def _amount(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < U64_LIMIT:
        raise _invalid(f"{what} is not an unsigned 64-bit integer")
    return value


def _root_record(root: object, names: Sequence[str], what: str) -> bytes:
    if not isinstance(root, Mapping) or not isinstance(root.get("sums"), Mapping):
        raise _invalid(f"{what} has no hash, count and sums")
    sums = root["sums"]
    if sorted(sums) != sorted(names):
        raise _invalid(f"{what} sums other fields than the leaf")
    return pack_record(
        _hex(root.get("hash"), f"{what} hash"),
        _amount(root.get("count"), f"{what} count"),
        [_amount(sums[name], f"{what} {name}") for name in names],
    )


def verify_proof(proof: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> Verified:
    """Rebuild both roots from the member's leaf and paths; compare them with the proof's
    and, when given, with the published ``record`` (its date, fields and roots).

    Raises :class:`ProofError` (``proof_invalid``: malformed; ``proof_mismatch``: the
    leaf is not under the root) on any failure.
    """
    if proof.get("format") != FORMAT or proof.get("kind") != PROOF_KIND:
        raise _invalid(f"not a {FORMAT} member proof")
    date, member = proof.get("date"), proof.get("member")
    names = proof.get("fields")
    leaf, journal = proof.get("leaf"), proof.get("journal")
    path, depth = proof.get("path"), proof.get("depth")
    if not isinstance(date, str) or not isinstance(member, str):
        raise _invalid("date and member must be text")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _invalid("fields must be a list of names")
    if not isinstance(leaf, Mapping) or not isinstance(journal, Mapping):
        raise _invalid("leaf and journal must be objects")
    if not isinstance(path, list) or not isinstance(journal.get("path"), list):
        raise _invalid("paths must be lists")
    if not isinstance(depth, int) or depth != len(path) or depth != len(journal["path"]):
        raise _invalid("depth and the paths' lengths disagree")
    index = _amount(leaf.get("index"), "leaf index")
    if index >= 1 << depth:
        raise _invalid("leaf index beyond the tree")
    balances_json = leaf.get("balances")
    if not isinstance(balances_json, Mapping) or sorted(balances_json) != sorted(names):
        raise _invalid("leaf balances do not name the fields")
    balances = [_amount(balances_json[name], f"balance {name}") for name in names]
    nonce = _hex(leaf.get("nonce"), "nonce")
    commitment = _hex(leaf.get("commitment"), "commitment")
    if member_commitment(nonce, date, member) != commitment:
        raise ProofError("proof_mismatch", "the commitment is not this member's")
    siblings = []
    for k, node in enumerate(path):
        if not isinstance(node, list) or len(node) != len(names) + 2:
            raise _invalid(f"path node {k} must be [hash, count, sums...]")
        record_bytes = pack_record(
            _hex(node[0], f"path node {k}"),
            _amount(node[1], f"path node {k} count"),
            [_amount(v, f"path node {k} sum") for v in node[2:]],
        )
        if node[1] > 1 << k:
            raise _invalid(f"path node {k} counts more members than it can hold")
        siblings.append(record_bytes)
    root = fold_path(leaf_record(date, commitment, nonce, balances), index, siblings, len(names))
    seq = _amount(journal.get("seq"), "journal seq")
    head = journal.get("head")
    if not isinstance(head, str) or not head.isascii():
        raise _invalid("journal head must be ASCII text")
    jsiblings = [_hex(h, f"journal path node {k}") for k, h in enumerate(journal["path"])]
    jroot = fold_journal_path(journal_leaf(date, commitment, seq, head), index, jsiblings)
    if root != _root_record(proof.get("root"), names, "the proof's root"):
        raise ProofError("proof_mismatch", "the leaf and path do not lead to the proof's root")
    if jroot != _hex(proof.get("journal_root"), "journal root"):
        raise ProofError("proof_mismatch", "the chain head does not lead to the journal root")
    if record is not None:
        _compare_record(record, date, names, depth, root, jroot)
    _, members, sums = unpack_record(root, len(names))
    totals = dict(zip(names, sums, strict=True))
    held = dict(zip(names, balances, strict=True))
    points_fields = _points_fields(names, record)
    return Verified(
        date=date,
        member=member,
        balances=held,
        points=sum(held[name] for name in points_fields),
        root_hash=root[:HASH_SIZE].hex(),
        members=members,
        totals=totals,
        points_total=sum(totals[name] for name in points_fields),
        compared_with_record=record is not None,
    )


def _points_fields(names: Sequence[str], record: Mapping[str, Any] | None) -> list[str]:
    assets = dict(FIELDS)
    if record is not None and isinstance(record.get("fields"), list):
        assets.update(
            {
                str(f.get("name")): str(f.get("asset"))
                for f in record["fields"]
                if isinstance(f, dict)
            }
        )
    return [name for name in names if assets.get(name) == "points"]


def _compare_record(
    record: Mapping[str, Any],
    date: str,
    names: Sequence[str],
    depth: int,
    root: bytes,
    jroot: bytes,
) -> None:
    if record.get("format") != FORMAT or record.get("kind") != RECORD_KIND:
        raise _invalid(f"not a {FORMAT} daily record")
    if record.get("date") != date:
        raise ProofError(
            "proof_mismatch", f"the proof is for {date}, the record for {record.get('date')}"
        )
    fields = record.get("fields")
    if not isinstance(fields, list) or [f.get("name") for f in fields] != list(names):
        raise ProofError("proof_mismatch", "the record commits to other fields")
    if record.get("depth") != depth:
        raise ProofError("proof_mismatch", "the record's tree has another depth")
    if root != _root_record(record.get("root"), names, "the record's root"):
        raise ProofError("proof_mismatch", "the leaf is not under the published root")
    if jroot != _hex(record.get("journal_root"), "the record's journal root"):
        raise ProofError("proof_mismatch", "the chain head is not under the published root")
