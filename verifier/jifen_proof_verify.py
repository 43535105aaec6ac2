#!/usr/bin/env python3
"""Check a Jifen proof of liabilities yourself: one file, Python 3.8+ standard library only.

Jifen publishes every day a record holding the root of a Merkle sum tree over every
member's balances. Your proof file (the bot's /proof) holds your leaf and the path from it
to that root. This program rebuilds the root from your leaf and compares it with the
published record, so you need not trust the file, the bot or us:

    python3 jifen_proof_verify.py jifen-proof-2026-05-01.json --record RECORD

RECORD is the day's published record, as a file or an https URL (the board lists every
day's record). Without it, only the root written in the proof file is checked, and the
program says so. Exit status: 0 verified, 1 the proof does not hold, 2 unreadable input.

The byte encoding is in docs/proof-of-liabilities.md of the Jifen repository; this file
implements it independently of Jifen's own code and does no I/O except in ``main``, so a
web page can run :func:`verify_json` as it is (for example under Pyodide).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import json
import sys
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

FORMAT = "jifen-proof-of-liabilities/1"
HASH_SIZE = 32
U64_LIMIT = 1 << 64


def _tag(name: str) -> bytes:
    return b"jifen:pol:" + name.encode("ascii") + b":v1\x00"


MEMBER_TAG = _tag("member")
LEAF_TAG = _tag("leaf")
NODE_TAG = _tag("node")
JOURNAL_LEAF_TAG = _tag("journal-leaf")
JOURNAL_NODE_TAG = _tag("journal-node")


class VerificationError(Exception):
    """The proof does not hold (``proof_mismatch``) or cannot be read (``proof_invalid``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> VerificationError:
    return VerificationError("proof_invalid", message)


def _mismatch(message: str) -> VerificationError:
    return VerificationError("proof_mismatch", message)


# -- the encoding (docs/proof-of-liabilities.md) ------------------------------------------


def _u64(value: Any, what: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < U64_LIMIT:
        raise _invalid(what + " is not an unsigned 64-bit integer")
    return value.to_bytes(8, "big")


def _hex32(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise _invalid(what + " is not 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _invalid(what + " is not hex") from None


def _date(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 10:
        raise _invalid("the date is not YYYY-MM-DD")
    try:
        datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        raise _invalid("the date is not YYYY-MM-DD") from None
    if value[4] != "-" or value[7] != "-":
        raise _invalid("the date is not YYYY-MM-DD")
    return value.encode("ascii")


def node(hash_: bytes, count: Any, sums: Sequence[Any]) -> bytes:
    """A node record: hash, count, then one sum per field, unsigned 64-bit big-endian
    (refusing anything that is not such an integer)."""
    return hash_ + _u64(count, "a count") + b"".join(_u64(s, "a sum") for s in sums)


def parent(left: bytes, right: bytes) -> bytes:
    """The node above two records: SHA-256 over both whole records, fieldwise sums."""
    total = b""
    for offset in range(HASH_SIZE, len(left), 8):
        value = int.from_bytes(left[offset : offset + 8], "big")
        value += int.from_bytes(right[offset : offset + 8], "big")
        total += _u64(value, "a sum of two children")
    return hashlib.sha256(NODE_TAG + left + right).digest() + total


def journal_parent(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(JOURNAL_NODE_TAG + left + right).digest()


# -- verification -------------------------------------------------------------------------


def _root_node(root: Any, names: List[str], what: str) -> bytes:
    if not isinstance(root, dict) or not isinstance(root.get("sums"), dict):
        raise _invalid(what + " needs hash, count and sums")
    sums = root["sums"]
    if sorted(sums) != sorted(names):
        raise _invalid(what + " sums other fields than the leaf")
    return node(
        _hex32(root.get("hash"), what + " hash"),
        root.get("count"),
        [sums[name] for name in names],
    )


def verify(proof: Dict[str, Any], record: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Rebuild both roots from ``proof``; compare with its roots and ``record``'s.

    Returns what was shown (date, member, balances, totals). Raises
    :class:`VerificationError` when anything does not hold.
    """
    if not isinstance(proof, dict) or proof.get("format") != FORMAT:
        raise _invalid("this is not a " + FORMAT + " file")
    if proof.get("kind") != "member-proof":
        raise _invalid("this is not a member's proof")
    date, member = proof.get("date"), proof.get("member")
    day = _date(date)
    if not isinstance(member, str):
        raise _invalid("the member id is missing")
    names = proof.get("fields")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _invalid("fields must be a list of names")
    leaf, path = proof.get("leaf"), proof.get("path")
    journal, depth = proof.get("journal"), proof.get("depth")
    if not isinstance(leaf, dict) or not isinstance(journal, dict) or not isinstance(path, list):
        raise _invalid("leaf, journal and path are required")
    journal_path = journal.get("path")
    if not isinstance(journal_path, list) or not isinstance(depth, int):
        raise _invalid("the journal path and depth are required")
    if not len(path) == len(journal_path) == depth:
        raise _invalid("the depth and the paths' lengths disagree")
    index = leaf.get("index")
    _u64(index, "the leaf index")
    assert isinstance(index, int)
    if index >= 1 << depth:
        raise _invalid("the leaf index is beyond the tree")

    # 1. the leaf is bound to this member: commitment = HMAC(nonce, tag || date || member)
    nonce = _hex32(leaf.get("nonce"), "the nonce")
    commitment = _hex32(leaf.get("commitment"), "the commitment")
    expected = hmac.new(nonce, MEMBER_TAG + day + member.encode("utf-8"), "sha256").digest()
    if not hmac.compare_digest(expected, commitment):
        raise _mismatch("the commitment is not " + member + "'s")

    # 2. the sum tree: leaf record, then one parent per level (bit k of the index: our side)
    balances = leaf.get("balances")
    if not isinstance(balances, dict) or sorted(balances) != sorted(names):
        raise _invalid("the leaf's balances do not name the fields")
    amounts = [balances[name] for name in names]
    body = b"".join(_u64(amount, "balance " + name) for name, amount in zip(names, amounts))
    leaf_hash = hashlib.sha256(
        LEAF_TAG + day + commitment + nonce + bytes([len(names)]) + body
    ).digest()
    current = node(leaf_hash, 1, amounts)
    for level, sibling_json in enumerate(path):
        if not isinstance(sibling_json, list) or len(sibling_json) != len(names) + 2:
            raise _invalid("path node %d must be [hash, count, sums...]" % level)
        sibling = node(
            _hex32(sibling_json[0], "path node %d" % level), sibling_json[1], sibling_json[2:]
        )
        if sibling_json[1] > 1 << level:
            raise _invalid("path node %d counts more members than it can hold" % level)
        ours_is_right = (index >> level) & 1
        current = parent(sibling, current) if ours_is_right else parent(current, sibling)

    # 3. the journal tree: the member's chain head, same index, plain hashes
    seq, head = journal.get("seq"), journal.get("head")
    if not isinstance(head, str) or not all(ord(c) < 128 for c in head) or len(head) > 255:
        raise _invalid("the chain head must be ASCII text")
    raw = head.encode("ascii")
    current_journal = hashlib.sha256(
        JOURNAL_LEAF_TAG + day + commitment + _u64(seq, "the journal seq") + bytes([len(raw)]) + raw
    ).digest()
    for level, sibling_hex in enumerate(journal_path):
        sibling_hash = _hex32(sibling_hex, "journal path node %d" % level)
        if (index >> level) & 1:
            current_journal = journal_parent(sibling_hash, current_journal)
        else:
            current_journal = journal_parent(current_journal, sibling_hash)

    # 4. the roots: the file's, then the published record's
    if current != _root_node(proof.get("root"), names, "the proof's root"):
        raise _mismatch("your leaf and path do not lead to the proof's root")
    if current_journal != _hex32(proof.get("journal_root"), "the proof's journal root"):
        raise _mismatch("your chain head does not lead to the proof's journal root")
    assets = {"available": "points", "locked": "points", "withdrawing": "points"}
    if record is not None:
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise _invalid("the record is not a " + FORMAT + " record")
        if record.get("date") != date:
            raise _mismatch("the proof is for %s, the record for %s" % (date, record.get("date")))
        fields = record.get("fields")
        if not isinstance(fields, list) or [f.get("name") for f in fields] != names:
            raise _mismatch("the record commits to other fields")
        assets = {str(f.get("name")): str(f.get("asset")) for f in fields}
        if record.get("depth") != depth:
            raise _mismatch("the record's tree has another depth")
        if current != _root_node(record.get("root"), names, "the record's root"):
            raise _mismatch("your leaf is not under the published root")
        if current_journal != _hex32(record.get("journal_root"), "the record's journal root"):
            raise _mismatch("your chain head is not under the published journal root")
    members = int.from_bytes(current[HASH_SIZE : HASH_SIZE + 8], "big")
    totals = {}
    for position, name in enumerate(names):
        start = HASH_SIZE + 8 + 8 * position
        totals[name] = int.from_bytes(current[start : start + 8], "big")
    points = [name for name in names if assets.get(name) == "points"]
    return {
        "date": date,
        "member": member,
        "balances": dict(balances),
        "points": sum(balances[name] for name in points),
        "points_total": sum(totals[name] for name in points),
        "members": members,
        "totals": totals,
        "root": current[:HASH_SIZE].hex(),
        "journal_root": current_journal.hex(),
        "compared_with_record": record is not None,
    }


def verify_json(proof_text: str, record_text: Optional[str] = None) -> Dict[str, Any]:
    """:func:`verify` on JSON texts; never raises: ``{"ok": bool, ...}`` (for web pages)."""
    try:
        proof = json.loads(proof_text)
        record = json.loads(record_text) if record_text else None
        shown = verify(proof, record)
    except VerificationError as error:
        return {"ok": False, "code": error.code, "message": error.message}
    except ValueError as error:
        return {"ok": False, "code": "proof_invalid", "message": "not JSON: %s" % error}
    shown["ok"] = True
    return shown


def money(cents: int) -> str:
    """``123456`` as ``1,234.56`` (amounts are integers of hundredths)."""
    return "{:,}.{:02d}".format(cents // 100, cents % 100)


def _read(where: str) -> str:
    if where.startswith("https://") or where.startswith("http://"):
        with urllib.request.urlopen(where, timeout=30) as response:
            return str(response.read().decode("utf-8"))
    with open(where, encoding="utf-8") as handle:
        return handle.read()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check a Jifen proof of liabilities against the published record."
    )
    parser.add_argument("proof", help="your proof file (JSON, from the bot's /proof)")
    parser.add_argument("--record", help="the day's published record: a file or an https URL")
    args = parser.parse_args(argv)
    try:
        proof_text = _read(args.proof)
        record_text = _read(args.record) if args.record else None
    except (OSError, ValueError) as error:
        print("cannot read: %s" % error, file=sys.stderr)
        return 2
    shown = verify_json(proof_text, record_text)
    if not shown["ok"]:
        print("NOT VERIFIED (%s): %s" % (shown["code"], shown["message"]))
        return 2 if shown["code"] == "proof_invalid" else 1
    print(
        "VERIFIED: %s's %s points are included in the %s published for %s (%d members)."
        % (
            shown["member"],
            money(shown["points"]),
            money(shown["points_total"]),
            shown["date"],
            shown["members"],
        )
    )
    print("root %s, journal root %s" % (shown["root"], shown["journal_root"]))
    if not shown["compared_with_record"]:
        print(
            "Only the root written in the file was checked: compare it with the published "
            "record (--record FILE_OR_URL) to be sure it is the one everyone sees."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
