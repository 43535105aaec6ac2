"""``jifen settlement``: see the settlement sequence, and finish an unfinished run.

Dates are settled strictly in order, so a run left unfinished (its function
crashed, a page kept failing) holds every later date back until it is finished:
the schedule answers ``blocked`` and the settlement alarm fires. ``status`` shows
which date is open and how far it got; ``run DATE`` finishes it (or settles DATE
when it is the next date due) here, applying pages inline, exactly as the
settlement function does with ``{"date": DATE}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from functions.runtime import Runtime

    from .existing_table import Target

EXIT_OK = 0
EXIT_NOT_SETTLED = 1
EXIT_USAGE = 2


def _fail(message: str) -> int:
    print(f"jifen settlement: {message}", file=sys.stderr)
    return EXIT_USAGE


def sequence_status(store: Any) -> dict[str, Any]:
    """What an operator needs to see: the last claimed run and, if open, its progress."""
    sequence = store.settlement_sequence()
    if sequence is None:
        return {"last_date": None, "open": False}
    status: dict[str, Any] = {
        "last_date": sequence.date,
        "seq": sequence.seq,
        "open": sequence.open,
    }
    if sequence.open:
        run = store.settlement_run(sequence.date)
        if run is not None:
            applied = store.applied_pages(run.date, run.run_id)
            status["run"] = {
                "date": run.date,
                "status": run.status,
                "pages": int(run.pages),
                "pages_applied": len(applied),
            }
        status["next_step"] = f"jifen settlement run {sequence.date}"
    return status


def status(args: argparse.Namespace) -> int:
    """``jifen settlement status``."""
    from .existing_table import TargetError, resolve

    try:
        target = resolve(args.table)
    except TargetError as exc:
        return _fail(str(exc))
    print(json.dumps(sequence_status(_runtime(target).stores.ledger), indent=2))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """``jifen settlement run DATE``: the one settlement driver, pages applied here."""
    import datetime as dt

    from .existing_table import TargetError, resolve

    try:
        dt.date.fromisoformat(args.date)
    except ValueError:
        return _fail(f"not a date: {args.date!r} (YYYY-MM-DD)")
    try:
        target = resolve(args.table)
    except TargetError as exc:
        return _fail(str(exc))
    from functions.services.settlement_fanout import settle_or_fan_out

    runtime = _runtime(target)
    outcome = settle_or_fan_out(
        runtime.ledger,
        args.date,
        queue=runtime.queue,
        starter=None,
        policy=runtime.fanout_policy,  # the deployment's notification rules
        after_finish=runtime.after_settlement,
    )
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
    return EXIT_OK if outcome["status"] in {"settled", "already_settled"} else EXIT_NOT_SETTLED


def _runtime(target: Target) -> Runtime:
    """The runtime of the table ``target`` names (settings otherwise from the environment)."""
    from functions.config import Settings
    from functions.runtime import Runtime

    settings = Settings.from_environment()
    store: dict[str, Any] = {
        "table_name": target.table,
        "region": target.region,
        "create_table": False,
    }
    if target.endpoint is None:
        store["use_aws"] = True
    else:
        store["dynamodb_endpoint"] = target.endpoint
    return Runtime(settings.replace(store=store))


def migrate_roster(args: argparse.Namespace) -> int:
    """``jifen settlement migrate-roster [--table T]``: list every member by a roster item
    (issue 16), so settling a member no longer writes the index; safe to rerun."""
    from .existing_table import TargetError, resolve

    try:
        target = resolve(args.table)
    except TargetError as exc:
        return _fail(str(exc))
    moved = _runtime(target).stores.ledger.migrate_roster()
    print(json.dumps({"moved": moved}))
    return EXIT_OK
