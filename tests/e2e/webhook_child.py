"""A Lambda container in a child process: the real webhook handler, fed by the parent.

The parent writes one JSON line per invocation on stdin,
``{"event": <API Gateway event>, "remaining_ms": <time the invocation has>}``
(optionally ``"lease_margin_ms"``), and reads back one line ``RESPONSE <json>`` per
answered invocation (the handler's own logs go to stdout too). The environment (table,
endpoint, Bot API server) is inherited from the parent, so the child is the same
deployment as the parent's in-process handler: another container of one function.
Killing it with SIGKILL is what Lambda does to an invocation past its timeout.
"""

from __future__ import annotations

import json
import sys
import time

from functions.handlers import telegram_webhook


class Context:
    """The Lambda context fields the handler reads, with a real countdown."""

    function_name = "jifen-telegram-webhook"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:jifen-tg"
    aws_request_id = "child"

    def __init__(self, remaining_ms: int) -> None:
        self.deadline_s = time.time() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline_s - time.time()) * 1000))


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        if "lease_margin_ms" in request:
            telegram_webhook.LEASE_MARGIN_MS = int(request["lease_margin_ms"])
        response = telegram_webhook.handler(request["event"], Context(request["remaining_ms"]))
        print("RESPONSE", json.dumps(response), flush=True)


if __name__ == "__main__":
    main()
