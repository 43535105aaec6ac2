"""``jifen verify``'s proof checks: the stored days against their published records and the table.

For each day checked (the newest published by default):

``proof_root``
    the day rebuilt from its stored pages (leaves) alone does not give the header's roots
    or member count: a stored balance, head or member was changed after publication;
``proof_record``
    the header's record is not the one in the bucket (or it is missing there), or its
    roots are not the rebuilt ones;
``proof_stored``
    the stored tops or heads (what proofs are served from) are not the rebuilt ones;
``proof_leaf``
    a member item still at the version a leaf was read from holds other balances or
    another chain head than the leaf (the item was changed without a transaction);
``proof_journal``
    the journal entry a published leaf names (member, seq) is missing or has another
    hash: history that was committed publicly was rewritten or truncated since. This is
    the anchor of the keyed chain outside the table (docs/storage.md, "Keyed chain").

The member and journal checks ride on the audit's own single pass (:meth:`members`,
:meth:`journal` wrap its streams), so they cost no extra read of the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from functions.proofs.documents import RECORD_PREFIX, record_date, record_name
from functions.proofs.encoding import ProofError
from functions.store.records import MemberRecord, StoredEntry

from ..verify import Mismatch
from .daily import ProofService, holding_of


class ProofAudit:
    """Checks the days ``dates`` while the ledger audit streams members and entries."""

    def __init__(self, service: ProofService, dates: Sequence[str]) -> None:
        self.service = service
        self.dates = list(dates)
        self.mismatches: list[Mismatch] = []
        self.notes: list[str] = []
        self._latest: dict[str, tuple[int, tuple[object, ...]]] = {}
        self._heads: dict[tuple[str, int], tuple[str, str]] = {}
        self.days_checked = 0
        self.leaves_checked = 0

    def _add(self, check: str, subject: str, account: str, expected: str, found: str) -> None:
        self.mismatches.append(Mismatch(check, subject, account, expected, found))

    def load(self) -> None:
        """Rebuild every day from its stored leaves and compare what was published; and
        every record in the bucket must have its day in the table (a header deleted to
        hide a day is found, whichever days are checked)."""
        stored = set(self.service.proofs.proof_dates())
        for name in self.service.publisher.names(RECORD_PREFIX):
            date = record_date(name)
            if date is not None and date not in stored and not self.service.proofs.proof_day(date):
                self._add("proof_record", date, "header", "the published day", "missing")
        for date in self.dates:
            try:
                self._check_day(date)
            except ProofError as exc:
                self._add("proof_root", date, exc.code, "a day that rebuilds", exc.message)

    def _check_day(self, date: str) -> None:
        service = self.service
        day = service.proofs.proof_day(date)
        if day is None:
            self._add("proof_root", date, "header", "a stored day", "none")
            return
        self.days_checked += 1
        rebuilt = service.rebuild(day)
        root, members, _ = rebuilt.root
        for account, expected, found in (
            ("root", day.root, root.hex()),
            ("journal_root", day.journal_root, rebuilt.journal_root.hex()),
            ("members", str(day.members), str(members)),
        ):
            if expected != found:
                self._add("proof_root", date, account, expected, found)
        record = json.loads(day.record)
        if record["root"]["hash"] != day.root or record["journal_root"] != day.journal_root:
            self._add("proof_record", date, "header", day.root, str(record["root"]["hash"]))
        published = service.publisher.read(record_name(date))
        if published is not None and published != day.record.encode("utf-8"):
            self._add("proof_record", date, "bucket", "the stored record", "other bytes")
        elif published is None and day.published:
            self._add("proof_record", date, "bucket", "the stored record", "missing")
        elif published is None:
            self.notes.append(f"proof of {date} is stored but not published yet")
        tops = service.proofs.proof_tops(date, day.build_id)
        if tops != rebuilt.tops() or day.heads != rebuilt.heads():
            self._add("proof_stored", date, "tops", "the rebuilt page roots", "other bytes")
        for leaf in rebuilt.leaves:
            holding = leaf.holding
            if holding.journal_seq:
                self._heads[(holding.member, holding.journal_seq)] = (holding.journal_head, date)
            if date == self.dates[-1]:
                self._latest[holding.member] = (holding.version, tuple(holding))

    def members(self, stream: Iterable[MemberRecord]) -> Iterator[MemberRecord]:
        """``stream`` unchanged; members still at a leaf's version must match the leaf."""
        for member in stream:
            leaf = self._latest.get(member.member)
            if leaf is not None and leaf[0] == member.version:
                self.leaves_checked += 1
                if tuple(holding_of(member)) != leaf[1]:
                    self._add(
                        "proof_leaf",
                        member.member,
                        f"version {member.version}",
                        "the published leaf",
                        "other balances or head",
                    )
            yield member

    def journal(self, stream: Iterable[StoredEntry]) -> Iterator[StoredEntry]:
        """``stream`` unchanged; every published chain head must still be its entry's hash."""
        for stored in stream:
            entry = stored.entry
            expected = self._heads.pop((entry.member, entry.seq), None)
            if expected is not None and expected[0] != entry.hash:
                self._add(
                    "proof_journal",
                    f"{entry.member}#{entry.seq}",
                    expected[1],
                    expected[0][:16],
                    entry.hash[:16],
                )
            yield stored

    def finish(self) -> None:
        """Heads published but never met in the journal: the entry is gone."""
        for (member, seq), (head, date) in sorted(self._heads.items()):
            self._add("proof_journal", f"{member}#{seq}", date, head[:16], "missing")
        self._heads.clear()
