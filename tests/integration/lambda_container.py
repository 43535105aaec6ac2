"""One Lambda container in a child process: every entry point, configured by its environment.

``python -m tests.integration.lambda_container`` invokes each handler of template.yaml
once, exactly as AWS does (``handler(event, context)``, the runtime built from the
process environment the parent gives it), and prints ``RESULT <name> <json>`` per
invocation. Run by ``test_lambda_containers.py``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from local.lambda_fakes import LambdaContext, http_api_event, sqs_event


def _report(name: str, value: Any) -> None:
    print("RESULT", name, json.dumps(value, sort_keys=True, default=str), flush=True)


def main() -> None:
    from functions.handlers import (
        merchant_api,
        notifications,
        payouts,
        settlement,
        telegram_webhook,
    )
    from functions.runtime import container_runtime

    context: Any = LambdaContext("jifen-test-container", remaining_ms=60_000)
    _report("settlement", settlement.handler({"date": "2026-01-01"}, context))
    first = container_runtime()
    os.environ["JIFEN_TIME_ZONE"] = "UTC"  # changed under a warm container
    _report(
        "warm",
        {
            "same_runtime": container_runtime() is first,
            "time_zone": container_runtime().settings.schedule.time_zone,
        },
    )
    _report("payouts", payouts.handler({"date": "2026-01-02"}, context))
    unsigned = http_api_event("POST", "/orders", [("content-type", "application/json")], b"{}")
    _report("merchant_api", merchant_api.handler(unsigned, context))
    notice = {
        "kind": "settlement",
        "date": "2026-01-01",
        "member": "nobody",
        "statement": {
            "static": "1.00",
            "share": [],
            "team": "0.00",
            "peer": "0.00",
            "paid": "0.00",
            "forfeited": "0.00",
        },
    }
    _report("notifications", notifications.handler(sqs_event([notice]), context))
    forged = {"headers": {"x-telegram-bot-api-secret-token": "forged"}, "body": "{}"}
    _report("telegram_webhook", telegram_webhook.handler(forged, context))


if __name__ == "__main__":
    main()
