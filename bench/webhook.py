"""Webhook benchmark: cold import, cold first request, warm update latency.

* cold import: ``import functions.handlers.telegram_webhook`` timed inside fresh
  interpreters (budget 0.6 s, median of the runs);
* cold first request: import + build + initialize (getMe) + the first update in
  a fresh interpreter, for context — what a cold container really pays;
* warm: the webhook (``handle(runtime, ...)``, what ``handler()`` runs on the
  container's runtime) on the real HTTP API v2 event path against the local
  DynamoDB endpoint (moto, in a child process) with PTB pointed at the fake
  Bot API server on loopback; p95 over a mix of member screens (budget 50 ms).

Run by hand from the repository root:  .venv/bin/python bench/webhook.py [--updates N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests.support.botapi_server

IMPORT_BUDGET_S = 0.6
WARM_P95_BUDGET_MS = 50.0
SECRET = "bench-secret"
IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); import functions.handlers.telegram_webhook; "
    "print(time.perf_counter() - t)"
)
FIRST_REQUEST_SNIPPET = """
import json, sys, time
started = time.perf_counter()
from functions.handlers import telegram_webhook
imported = time.perf_counter()
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "bench", 512, "cold"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
response = telegram_webhook.handler(json.loads(sys.argv[1]), Context())
done = time.perf_counter()
assert response["statusCode"] == 200, response
print(json.dumps({"import": imported - started, "first": done - imported}))
"""


def _event(update: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /telegram",
        "rawPath": "/telegram",
        "headers": {"x-telegram-bot-api-secret-token": SECRET},
        "body": json.dumps(update),
        "isBase64Encoded": False,
    }


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cold_import(runs: int) -> list[float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], check=True, env=env, capture_output=True)
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", IMPORT_SNIPPET],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(runs)
    ]


def cold_first_request(env: dict[str, str], update: dict[str, Any]) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", FIRST_REQUEST_SNIPPET, json.dumps(_event(update))],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300, help="warm updates to time")
    parser.add_argument("--imports", type=int, default=7, help="fresh interpreters to time")
    args = parser.parse_args()

    imports = cold_import(args.imports)
    median_import = statistics.median(imports)
    print(
        f"cold import of functions.handlers.telegram_webhook: median {median_import:.3f} s, "
        f"min {min(imports):.3f} s, max {max(imports):.3f} s over {len(imports)} runs "
        f"(budget {IMPORT_BUDGET_S} s: {'OK' if median_import < IMPORT_BUDGET_S else 'OVER'})"
    )

    from functions.config import Settings
    from functions.runtime import Runtime
    from functions.store.client import dynamodb_client, use_local_credentials
    from functions.store.table_definition import ensure_table
    from local.endpoint import LocalDynamoDB
    from tests.support.botapi_server import BotApiServer, User

    use_local_credentials()
    member = User(id=880_000_001, first_name="Bench", language_code="en")
    operator = User(id=880_000_002, first_name="Ops", language_code="en")
    with LocalDynamoDB(in_subprocess=True) as local, BotApiServer() as server:
        table = f"jifen-bench-{uuid.uuid4().hex[:8]}"
        ensure_table(dynamodb_client(local.endpoint_url), table)
        env = {
            "JIFEN_BOT_TOKEN": server.token,
            "JIFEN_WEBHOOK_SECRET": SECRET,
            "JIFEN_TELEGRAM_API_URL": server.url,
            "JIFEN_TELEGRAM_TRUST_ENV": "false",
            "JIFEN_ADMIN_IDS": str(operator.id),
            "JIFEN_TABLE_NAME": table,
            "JIFEN_DYNAMODB_ENDPOINT": local.endpoint_url,
            "JIFEN_CREATE_TABLE": "false",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        first = cold_first_request(env, {"update_id": 1, **server.command(member, "/help")})
        print(
            f"cold first request (fresh interpreter): import {first['import']:.3f} s + "
            f"build, initialize and first update {first['first']:.3f} s"
        )
        settings = Settings.of(
            store={"table_name": table, "dynamodb_endpoint": local.endpoint_url},
            bot={
                "bot_token": server.token,
                "webhook_secret": SECRET,
                "telegram_api_url": server.url,
                "telegram_trust_env": False,
                "admin_ids": str(operator.id),
            },
        )
        runtime = Runtime(settings)
        try:
            warm(runtime, server, member, operator, args.updates)
        finally:
            runtime.close()


def warm(runtime: Any, server: Any, member: Any, operator: Any, count: int) -> None:
    from botocore.endpoint import Endpoint  # type: ignore[import-untyped,unused-ignore]

    from functions.handlers import telegram_webhook
    from functions.rewards.events import Purchase
    from functions.services.settlement import run_settlement
    from local.lambda_fakes import LambdaContext

    context: Any = LambdaContext("bench")
    next_id = iter(range(100, 10**9))
    dynamodb_requests = [0]
    make_request = Endpoint.make_request

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        dynamodb_requests[0] += 1
        return make_request(self, *args, **kwargs)

    Endpoint.make_request = counting  # type: ignore[method-assign,unused-ignore]

    def send(update: dict[str, Any]) -> tuple[float, float]:
        """Wall and main-thread CPU seconds of one invocation."""
        started, cpu = time.perf_counter(), time.thread_time()
        event = _event({"update_id": next(next_id), **update})
        response = telegram_webhook.handle(runtime, event, context)
        elapsed, used = time.perf_counter() - started, time.thread_time() - cpu
        assert response["statusCode"] == 200, response
        return elapsed, used

    send(server.command(member, "/start"))
    send(server.contact_message(member, "+8613900000000"))
    ledger = telegram_webhook.webhook_of(runtime).application.bot_data["jifen"].members.ledger
    for number in range(12):  # some history, then a purchase and the day's settlement
        ledger.adjust(f"tg{member.id}", 1_000 + number, "bench", f"bench-{number}", operator="b")
    ledger.purchase(Purchase(f"tg{member.id}", "bench-order", 900_000), "bench-order")
    run_settlement(ledger, "2026-01-01")
    send(server.command(member, "/history"))
    history_page = server.requests("sendMessage")[-1].result  # the bot's page, with buttons

    mix: dict[str, Any] = {
        "/balance": lambda: server.command(member, "/balance"),
        "/history": lambda: server.command(member, "/history"),
        "history page button": lambda: server.callback_query(member, "hist:6", history_page),
        "/team": lambda: server.command(member, "/team"),
        "/withdraw 100": lambda: server.command(member, "/withdraw", "100"),
        "/help": lambda: server.command(member, "/help"),
        "sticker": lambda: server.text_message(member, "🙂"),
        "/lookup (operator)": lambda: server.command(operator, "/lookup", str(member.id)),
    }
    for build in mix.values():  # warm every path once
        send(build())
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in mix}
    requests: dict[str, int] = dict.fromkeys(mix, 0)
    bot_api: dict[str, int] = dict.fromkeys(mix, 0)
    for index in range(count):
        name = list(mix)[index % len(mix)]
        before_db, before_api = dynamodb_requests[0], len(server.requests())
        timings[name].append(send(mix[name]()))
        requests[name] += dynamodb_requests[0] - before_db
        bot_api[name] += len(server.requests()) - before_api
    Endpoint.make_request = make_request  # type: ignore[method-assign,unused-ignore]
    every = [wall * 1000 for values in timings.values() for wall, _ in values]
    p95 = _percentile(every, 0.95)
    cpu = statistics.mean(used * 1000 for values in timings.values() for _, used in values)
    print(
        f"warm update handling over {len(every)} updates: p50 {_percentile(every, 0.5):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(every):.1f} ms, handler CPU mean {cpu:.1f} ms "
        f"(budget p95 {WARM_P95_BUDGET_MS:.0f} ms: {'OK' if p95 < WARM_P95_BUDGET_MS else 'OVER'})"
    )
    print(f"  {'update':<20} {'p50':>8} {'p95':>8} {'CPU':>7}  DynamoDB  Bot API")
    for name, values in timings.items():
        wall_ms = [wall * 1000 for wall, _ in values]
        cpu_ms = statistics.mean(used * 1000 for _, used in values)
        p50, p95_one = _percentile(wall_ms, 0.5), _percentile(wall_ms, 0.95)
        db, api = requests[name] / len(values), bot_api[name] / len(values)
        print(
            f"  {name:<20} {p50:5.1f} ms {p95_one:5.1f} ms {cpu_ms:4.1f} ms  {db:8.1f} {api:8.1f}"
        )


if __name__ == "__main__":
    main()
