"""A Lambda container in a child process: the real webhook handler, fed by the parent.

The parent writes one JSON line per invocation on stdin,
``{"event": <API Gateway event>, "remaining_ms": <time the invocation has>}``
(optionally ``"lease_margin_ms"``), and reads back one line ``RESPONSE <json>`` per
answered invocation (the handler's own logs go to stdout too). The environment (table,
endpoint, Bot API server) is the one the parent gives the function, so the child is
the same deployment as the parent's in-process handler: another container of one
function, whose runtime the real entry point builds from that environment.
Killing it with SIGKILL is what Lambda does to an invocation past its timeout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from functions.handlers import telegram_webhook
from local.lambda_fakes import CountdownContext


def context(remaining_ms: int) -> Any:
    """The Lambda context fields the handler reads, with a real countdown."""
    return CountdownContext("jifen-telegram-webhook", remaining_ms, memory_limit_in_mb=1024)


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        if "lease_margin_ms" in request:
            telegram_webhook.LEASE_MARGIN_MS = int(request["lease_margin_ms"])
        response = telegram_webhook.handler(request["event"], context(request["remaining_ms"]))
        print("RESPONSE", json.dumps(response), flush=True)


if __name__ == "__main__":
    main()
