"""``jifen verify``: audit a live table (balances, totals and hash chains against the journal).

Unlike ``scenario``, this verb never starts the embedded endpoint
(:mod:`functions.commands.existing_table` says why).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_CLEAN = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2


def register(commands: Any) -> None:
    """Add ``verify`` to the ``jifen`` sub-commands."""
    parser = commands.add_parser(
        "verify",
        help="recompute every balance from the journal and compare with the stored items",
        description=(
            "Audit a Jifen table: every member account, platform account and circulating "
            "total is recomputed from the journal, every member's hash chain is checked, "
            "and locked points and statistics are reconciled. Exit 0 when clean, 1 on any "
            "mismatch, 2 when the table cannot be reached. The endpoint comes from "
            "JIFEN_DYNAMODB_ENDPOINT, or real AWS with JIFEN_USE_AWS=1."
        ),
    )
    parser.add_argument("--table", help="table name (default: JIFEN_TABLE_NAME)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"jifen verify: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """Resolve table and endpoint without side effects, then audit and report."""
    from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
        BotoCoreError,
        ClientError,
    )

    from .existing_table import TargetError, resolve

    try:
        target = resolve(args.table)
    except TargetError as exc:
        return _fail(str(exc))

    from pynamodb.exceptions import PynamoDBException

    from functions.services.verify import verify
    from functions.store.ledger_store import LedgerStore

    try:
        report = verify(LedgerStore(target.table, target.endpoint, target.region))
    except (BotoCoreError, ClientError, PynamoDBException) as exc:
        return _fail(f"reading {target.table!r} failed: {exc}")
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(report.render())
    return EXIT_CLEAN if report.ok else EXIT_MISMATCH
