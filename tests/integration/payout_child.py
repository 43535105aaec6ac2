"""The payouts handler in a child process that SIGKILLs itself at a chosen point.

``python -m tests.integration.payout_child <date> after-report`` runs the handler for
``{"date": <date>}`` as a Lambda container does: its runtime is built from the function
environment the parent test gives the process (local DynamoDB endpoint, reports in
``JIFEN_PAYOUT_DIR``). Right after the day's CSV
report is written, before any request is marked paid, the process kills itself with
SIGKILL: no ``finally``, no exception handler, no flush runs — as when Lambda kills a
timed-out or out-of-memory function.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable

from functions.handlers import payouts as handlers
from functions.services.payout_reports import DirectoryReportStore
from local.lambda_fakes import LambdaContext

Write = Callable[[DirectoryReportStore, str, bytes], None]


def _killed_after(write: Write) -> Write:
    def write_then_die(store: DirectoryReportStore, key: str, body: bytes) -> None:
        write(store, key, body)
        os.kill(os.getpid(), signal.SIGKILL)

    return write_then_die


def main(argv: list[str]) -> int:
    date, point = argv
    if point != "after-report":
        raise SystemExit(f"unknown kill point {point!r}")
    DirectoryReportStore.write = _killed_after(DirectoryReportStore.write)  # type: ignore[method-assign,assignment]
    context = LambdaContext("jifen-test-payouts")
    outcome = handlers.handler({"date": date}, context)
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
