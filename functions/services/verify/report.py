"""What ``jifen verify`` found: every mismatch with its stable check name, and how it is shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One disagreement: what was expected (from the evidence) and what the table holds."""

    check: str
    subject: str
    account: str
    expected: str
    found: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(slots=True)
class VerifyReport:
    """What was checked and every mismatch found; ``ok`` decides the exit code."""

    table: str
    counts: dict[str, int] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def add(
        self, check: str, subject: str, account: str, expected: str, found: str, detail: str = ""
    ) -> None:
        self.mismatches.append(Mismatch(check, subject, account, expected, found, detail))

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "ok": self.ok,
            "counts": dict(self.counts),
            "mismatches": [mismatch.as_json() for mismatch in self.mismatches],
            "notes": list(self.notes),
        }

    def render(self, limit: int = 200) -> str:
        """The operator's report: what was checked, then one line per mismatch."""
        c = self.counts
        lines = [
            f"jifen verify: table {self.table}",
            f"checked {c.get('members', 0)} members ({c.get('member_accounts', 0)} accounts, "
            f"{c.get('open_grants', 0)} open grants), {c.get('journal_entries', 0)} journal "
            f"entries ({c.get('postings', 0)} postings) in {c.get('chains', 0)} chains, "
            f"{c.get('system_accounts', 0)} platform accounts",
            f"paired {c.get('withdrawals', 0)} withdrawal requests, "
            f"{c.get('idempotency_records', 0)} idempotency records, {c.get('orders', 0)} "
            f"orders and {c.get('inbox_references', 0)} inbox references with their entries",
        ]
        lines += [f"note: {note}" for note in self.notes]
        if self.ok:
            lines.append("OK: every balance, total and chain agrees with the journal")
            return "\n".join(lines) + "\n"
        lines.append(f"MISMATCH: {len(self.mismatches)} problem(s)")
        width = max(len(m.subject) for m in self.mismatches[:limit])
        for mismatch in self.mismatches[:limit]:
            text = (
                f"  {mismatch.check:<11} {mismatch.subject:<{width}}  {mismatch.account:<16}"
                f" expected {mismatch.expected or '-':>12}  found {mismatch.found or '-':>12}"
            )
            if mismatch.detail:
                text += f"  ({mismatch.detail})"
            lines.append(text.rstrip())
        if len(self.mismatches) > limit:
            lines.append(f"  … and {len(self.mismatches) - limit} more (--json lists them all)")
        return "\n".join(lines) + "\n"
