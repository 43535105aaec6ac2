"""The two Merkle trees of a day's proof of liabilities: levels, build, paths.

The byte encodings they are built from are in :mod:`functions.proofs.encoding`.

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

import hashlib
from collections.abc import Sequence

from functions.proofs.encoding import (
    HASH_SIZE,
    JOURNAL_NODE_TAG,
    NODE_TAG,
    U64_LIMIT,
    ProofError,
    depth_for,
    empty_records,
    journal_empties,
    journal_node,
    node_record,
    record_size,
)

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
