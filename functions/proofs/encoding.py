"""The byte encodings of the proof of liabilities: tags, records, member secrets, leaves, nodes.

Pure and exact; the formats are documented in docs/proof-of-liabilities.md and summarised
in :mod:`functions.proofs.merkle`, which builds the trees from these pieces. Kept apart so
the standalone verifier's second implementation can be compared piece by piece.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import struct
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

HASH_SIZE = 32
U64_LIMIT = 1 << 64
"""Every balance, sum and count is an unsigned 64-bit integer (a negative balance could
offset another member's: a sum tree must refuse it)."""
PAGE_BITS = 10
"""Stored leaves come in pages of 2^10 aligned leaves (a subtree each), page roots in
chunks of 2^10 (docs/proof-of-liabilities.md, "Stored form")."""


def _tag(name: str) -> bytes:
    return b"jifen:pol:" + name.encode("ascii") + b":v1\x00"


SALT_TAG = _tag("salt")
NONCE_TAG = _tag("nonce")
MEMBER_TAG = _tag("member")
LEAF_TAG = _tag("leaf")
NODE_TAG = _tag("node")
EMPTY_TAG = _tag("empty")
JOURNAL_LEAF_TAG = _tag("journal-leaf")
JOURNAL_NODE_TAG = _tag("journal-node")
JOURNAL_EMPTY_TAG = _tag("journal-empty")


class ProofError(ValueError):
    """Data that cannot be committed or a proof that does not hold; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- encodings ------------------------------------------------------------------------


def date_bytes(date: str) -> bytes:
    """The business date as its 10 ASCII bytes ``YYYY-MM-DD``."""
    try:
        parsed = dt.date.fromisoformat(date)
    except (TypeError, ValueError):
        raise ProofError("proof_invalid", f"not a date: {date!r}") from None
    if parsed.isoformat() != date:
        raise ProofError("proof_invalid", f"not a YYYY-MM-DD date: {date!r}")
    return date.encode("ascii")


def record_size(fields: int) -> int:
    """Bytes of one node record: hash, count, one u64 per field."""
    return HASH_SIZE + 8 * (fields + 1)


def u64(value: int) -> bytes:
    if not 0 <= value < U64_LIMIT:
        raise ProofError("proof_out_of_range", f"{value} is not an unsigned 64-bit amount")
    return value.to_bytes(8, "big")


def pack_record(digest: bytes, count: int, sums: Sequence[int]) -> bytes:
    return digest + u64(count) + b"".join(u64(value) for value in sums)


def unpack_record(record: bytes, fields: int) -> tuple[bytes, int, tuple[int, ...]]:
    """``(hash, count, sums)`` of one node record."""
    if len(record) != record_size(fields):
        raise ProofError("proof_invalid", "a node record has the wrong size")
    values = [
        int.from_bytes(record[offset : offset + 8], "big")
        for offset in range(HASH_SIZE, len(record), 8)
    ]
    return bytes(record[:HASH_SIZE]), values[0], tuple(values[1:])


# -- member secrets and commitments ---------------------------------------------------


def day_salt(key: bytes, date: str) -> bytes:
    """The day's secret salt: an HMAC of the date under a chain key (never published)."""
    return hmac.digest(key, SALT_TAG + date_bytes(date), "sha256")


def member_nonce(salt: bytes, member: str) -> bytes:
    """The member's nonce of the day: random-looking, per member and per day (the salt is)."""
    return hmac.digest(salt, NONCE_TAG + member.encode("utf-8"), "sha256")


def nonce_maker(salt: bytes) -> Callable[[str], bytes]:
    """:func:`member_nonce` for many members: HMAC-SHA256 (RFC 2104) with the salt's padded
    keys hashed once, instead of once per member (the same bytes, 2.4 times faster)."""
    if len(salt) > 64:
        salt = hashlib.sha256(salt).digest()
    key = salt.ljust(64, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + NONCE_TAG)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def nonce(member: str) -> bytes:
        first = inner.copy()
        first.update(member.encode("utf-8"))
        second = outer.copy()
        second.update(first.digest())
        return second.digest()

    return nonce


def member_commitment(nonce: bytes, date: str, member: str) -> bytes:
    """What the tree shows instead of the member id: an HMAC of the id under the member's
    nonce of the day. Neighbours in a proof learn nothing of who each other are; the member,
    who is given the nonce, can check that the leaf is bound to their own id."""
    return hmac.digest(nonce, MEMBER_TAG + date_bytes(date) + member.encode("utf-8"), "sha256")


def leaf_hash(date: str, commitment: bytes, nonce: bytes, balances: Sequence[int]) -> bytes:
    return LeafEncoder(date, len(balances)).leaf_hash(commitment, nonce, balances)


def leaf_record(date: str, commitment: bytes, nonce: bytes, balances: Sequence[int]) -> bytes:
    return LeafEncoder(date, len(balances)).leaf_record(commitment, nonce, balances)


class LeafEncoder:
    """Leaf records and journal leaves of one date and field count, built fast: the date is
    checked once and the fixed parts of every hash input are prepared once."""

    def __init__(self, date: str, fields: int) -> None:
        if not 0 < fields < 256:
            raise ProofError("proof_invalid", "a leaf has 1 to 255 balances")
        day = date_bytes(date)
        self.fields = fields
        self._leaf_prefix = LEAF_TAG + day
        self._field_count = bytes([fields])
        self._journal_prefix = JOURNAL_LEAF_TAG + day
        self._member_prefix = MEMBER_TAG + day
        self._balances = struct.Struct(f">{fields}Q")
        self._record_tail = struct.Struct(f">{fields + 1}Q")
        self._seq = struct.Struct(">Q")

    def commitment(self, nonce: bytes, member: str) -> bytes:
        return hmac.digest(nonce, self._member_prefix + member.encode("utf-8"), "sha256")

    def leaf_hash(self, commitment: bytes, nonce: bytes, balances: Sequence[int]) -> bytes:
        if len(commitment) != HASH_SIZE or len(nonce) != HASH_SIZE:
            raise ProofError("proof_invalid", "commitment and nonce are 32 bytes each")
        if len(balances) != self.fields:
            raise ProofError("proof_invalid", f"a leaf has {self.fields} balances")
        try:
            body = self._balances.pack(*balances)
        except struct.error:
            raise _out_of_range(balances) from None
        return hashlib.sha256(
            self._leaf_prefix + commitment + nonce + self._field_count + body
        ).digest()

    def leaf_record(self, commitment: bytes, nonce: bytes, balances: Sequence[int]) -> bytes:
        return self.leaf_hash(commitment, nonce, balances) + self._record_tail.pack(1, *balances)

    def levels(
        self, rows: Iterable[tuple[bytes, bytes, Sequence[int], int, str, object]]
    ) -> tuple[bytearray, bytearray]:
        """Both trees' leaf levels from ``(commitment, nonce, balances, seq, head, _)`` rows:
        :meth:`leaf_record` and :meth:`journal_leaf` inlined (a million leaves a day)."""
        records, hashes = bytearray(), bytearray()
        sha256, pack, tail, seq_pack = (
            hashlib.sha256,
            self._balances.pack,
            self._record_tail.pack,
            self._seq.pack,
        )
        leaf_prefix, field_count, journal_prefix, fields = (
            self._leaf_prefix,
            self._field_count,
            self._journal_prefix,
            self.fields,
        )
        try:
            for commitment, nonce, balances, seq, head, _ in rows:
                raw = head.encode("ascii")
                if len(commitment) != HASH_SIZE or len(nonce) != HASH_SIZE or len(raw) > 255:
                    raise ProofError("proof_invalid", "a commitment, nonce or head is malformed")
                if len(balances) != fields:
                    raise ProofError("proof_invalid", f"a leaf has {fields} balances")
                records += sha256(
                    b"".join((leaf_prefix, commitment, nonce, field_count, pack(*balances)))
                ).digest()
                records += tail(1, *balances)
                hashes += sha256(
                    b"".join((journal_prefix, commitment, seq_pack(seq), bytes((len(raw),)), raw))
                ).digest()
        except struct.error as exc:
            raise ProofError("proof_out_of_range", f"not unsigned 64-bit amounts: {exc}") from None
        except UnicodeEncodeError:
            raise ProofError("proof_invalid", "a chain head is not ASCII") from None
        return records, hashes

    def journal_leaf(self, commitment: bytes, seq: int, head: str) -> bytes:
        raw = head.encode("ascii", "replace")
        if len(raw) > 255 or not head.isascii():
            raise ProofError("proof_invalid", "a chain head is at most 255 ASCII characters")
        try:
            packed = self._seq.pack(seq)
        except struct.error:
            raise _out_of_range([seq]) from None
        return hashlib.sha256(
            self._journal_prefix + commitment + packed + bytes([len(raw)]) + raw
        ).digest()


def _out_of_range(values: Sequence[int]) -> ProofError:
    bad = next((v for v in values if not (isinstance(v, int) and 0 <= v < U64_LIMIT)), values)
    return ProofError("proof_out_of_range", f"{bad!r} is not an unsigned 64-bit amount")


def node_record(left: bytes, right: bytes) -> bytes:
    """The parent of two records of one size: hash of both, fieldwise sums (u64-checked)."""
    if len(left) != len(right) or len(left) < HASH_SIZE + 8:
        raise ProofError("proof_invalid", "sibling records differ in size")
    sums = b"".join(
        u64(int.from_bytes(left[o : o + 8], "big") + int.from_bytes(right[o : o + 8], "big"))
        for o in range(HASH_SIZE, len(left), 8)
    )
    return hashlib.sha256(NODE_TAG + left + right).digest() + sums


@lru_cache(maxsize=16)
def empty_records(fields: int, levels: int = 64) -> tuple[bytes, ...]:
    """The empty (padding) record of every level, ``[0]`` being a padding leaf."""
    records = [hashlib.sha256(EMPTY_TAG).digest() + bytes(8 * (fields + 1))]
    for _ in range(levels):
        records.append(node_record(records[-1], records[-1]))
    return tuple(records)


def journal_leaf(date: str, commitment: bytes, seq: int, head: str) -> bytes:
    return LeafEncoder(date, 1).journal_leaf(commitment, seq, head)


def journal_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(JOURNAL_NODE_TAG + left + right).digest()


@lru_cache(maxsize=1)
def journal_empties(levels: int = 64) -> tuple[bytes, ...]:
    hashes = [hashlib.sha256(JOURNAL_EMPTY_TAG).digest()]
    for _ in range(levels):
        hashes.append(journal_node(hashes[-1], hashes[-1]))
    return tuple(hashes)


def depth_for(leaves: int) -> int:
    """Levels above the leaves: the least ``d`` with ``2^d >= leaves`` (0 for 0 or 1)."""
    return max(leaves - 1, 0).bit_length()
