"""What the plan check reports: a finding with a stable code and a severity, and its limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    key: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "key": self.key,
            "message": self.message,
        }

    def render(self) -> str:
        where = f" [{self.key}]" if self.key else ""
        return f"{self.severity.value:<7} {self.code}{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class CheckLimits:
    """The thresholds (the law's three generations, the seeds' promises)."""

    max_generations: int = 3
    """China's rules on 传销 draw the line at three levels above the buyer."""
    max_multiple: Fraction = Fraction(5)
    """The seeds promise up to 5x the cash in points."""
    min_release_days: int = 30
    """A daily release that empties a grant faster than this is flagged."""
    days: int = 30
    """How far the solvency projection runs (with a state)."""


def finding(code: str, severity: Severity, message: str, key: str = "") -> Finding:
    return Finding(code, severity, message, key)


def has_errors(findings: Sequence[Finding]) -> bool:
    return any(finding.severity is Severity.ERROR for finding in findings)
