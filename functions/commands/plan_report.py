"""What ``jifen plan`` prints: the plan check's findings, the changed keys, the dry-run table."""

from __future__ import annotations

from functions.rewards.comparison import Comparison
from functions.rewards.plan_findings import Finding


def findings_text(findings: list[Finding] | tuple[Finding, ...]) -> str:
    if not findings:
        return "plan check: nothing found\n"
    return "plan check:\n" + "".join(f"  {finding.render()}\n" for finding in findings)


def changes_text(changes: list[tuple[str, str, str]] | tuple[tuple[str, str, str], ...]) -> str:
    if not changes:
        return "changes: none\n"
    return "changes:\n" + "".join(f"  {key}: {old} -> {new}\n" for key, old, new in changes)


def diff_text(comparison: Comparison, current: str, candidate: str) -> str:
    days = comparison.current.days
    lines = [
        f"dry run: current {current} vs candidate {candidate}, {len(days)} day(s) from "
        f"{days[0].date if days else '-'}, new purchases: {comparison.assumption}",
        f"{'date':<10}  {'plan':<9} {'released':>14} {'forfeited':>12} {'circulating':>15} "
        f"{'locked':>16} {'reserve':>14} {'price':>6} {'commission':>12} {'liability':>16}",
    ]
    for before, after in zip(days, comparison.candidate.days, strict=True):
        for label, day in (("current", before), ("candidate", after)):
            row = day.as_json()
            lines.append(
                f"{day.date if label == 'current' else '':<10}  {label:<9} "
                f"{row['released']:>14} {row['forfeited']:>12} {row['circulating']:>15} "
                f"{row['locked']:>16} {row['reserve']:>14} {row['price'] or '-':>6} "
                f"{row['commission']:>12} {row['liability']:>16}"
            )
    report = comparison.as_json()
    lines.append(
        f"members: {report['members']}: {report['gain']} gain, {report['lose']} lose, "
        f"{report['unchanged']} unchanged (cash value of released points at the final "
        "price, plus commission)"
    )
    for title, rows in (
        ("most affected", report["most_affected"]),
        ("most affected (relative)", report["most_affected_relative"]),
    ):
        if rows:
            lines.append(f"{title}:")
            lines += [
                f"  {row['member']}: {row['current']} -> {row['candidate']} ({row['change']})"
                for row in rows
            ]
    return "\n".join(lines) + "\n"
