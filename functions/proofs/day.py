"""One day's proof of liabilities: members' holdings in, both trees, proofs and stored form out.

Pure: the caller reads the members and the chain key; this module derives each member's
nonce and commitment from the day's salt, orders the leaves by commitment, builds both
trees (:class:`~functions.proofs.merkle.Trees`) and cuts the stored form:

* **pages**: the holdings of 2^10 consecutive leaves each (zlib-compressed JSON), an
  aligned subtree: a member's proof needs only its own page;
* **tops**: one entry per page (its first commitment, its subtree's root record and
  journal hash) in chunks of 2^10 pages;
* **heads**: one entry per chunk, kept with the day's header.

Serving a proof later reads the header, one top chunk and one page
(:func:`stored_proof`); nothing needs the other members' data.
"""

from __future__ import annotations

import bisect
import itertools
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from .encoding import (
    HASH_SIZE,
    PAGE_BITS,
    LeafEncoder,
    ProofError,
    depth_for,
    member_commitment,
    member_nonce,
    nonce_maker,
    record_size,
    unpack_record,
)
from .merkle import (
    Trees,
    climb,
    climb_journal,
)

_HOLDING = itemgetter(5)


class Holding(NamedTuple):
    """A member's balances (in field order, cents) and chain head as read from its item.

    ``version`` is the member item's version: the state the leaf was read from (kept in
    the stored form only, so an audit can compare the leaf with the item later)."""

    member: str
    balances: tuple[int, ...]
    journal_seq: int
    journal_head: str
    version: int = 0


class Leaf(NamedTuple):
    """A holding placed in the tree; flat, so the leaf level is built by unpacking tuples."""

    commitment: bytes
    nonce: bytes
    balances: tuple[int, ...]
    journal_seq: int
    journal_head: str
    holding: Holding


@dataclass(frozen=True, slots=True)
class Shape:
    """Where a day's levels are cut into stored strata."""

    count: int
    fields: int
    page_bits: int = PAGE_BITS
    """Leaves per page and pages per chunk are ``2^page_bits`` (smaller in tests)."""

    @property
    def depth(self) -> int:
        return depth_for(self.count)

    @property
    def page_size(self) -> int:
        return 1 << self.page_bits

    @property
    def page_level(self) -> int:
        return min(self.page_bits, self.depth)

    @property
    def chunk_level(self) -> int:
        return min(2 * self.page_bits, self.depth)

    @property
    def pages(self) -> int:
        return -(-self.count // self.page_size)

    @property
    def chunks(self) -> int:
        return -(-self.pages // self.page_size)

    @property
    def entry_size(self) -> int:
        """A top or head entry: first commitment, subtree root record, journal hash."""
        return HASH_SIZE + record_size(self.fields) + HASH_SIZE


@dataclass(frozen=True, slots=True)
class MemberProof:
    """One member's leaf with both sibling paths (records and hashes as bytes)."""

    date: str
    member: str
    index: int
    depth: int
    fields: int
    leaf: Leaf
    path: tuple[bytes, ...]
    journal_path: tuple[bytes, ...]


def make_leaves(date: str, holdings: Iterable[Holding], salt: bytes) -> list[Leaf]:
    """Each holding with its nonce and commitment, in commitment order (the tree's order)."""
    encoder = LeafEncoder(date, 1)
    nonce_of = nonce_maker(salt)
    leaves = []
    for holding in holdings:
        nonce = nonce_of(holding.member)
        commitment = encoder.commitment(nonce, holding.member)
        leaves.append(
            Leaf(
                commitment,
                nonce,
                holding.balances,
                holding.journal_seq,
                holding.journal_head,
                holding,
            )
        )
    leaves.sort(key=lambda leaf: leaf.commitment)
    for earlier, later in itertools.pairwise(leaves):
        if earlier.commitment == later.commitment:
            raise ProofError("proof_invalid", f"member {later.holding.member!r} appears twice")
    return leaves


def leaf_levels(
    date: str, leaves: Sequence[Leaf], fields: int
) -> tuple[bytearray, bytearray, list[int]]:
    """The two trees' leaf levels, and the totals (count, then each field)."""
    records, hashes = LeafEncoder(date, fields).levels(leaves)
    sums = [sum(column) for column in zip(*map(itemgetter(2), leaves), strict=True)]
    return records, hashes, [len(leaves), *(sums or [0] * fields)]


class Day:
    """A built day: leaves in order, both trees, every member's proof on demand."""

    def __init__(
        self, date: str, fields: int, leaves: list[Leaf], page_bits: int = PAGE_BITS
    ) -> None:
        self.date = date
        self.fields = fields
        self.leaves = leaves
        records, hashes, totals = leaf_levels(date, leaves, fields)
        self.trees = Trees(records, hashes, fields, totals)
        self.shape = Shape(len(leaves), fields, page_bits)
        self._index: dict[str, int] | None = None

    @classmethod
    def build(
        cls,
        date: str,
        fields: int,
        holdings: Iterable[Holding],
        salt: bytes,
        page_bits: int = PAGE_BITS,
    ) -> Day:
        return cls(date, fields, make_leaves(date, holdings, salt), page_bits)

    @property
    def root(self) -> tuple[bytes, int, tuple[int, ...]]:
        """``(hash, member count, per-field totals)``."""
        return unpack_record(self.trees.root, self.fields)

    @property
    def journal_root(self) -> bytes:
        return self.trees.journal_root

    def index_of(self, member: str) -> int | None:
        if self._index is None:
            self._index = {leaf.holding.member: i for i, leaf in enumerate(self.leaves)}
        return self._index.get(member)

    def proof(self, index: int) -> MemberProof:
        leaf = self.leaves[index]
        return MemberProof(
            self.date,
            leaf.holding.member,
            index,
            self.trees.depth,
            self.fields,
            leaf,
            tuple(self.trees.path(index)),
            tuple(self.trees.journal_path(index)),
        )

    # -- stored form -----------------------------------------------------------------
    def pages(self) -> list[bytes]:
        size = self.shape.page_size
        return [
            encode_page(self.leaves[first : first + size])
            for first in range(0, len(self.leaves), size)
        ]

    def _entries(self, level: int, first: int, count: int, span: int) -> bytes:
        """Entries of nodes ``first …`` at ``level``; node j covers leaves from j * span."""
        size, out = self.trees.size, bytearray()
        records = self.trees.span(level, first, count)
        hashes = self.trees.journal_span(level, first, count)
        for j in range(len(records) // size):
            out += self.leaves[(first + j) * span].commitment
            out += records[j * size : (j + 1) * size]
            out += hashes[j * HASH_SIZE : (j + 1) * HASH_SIZE]
        return bytes(out)

    def tops(self) -> list[bytes]:
        shape, size = self.shape, self.shape.page_size
        return [
            self._entries(shape.page_level, first, size, size)
            for first in range(0, shape.pages, size)
        ]

    def heads(self) -> bytes:
        shape = self.shape
        return self._entries(shape.chunk_level, 0, shape.chunks, shape.page_size**2)


# -- stored form codecs ---------------------------------------------------------------


def encode_page(leaves: Sequence[Leaf]) -> bytes:
    """``[[member, [balances…], seq, head, version], …]`` as compact JSON, zlib level 1
    (a holding is a named tuple: JSON writes it as that list)."""
    text = json.dumps(list(map(_HOLDING, leaves)), separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def decode_page(payload: bytes) -> list[Holding]:
    try:
        rows = json.loads(zlib.decompress(payload))
        return [
            Holding(str(m), tuple(int(b) for b in balances), int(seq), str(head), int(version))
            for m, balances, seq, head, version in rows
        ]
    except (ValueError, TypeError, zlib.error) as exc:
        raise ProofError("proof_stored", f"a stored page does not decode: {exc}") from None


def split_entries(payload: bytes, shape: Shape) -> tuple[list[bytes], bytes, bytes]:
    """``(first commitments, records, journal hashes)`` of a top chunk or the heads."""
    size, entry = record_size(shape.fields), shape.entry_size
    if len(payload) % entry:
        raise ProofError("proof_stored", "stored entries have the wrong size")
    firsts, records, hashes = [], bytearray(), bytearray()
    for offset in range(0, len(payload), entry):
        firsts.append(payload[offset : offset + HASH_SIZE])
        records += payload[offset + HASH_SIZE : offset + HASH_SIZE + size]
        hashes += payload[offset + HASH_SIZE + size : offset + entry]
    return firsts, bytes(records), bytes(hashes)


def locate(firsts: Sequence[bytes], commitment: bytes) -> int:
    """Which entry's range holds ``commitment`` (entries are in commitment order)."""
    return max(bisect.bisect_right(firsts, commitment) - 1, 0)


def stored_proof(
    date: str,
    shape: Shape,
    salt: bytes,
    member: str,
    heads: bytes,
    top: tuple[int, bytes],
    page: tuple[int, bytes],
) -> MemberProof | None:
    """A member's proof from the stored form: the heads, the top chunk and page that
    :func:`locate` named (``(number, payload)``); None when the member has no leaf."""
    nonce = member_nonce(salt, member)
    commitment = member_commitment(nonce, date, member)
    chunk_number, top_payload = top
    page_number, page_payload = page
    holdings = decode_page(page_payload)
    leaves = make_leaves(date, holdings, salt)
    found = [i for i, leaf in enumerate(leaves) if leaf.commitment == commitment]
    if not found:
        return None
    in_page = found[0]
    records, hashes, _ = leaf_levels(date, leaves, shape.fields)
    path, page_root = climb(records, in_page, 0, shape.page_level, shape.fields)
    jpath, page_jroot = climb_journal(hashes, in_page, 0, shape.page_level)
    _, top_records, top_hashes = split_entries(top_payload, shape)
    in_chunk = page_number - chunk_number * shape.page_size
    _same(top_records, top_hashes, in_chunk, page_root, page_jroot, f"page {page_number}")
    up, chunk_root = climb(top_records, in_chunk, shape.page_level, shape.chunk_level, shape.fields)
    jup, chunk_jroot = climb_journal(top_hashes, in_chunk, shape.page_level, shape.chunk_level)
    _, head_records, head_hashes = split_entries(heads, shape)
    _same(head_records, head_hashes, chunk_number, chunk_root, chunk_jroot, f"chunk {chunk_number}")
    top_path, _ = climb(head_records, chunk_number, shape.chunk_level, shape.depth, shape.fields)
    top_jpath, _ = climb_journal(head_hashes, chunk_number, shape.chunk_level, shape.depth)
    return MemberProof(
        date,
        member,
        (page_number << shape.page_bits) + in_page,
        shape.depth,
        shape.fields,
        leaves[in_page],
        (*path, *up, *top_path),
        (*jpath, *jup, *top_jpath),
    )


def _same(records: bytes, hashes: bytes, index: int, root: bytes, jroot: bytes, what: str) -> None:
    """The stratum above holds what the subtree below rebuilds to (else the store is torn)."""
    size = len(root)
    stored = records[index * size : (index + 1) * size]
    stored_journal = hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE]
    if stored != root or stored_journal != jroot:
        raise ProofError("proof_stored", f"{what} disagrees with the entry stored above it")
