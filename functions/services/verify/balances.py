"""The stored balances against the replayed journal: members, platform accounts, assets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from functions.rewards.ledger import ASSET_OF, SYSTEM, Asset
from functions.rewards.money import Cents, format_cents
from functions.store.commit import MEMBER_BUCKETS, PROGRAM_STATISTICS, STATISTICS, SYSTEM_BUCKETS
from functions.store.ports import LedgerPort
from functions.store.records import MemberRecord

from .replay import ChainState, Evidence
from .report import VerifyReport

REPLAYED_STATISTICS = tuple(sorted(STATISTICS - PROGRAM_STATISTICS))  # issue 13: see commit.py
"""Member counters the journal determines; each is recomputed and compared."""


class BalanceCheck:
    """Every member item and the platform totals against the evidence; the stored
    balances summed per asset on the way (they must balance like the postings)."""

    def __init__(self, store: LedgerPort, report: VerifyReport, evidence: Evidence) -> None:
        self.store = store
        self.report = report
        self.evidence = evidence
        self.stored_assets: dict[Asset, Cents] = defaultdict(int)

    # -- members ---------------------------------------------------------
    def check_members(self, members: Iterable[MemberRecord]) -> Cents:
        """Compare every member item with the evidence; return the sum of available."""
        ev = self.evidence
        report = self.report
        seen: set[str] = set()
        available_total = 0
        grants = 0
        for record in members:
            name = record.member
            seen.add(name)
            available_total += record.available
            replayed = ev.balances.get(name, {})
            for account in MEMBER_BUCKETS.values():
                expected = replayed.get(account, 0)
                found = int(getattr(record, account))
                if expected != found:
                    report.add(
                        "balance", name, account, format_cents(expected), format_cents(found)
                    )
            for bucket, account in MEMBER_BUCKETS.items():
                self.stored_assets[ASSET_OF[bucket]] += int(getattr(record, account))
            self._check_chain_head(record)
            grants += len(record.grants)
            self._check_grants(record)
            self._check_statistics(record)
        for owner in sorted(set(ev.balances) - seen):
            report.add("member", owner, "item", "a member item", "none", "postings name it")
        for owner in sorted(set(ev.chains) - seen):
            report.add("member", owner, "item", "a member item", "none", "it has journal entries")
        self.report.counts.update(
            members=len(seen), member_accounts=len(seen) * len(MEMBER_BUCKETS), open_grants=grants
        )
        return available_total

    def _check_chain_head(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        state = self.evidence.chains.get(name, ChainState())
        for problem in state.problems:
            report.add(problem.check, name, "journal", "", "", problem.detail)
        for settlement in state.settlements:
            report.add("settlement", name, "journal", "each date once, in order", "", settlement)
        if record.journal_seq != state.last_seq or state.entries != state.last_seq:
            report.add(
                "head",
                name,
                "journal_seq",
                str(state.last_seq),
                str(record.journal_seq),
                f"{state.entries} entries in the journal",
            )
        if record.journal_head != state.head:
            report.add("head", name, "journal_head", state.head[:12], record.journal_head[:12])
        frozen = bool(state.frozen)
        if record.frozen != frozen:
            report.add("state", name, "frozen", str(frozen), str(record.frozen))
        if state.last_settled is not None and record.last_settled != state.last_settled:
            report.add("state", name, "last_settled", state.last_settled, str(record.last_settled))

    def _check_grants(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        remaining = sum(grant.remaining for grant in record.grants)
        if remaining != record.locked:
            report.add(
                "grants",
                name,
                "locked",
                format_cents(remaining),
                format_cents(record.locked),
                "sum of open grants' remaining",
            )
        seqs = [grant.seq for grant in record.grants]
        if seqs != sorted(set(seqs)) or (seqs and seqs[-1] > record.grant_seq):
            report.add("grants", name, "grants.seq", f"ascending, <= {record.grant_seq}", str(seqs))
        for grant in record.grants:
            if not 0 < grant.remaining <= grant.points or grant.daily < 0:
                report.add(
                    "grants",
                    name,
                    f"grant {grant.seq}",
                    f"0 < remaining <= {format_cents(grant.points)}",
                    format_cents(grant.remaining),
                )

    def _check_statistics(self, record: MemberRecord) -> None:
        report = self.report
        name = record.member
        replayed = self.evidence.statistics.get(name, {})
        for stat in REPLAYED_STATISTICS:
            expected = replayed.get(stat, 0)
            found = int(getattr(record, stat))
            if expected != found:
                shown = str if stat == "grant_seq" else format_cents
                report.add(
                    "statistics",
                    name,
                    stat,
                    shown(expected),
                    shown(found),
                    "replayed from the journal",
                )
        balanced = (
            record.available
            + record.withdrawing
            + record.withdrawn_points
            + record.spent
            + record.transferred_out
            - record.transferred_in
            - record.adjusted
            + _program_flows(record)  # issue 13
            + record.clawed_back  # economics (issue 12): refunds took these back
        )
        if balanced != record.released:
            report.add(
                "statistics",
                name,
                "released",
                format_cents(balanced),
                format_cents(record.released),
                "available + withdrawing + withdrawn_points + spent + transferred_out"
                " - transferred_in - adjusted + clawed_back",
            )

    # -- the platform ----------------------------------------------------
    def check_system(self, available_total: Cents) -> None:
        """Platform accounts, fees and circulating against the evidence and the members."""
        ev = self.evidence
        report = self.report
        totals = self.store.system_totals()
        for account in SYSTEM_BUCKETS.values():
            expected = ev.system.get(account, 0)
            found = int(getattr(totals, account))
            if expected != found:
                report.add("system", SYSTEM, account, format_cents(expected), format_cents(found))
        if totals.fees != ev.fees:
            report.add(
                "system",
                SYSTEM,
                "fees",
                format_cents(ev.fees),
                format_cents(totals.fees),
                "fees of approved withdrawals",
            )
        if totals.circulating != available_total:
            report.add(
                "circulating",
                SYSTEM,
                "circulating",
                format_cents(available_total),
                format_cents(totals.circulating),
                "sum of members' available",
            )
            self._explain_circulating()
        for bucket, account in SYSTEM_BUCKETS.items():
            self.stored_assets[ASSET_OF[bucket]] += int(getattr(totals, account))
        report.counts["system_accounts"] = len(SYSTEM_BUCKETS) + 2

    def _explain_circulating(self) -> None:
        """A settlement between its member writes and its page totals leaves circulating behind."""
        dates = {state.last_settled for state in self.evidence.chains.values()}
        for date in sorted(d for d in dates if d is not None):
            run = self.store.settlement_run(date)
            if run is not None and run.status != "done":
                self.report.notes.append(
                    f"settlement {date} is still {run.status}: circulating catches up when "
                    "its pages are applied; verify again after it finishes"
                )

    def check_assets(self) -> None:
        """Postings sum to zero per asset; so must the stored balances (members + platform)."""
        for asset in Asset:
            total = self.evidence.assets.get(asset, 0)
            if total:
                self.report.add(
                    "zero_sum", "journal", asset.value, format_cents(0), format_cents(total)
                )
            stored = self.stored_assets.get(asset, 0)
            if stored:
                self.report.add(
                    "zero_sum",
                    "stored",
                    asset.value,
                    format_cents(0),
                    format_cents(stored),
                    "member balances plus platform accounts",
                )


def _program_flows(record: MemberRecord) -> Cents:
    """Available points the engagement programs took out, net of what they paid in
    (issue 13): draws, prizes, stakes (open, ended early at a penalty, rewarded) and
    catalog redemptions, so the identity above holds for members who took part."""
    p = record.programs
    return (
        p.drawn
        - p.won
        + p.staked
        + p.penalties
        - p.stake_bonus
        - p.star_reward
        - p.bole_reward
        + p.redeemed
    )
