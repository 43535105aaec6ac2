"""The two Merkle trees of a day's proof of liabilities: byte encodings, build, paths.

Everything here is pure (no I/O, no clock) and exact (integers of hundredths). The
encoding is documented in docs/proof-of-liabilities.md, precisely enough for anyone to
rebuild a root; ``verifier/jifen_proof_verify.py`` is a second, standalone
implementation of the verifying half, and the tests hold the two to each other.

* **Node record**: what the sum tree stores per node and a proof carries per sibling:
  ``hash (32) || count (u64) || sum of each field (u64 each)``, big-endian. A leaf's
  count is 1, padding's 0, so the root's count is the number of members.
* **Leaf hash**: ``SHA-256(LEAF_TAG || date || commitment || nonce || u8 F ||
  balances)``; **node hash**: ``SHA-256(NODE_TAG || left record || right record)``:
  a node commits to both children's sums, not only to their total.
* **Padding**: a tree of ``n`` leaves has depth ``d = ceil(log2 n)`` (0 for one leaf
  or none); places ``n … 2^d - 1`` hold the empty record (hash ``SHA-256(EMPTY_TAG)``,
  count and sums 0), and an empty node at level ``k + 1`` is the node of two empty
  nodes at level ``k``. Only the empty node of each level is ever computed.
* **Journal tree**: same leaves in the same order, plain hashes:
  ``SHA-256(JOURNAL_LEAF_TAG || date || commitment || u64 seq || u8 len || head)``.

Levels are kept as contiguous ``bytearray`` s of fixed-size records: a parent's hash
input is the tag and one slice holding both children, and its sums are one integer
addition (the fields are concatenated big-endian u64s, and every field's total is
checked to fit before anything is added, so no carry crosses a field).
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


# -- levels ---------------------------------------------------------------------------


def parent_level(level: bytes | bytearray, k: int, fields: int) -> bytearray:
    """The sum tree's level ``k + 1`` from its level ``k`` (an odd last node pairs with
    padding). The caller has checked that every field's total fits in a u64."""
    size = record_size(fields)
    if len(level) % size:
        raise ProofError("proof_invalid", "a level is not a whole number of records")
    if (len(level) // size) % 2:
        level = bytes(level) + empty_records(fields)[k]
    view = memoryview(level)
    tagged = hashlib.sha256(NODE_TAG)
    sum_bytes = size - HASH_SIZE
    out = bytearray()
    for offset in range(0, len(level), 2 * size):
        pair = view[offset : offset + 2 * size]
        digest = tagged.copy()
        digest.update(pair)
        out += digest.digest()
        total = int.from_bytes(pair[HASH_SIZE:size], "big") + int.from_bytes(
            pair[size + HASH_SIZE :], "big"
        )
        out += total.to_bytes(sum_bytes, "big")
    return out


def journal_parent_level(level: bytes | bytearray, k: int) -> bytearray:
    if len(level) % HASH_SIZE:
        raise ProofError("proof_invalid", "a journal level is not a whole number of hashes")
    if (len(level) // HASH_SIZE) % 2:
        level = bytes(level) + journal_empties()[k]
    view = memoryview(level)
    tagged = hashlib.sha256(JOURNAL_NODE_TAG)
    out = bytearray()
    for offset in range(0, len(level), 2 * HASH_SIZE):
        digest = tagged.copy()
        digest.update(view[offset : offset + 2 * HASH_SIZE])
        out += digest.digest()
    return out


def check_totals(records: bytes | bytearray, fields: int) -> tuple[int, ...]:
    """Count and per-field totals of a level; refuses totals a u64 cannot hold."""
    size = record_size(fields)
    totals = [0] * (fields + 1)
    view = memoryview(records)
    for offset in range(0, len(records), size):
        for index in range(fields + 1):
            start = offset + HASH_SIZE + 8 * index
            totals[index] += int.from_bytes(view[start : start + 8], "big")
    for total in totals:
        if total >= U64_LIMIT:
            raise ProofError("proof_out_of_range", "a total does not fit in 64 bits")
    return tuple(totals)


def _nth(level: bytes | bytearray, index: int, size: int, empty: bytes) -> bytes:
    start = index * size
    return bytes(level[start : start + size]) if start < len(level) else empty


def climb(
    records: bytes | bytearray, index: int, from_level: int, to_level: int, fields: int
) -> tuple[list[bytes], bytes]:
    """Siblings of ``records[index]`` from ``from_level`` up to ``to_level``, and the root
    record there: ``records`` are all the nodes of one subtree at ``from_level``."""
    size = record_size(fields)
    count = len(records) // size
    if count > 1 << (to_level - from_level) or not 0 <= index < max(count, 1):
        raise ProofError("proof_invalid", "the stored nodes do not fit their subtree")
    empties = empty_records(fields)
    level: bytes | bytearray = records if count else empties[from_level]
    siblings: list[bytes] = []
    for k in range(from_level, to_level):
        siblings.append(_nth(level, index ^ 1, size, empties[k]))
        level = parent_level(level, k, fields)
        index >>= 1
    return siblings, bytes(level[:size])


def climb_journal(
    hashes: bytes | bytearray, index: int, from_level: int, to_level: int
) -> tuple[list[bytes], bytes]:
    """:func:`climb` for the journal tree."""
    count = len(hashes) // HASH_SIZE
    if count > 1 << (to_level - from_level) or not 0 <= index < max(count, 1):
        raise ProofError("proof_invalid", "the stored hashes do not fit their subtree")
    empties = journal_empties()
    level: bytes | bytearray = hashes if count else empties[from_level]
    siblings: list[bytes] = []
    for k in range(from_level, to_level):
        siblings.append(_nth(level, index ^ 1, HASH_SIZE, empties[k]))
        level = journal_parent_level(level, k)
        index >>= 1
    return siblings, bytes(level[:HASH_SIZE])


class Trees:
    """Both trees of one day over leaves already in commitment order, every level kept.

    Memory is linear (about twice the leaf level); any member's proof is then
    :meth:`path` and :meth:`journal_path`, O(log n) slices.
    """

    def __init__(
        self,
        leaves: bytes | bytearray,
        journal_leaves: bytes | bytearray,
        fields: int,
        totals: Sequence[int] | None = None,
    ) -> None:
        """``totals`` (count, then each field), when the caller has them, spare a pass."""
        size = record_size(fields)
        if len(leaves) % size or len(journal_leaves) != HASH_SIZE * (len(leaves) // size):
            raise ProofError("proof_invalid", "the two trees need the same leaves")
        self.fields = fields
        self.size = size
        self.count = len(leaves) // size
        self.depth = depth_for(self.count)
        if totals is None:
            totals = check_totals(leaves, fields)
        elif len(totals) != fields + 1 or any(total >= U64_LIMIT for total in totals):
            raise ProofError("proof_out_of_range", "a total does not fit in 64 bits")
        self.totals = tuple(totals)
        empties = empty_records(fields)
        self.levels: list[bytes | bytearray] = [leaves if self.count else empties[0]]
        self.journal_levels: list[bytes | bytearray] = [
            journal_leaves if self.count else journal_empties()[0]
        ]
        for k in range(self.depth):
            self.levels.append(parent_level(self.levels[k], k, fields))
            self.journal_levels.append(journal_parent_level(self.journal_levels[k], k))

    @property
    def root(self) -> bytes:
        return bytes(self.levels[-1][: self.size])

    @property
    def journal_root(self) -> bytes:
        return bytes(self.journal_levels[-1][:HASH_SIZE])

    def node(self, level: int, index: int) -> bytes:
        return _nth(self.levels[level], index, self.size, empty_records(self.fields)[level])

    def journal_node(self, level: int, index: int) -> bytes:
        return _nth(self.journal_levels[level], index, HASH_SIZE, journal_empties()[level])

    def path(self, index: int) -> list[bytes]:
        """Sibling records of leaf ``index``, from the leaves up."""
        return [self.node(k, (index >> k) ^ 1) for k in range(self.depth)]

    def journal_path(self, index: int) -> list[bytes]:
        return [self.journal_node(k, (index >> k) ^ 1) for k in range(self.depth)]

    def span(self, level: int, first: int, count: int) -> bytes:
        """Records ``first … first + count - 1`` of ``level`` (those that exist)."""
        return bytes(self.levels[level][first * self.size : (first + count) * self.size])

    def journal_span(self, level: int, first: int, count: int) -> bytes:
        return bytes(self.journal_levels[level][first * HASH_SIZE : (first + count) * HASH_SIZE])


def fold_path(leaf: bytes, index: int, siblings: Sequence[bytes], fields: int) -> bytes:
    """The root record a leaf record and its siblings give (the verifier's walk)."""
    node = leaf
    for k, sibling in enumerate(siblings):
        if len(sibling) != record_size(fields):
            raise ProofError("proof_invalid", f"sibling {k} has the wrong size")
        node = node_record(sibling, node) if (index >> k) & 1 else node_record(node, sibling)
    return node


def fold_journal_path(leaf: bytes, index: int, siblings: Sequence[bytes]) -> bytes:
    node = leaf
    for k, sibling in enumerate(siblings):
        if len(sibling) != HASH_SIZE:
            raise ProofError("proof_invalid", f"journal sibling {k} has the wrong size")
        node = journal_node(sibling, node) if (index >> k) & 1 else journal_node(node, sibling)
    return node
