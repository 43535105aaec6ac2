"""The plans' audit chain: every published version as it was published, none missing.

Versions are immutable items chained by a keyed hash (:mod:`functions.store.plan_store`);
this checks the chain under the audit's keyring, the head, each text's digest and that
each text still loads as a valid plan (check ``plan``; an unknown key id is ``chain_key``).
"""

from __future__ import annotations

from functions.rewards.errors import Rejected
from functions.rewards.events import valid_date
from functions.rewards.plan import PlanError, load_plan_text
from functions.store.plan_store import plan_chain_problems
from functions.store.ports import LedgerPort

from .report import VerifyReport


def check_plans(store: LedgerPort, report: VerifyReport) -> None:
    """Add a mismatch for every problem with the stored plan versions."""
    versions = store.plan_versions()
    for problem in plan_chain_problems(versions, store.plan_head(), store.keyring):
        report.add(problem.check, f"plan v{problem.version}", "plan", "", "", problem.detail)
    for record in versions:
        subject = f"plan v{record.version}"
        try:
            load_plan_text(record.text)
        except PlanError as exc:
            report.add("plan", subject, "text", "a valid plan", "invalid", str(exc))
        if record.effective_from is not None:
            try:
                valid_date(record.effective_from)
            except Rejected:
                report.add("plan", subject, "effective_from", "YYYY-MM-DD", record.effective_from)
    report.counts["plan_versions"] = len(versions)
    if versions:
        report.notes.append(f"checked {len(versions)} plan version(s) and their audit chain")
