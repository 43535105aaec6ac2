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
    from functions.store.ledger_store import LedgerStore

    from .existing_table import Target

EXIT_OK = 0
EXIT_NOT_SETTLED = 1
EXIT_USAGE = 2


def register(commands: Any) -> None:
    """Add ``settlement`` to the ``jifen`` sub-commands."""
    parser = commands.add_parser(
        "settlement",
        help="show the settlement sequence; finish an unfinished run",
        description=(
            "status: the last claimed settlement date, whether it is open or done, and for "
            "an open run its pages and how many are applied. run DATE: finish the open run "
            "of DATE, or settle DATE if it is the next date; exit 1 when it is blocked by "
            "another date or refused. The table comes from --table or JIFEN_TABLE_NAME, the "
            "endpoint from JIFEN_DYNAMODB_ENDPOINT (or AWS with JIFEN_USE_AWS=1), the plan "
            "from JIFEN_PLAN_PATH, the chain key from JIFEN_CHAIN_KEY_PARAM (AWS) or the local "
            "key file; notifications go to JIFEN_NOTIFY_QUEUE_URL when set."
        ),
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    status = verbs.add_parser("status", help="the settlement sequence and the open run")
    status.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    status.set_defaults(handler=_status)
    finish = verbs.add_parser("run", help="finish the open run of DATE, or settle DATE")
    finish.add_argument("date", metavar="DATE", help="business date, YYYY-MM-DD")
    finish.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    finish.set_defaults(handler=_run)


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


def _ledger_store(target: Target, *, create_key: bool) -> LedgerStore:
    """The target's ledger store, chained under the configured keyring."""
    from functions.config import ChainKeySettings
    from functions.services.runtime import chain_keyring
    from functions.store.storage import dynamodb_storage

    keyring = chain_keyring(
        ChainKeySettings(), target.endpoint, target.region, create_local=create_key
    )
    storage = dynamodb_storage(
        target.table, endpoint=target.endpoint, region=target.region, keyring=keyring
    )
    return storage.ledger


def _status(args: argparse.Namespace) -> int:
    from .existing_table import TargetError, resolve

    try:
        target = resolve(args.table)
    except TargetError as exc:
        return _fail(str(exc))
    print(json.dumps(sequence_status(_ledger_store(target, create_key=False)), indent=2))
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
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
    from functions.handlers import _runtime
    from functions.services.ledger import Ledger
    from functions.services.runtime import load_configured_plan
    from functions.services.settlement_fanout import settle_or_fan_out

    ledger = Ledger(_ledger_store(target, create_key=True), load_configured_plan())
    outcome = settle_or_fan_out(
        ledger, args.date, queue=_runtime.notification_queue(), starter=None
    )
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
    return EXIT_OK if outcome["status"] in {"settled", "already_settled"} else EXIT_NOT_SETTLED
