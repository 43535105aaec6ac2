"""``jifen dev``: the whole platform on one machine, for trying things by hand.

It starts (or uses) a local DynamoDB endpoint, creates the table from
template.yaml, and serves on one local port:

* every request the merchant API would get — translated into the API Gateway
  HTTP API (v2) event and handed to the real Lambda handler
  (:mod:`functions.handlers.merchant_api`), so ``POST /orders`` behaves as
  deployed;
* ``POST /dev/settle?date=YYYY-MM-DD`` — settle a day now (default: today in
  the business time zone); members' notifications go through the real
  notification handler to Telegram when a bot token is set;
* ``POST /dev/members`` ``{"member", "referrer"?, "telegram_id"?, "language"?}``
  — join a member without the bot; ``GET /dev/members/<member>`` — balances;
* ``GET /dev/health`` — what runs where, and the days settled so far.

``--accelerate SECONDS`` settles one simulated day every SECONDS seconds,
starting at ``--start-date``. With a bot token (``--bot-token`` or
``JIFEN_BOT_TOKEN``) the bot also runs, by long polling. Ctrl-C (or SIGTERM)
stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

EXIT_OK = 0
EXIT_USAGE = 2
SQS_BATCH = 10
LOG_PREFIX = "jifen dev:"


def register(commands: Any) -> None:
    """Add ``dev`` to the ``jifen`` sub-commands."""
    parser = commands.add_parser(
        "dev",
        help="run locally: DynamoDB, the merchant API, settlement on demand, the bot",
        description=(
            "Start a local DynamoDB (unless JIFEN_DYNAMODB_ENDPOINT names one), create the "
            "table from template.yaml and serve the merchant API (POST /orders, the real "
            "Lambda handler) plus /dev/settle, /dev/members and /dev/health on one port. "
            "With a bot token the bot polls Telegram too. Ctrl-C stops everything."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--table", default=None, help="table name (default: JIFEN_TABLE_NAME)")
    parser.add_argument("--plan", help="plan file (default: JIFEN_PLAN_PATH or dividend.yaml)")
    parser.add_argument(
        "--merchants",
        help=(
            "merchant keys JSON, or @FILE (default: JIFEN_MERCHANT_KEYS, else a generated "
            "'demo' merchant at the plan's lowest rebate)"
        ),
    )
    parser.add_argument(
        "--accelerate",
        type=float,
        metavar="SECONDS_PER_DAY",
        help="settle one simulated day every SECONDS_PER_DAY seconds",
    )
    parser.add_argument(
        "--start-date", help="first simulated day for --accelerate (default: today)"
    )
    parser.add_argument("--bot-token", help="run the bot by polling (default: JIFEN_BOT_TOKEN)")
    parser.add_argument(
        "--telegram-api-url", help="Bot API base URL (default: JIFEN_TELEGRAM_API_URL)"
    )
    parser.add_argument(
        "--no-bot",
        action="store_true",
        help="do not poll even with a token (settlement notifications are still sent)",
    )
    parser.set_defaults(handler=run)


# -- configuration -----------------------------------------------------------------------


@dataclass
class DevConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    table: str = "jifen-dev"
    plan_path: Path | None = None
    merchants_json: str | None = None
    accelerate_s: float | None = None
    start_date: dt.date | None = None
    bot_token: str | None = None
    telegram_api_url: str | None = None
    poll_bot: bool = True
    endpoint: str | None = None
    """An already running DynamoDB endpoint; None starts an embedded one."""
    out: TextIO = field(default_factory=lambda: sys.stdout)


def config_from(args: argparse.Namespace) -> DevConfig:
    """The command line and environment as a :class:`DevConfig` (ValueError if unusable)."""
    from functions.rewards.errors import Rejected
    from functions.rewards.events import valid_date

    merchants = args.merchants or os.environ.get("JIFEN_MERCHANT_KEYS")
    if merchants and merchants.startswith("@"):
        merchants = Path(merchants[1:]).read_text(encoding="utf-8")
    start: dt.date | None = None
    if args.start_date:
        try:
            start = dt.date.fromisoformat(valid_date(args.start_date))
        except Rejected as exc:
            raise ValueError(f"--start-date: {exc.message}") from None
    if args.accelerate is not None and not args.accelerate > 0:
        raise ValueError("--accelerate needs a positive number of seconds per day")
    plan = args.plan or os.environ.get("JIFEN_PLAN_PATH")
    return DevConfig(
        host=args.host,
        port=args.port,
        table=args.table or os.environ.get("JIFEN_TABLE_NAME") or "jifen-dev",
        plan_path=Path(plan).resolve() if plan else None,
        merchants_json=merchants,
        accelerate_s=args.accelerate,
        start_date=start,
        bot_token=args.bot_token or os.environ.get("JIFEN_BOT_TOKEN"),
        telegram_api_url=args.telegram_api_url or os.environ.get("JIFEN_TELEGRAM_API_URL"),
        poll_bot=not args.no_bot,
        endpoint=os.environ.get("JIFEN_DYNAMODB_ENDPOINT"),
    )


# -- HTTP ↔ Lambda events ------------------------------------------------------------------


@dataclass(frozen=True)
class DevContext:
    """The parts of a Lambda context the handlers read."""

    function_name: str
    remaining_ms: int = 30_000
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def http_api_event(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What API Gateway (HTTP API, payload 2.0) would hand the function for this request."""
    now = now or dt.datetime.now(dt.UTC)
    split = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    query = {key: ",".join(values) for key, values in parse_qs(split.query).items()}
    try:
        text: str = body.decode("utf-8")
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    path = unquote(split.path) or "/"
    route = "POST /orders" if (method, path) == ("POST", "/orders") else "$default"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": split.query,
        "headers": joined,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": joined.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = text
    return event


def sqs_event(messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An SQS batch as Lambda delivers it, one record per message."""
    import hashlib

    sent = str(int(time.time() * 1000))
    records = []
    for message in messages:
        body = json.dumps(message, ensure_ascii=False, sort_keys=True)
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"local-{uuid.uuid4().hex}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "jifen-dev",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:jifen-dev-notifications",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


class CollectingQueue:
    """The notification queue of a local settlement: keeps the messages to send next."""

    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.messages.extend(messages)
        return len(messages)


# -- the stack -------------------------------------------------------------------------------


class DevError(RuntimeError):
    """Something the developer can fix (bad plan, port taken, ...)."""


_ENV_KEYS = (
    "JIFEN_DYNAMODB_ENDPOINT",
    "JIFEN_TABLE_NAME",
    "JIFEN_CREATE_TABLE",
    "JIFEN_PLAN_PATH",
    "JIFEN_MERCHANT_KEYS",
    "JIFEN_MERCHANT_KEYS_PARAM",
    "JIFEN_BOT_TOKEN",
    "JIFEN_BOT_TOKEN_PARAM",
    "JIFEN_TELEGRAM_API_URL",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_LOG_LEVEL",
)


class DevStack:
    """Local DynamoDB + table + HTTP server (+ accelerated settlement, + bot)."""

    def __init__(self, config: DevConfig) -> None:
        self.config = config
        self._local: Any = None
        self._server: _DevHttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._settle_lock = threading.Lock()
        self._saved_env: dict[str, str | None] = {}
        self.endpoint: str | None = None
        self.merchants: dict[str, Any] = {}
        self.settled: list[str] = []
        self.notify = False

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Bring everything up; on any failure, tear down what was started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        from functions.store.local_endpoint import (
            LocalDynamoDB,
            dynamodb_client,
            use_local_credentials,
        )
        from functions.store.table_definition import ensure_table

        config = self.config
        plan = self._load_plan()
        self.merchants = self._merchant_config(plan)
        if config.endpoint:
            self.endpoint = config.endpoint
        else:
            self._local = LocalDynamoDB(host="127.0.0.1")
            self.endpoint = self._local.start()
        use_local_credentials()
        ensure_table(dynamodb_client(self.endpoint), config.table)
        self.notify = config.bot_token is not None
        self._set_env(
            {
                "JIFEN_DYNAMODB_ENDPOINT": self.endpoint,
                "JIFEN_TABLE_NAME": config.table,
                "JIFEN_CREATE_TABLE": "0",
                "JIFEN_PLAN_PATH": str(self._plan_path()),
                "JIFEN_MERCHANT_KEYS": json.dumps(self.merchants),
                "JIFEN_MERCHANT_KEYS_PARAM": None,
                "JIFEN_BOT_TOKEN": config.bot_token,
                "JIFEN_BOT_TOKEN_PARAM": None,
                "JIFEN_TELEGRAM_API_URL": config.telegram_api_url
                or os.environ.get("JIFEN_TELEGRAM_API_URL"),
                "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "1"),
                "POWERTOOLS_TRACE_DISABLED": "1",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            }
        )
        # imported only now: Powertools reads its POWERTOOLS_* settings at import
        from functions.handlers import _runtime, merchant_api, notifications

        _runtime.reset()
        merchant_api.reset()
        notifications.reset()
        _runtime.ledger()  # open the store and validate the plan now, not on the first request
        try:
            self._server = _DevHttpServer((config.host, config.port), _DevRequestHandler, self)
        except OSError as exc:
            raise DevError(f"cannot listen on {config.host}:{config.port}: {exc}") from None
        self._spawn(self._server.serve_forever, "dev-http", 0.1)
        if config.accelerate_s is not None:
            self._spawn(self._accelerated_days, "dev-clock")
        self._announce(plan)

    def stop(self) -> None:
        """Stop serving and settling, stop the embedded endpoint, restore the environment."""
        from functions.handlers import _runtime, merchant_api, notifications

        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._local is not None:
            self._local.stop()
            self._local = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        _runtime.reset()
        merchant_api.reset()
        notifications.reset()

    def wait(self) -> None:
        """Block until :meth:`request_stop` (or Ctrl-C in the caller)."""
        while not self._stopping.wait(0.2):
            pass

    def request_stop(self) -> None:
        self._stopping.set()

    @property
    def url(self) -> str:
        if self._server is None:
            raise DevError("the dev server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- use cases -----------------------------------------------------------
    def settle(self, date: str) -> dict[str, Any]:
        """Settle ``date`` now (idempotent), then send its members' notifications."""
        from functions.handlers import _runtime
        from functions.services.settlement_fanout import settle_or_fan_out

        with self._settle_lock:
            queue = CollectingQueue()
            outcome = settle_or_fan_out(_runtime.ledger(), date, queue=queue, starter=None)
            if date not in self.settled and outcome.get("status") != "already_settled":
                self.settled.append(date)
            outcome["telegram"] = self._deliver(queue.messages)
            return outcome

    def join(self, body: Mapping[str, Any]) -> dict[str, Any]:
        from functions.handlers import _runtime
        from functions.rewards.events import Join

        member, referrer = body.get("member"), body.get("referrer")
        if not isinstance(member, str) or (referrer is not None and not isinstance(referrer, str)):
            raise ValueError("give `member` (and optionally `referrer`) as strings")
        profile: dict[str, object] = {}
        if body.get("telegram_id") is not None:
            telegram_id = body["telegram_id"]
            if not isinstance(telegram_id, int) or isinstance(telegram_id, bool):
                raise ValueError("`telegram_id` must be an integer")
            profile["telegram_id"] = telegram_id
        if body.get("language") is not None:
            profile["language"] = str(body["language"])
        result = _runtime.ledger().join(
            Join(member, referrer), f"dev-join:{member}", profile=profile
        )
        return result.to_record()

    def member(self, name: str) -> dict[str, Any] | None:
        from functions.handlers import _runtime
        from functions.rewards.money import format_cents

        record = _runtime.ledger().store.get_member(name)
        if record is None:
            return None
        return {
            "member": record.member,
            "referrer": record.referrer,
            "frozen": record.frozen,
            "available": format_cents(record.available),
            "locked": format_cents(record.locked),
            "commission": format_cents(record.commission),
            "personal_volume": format_cents(record.personal_volume),
            "last_settled": record.last_settled,
            "telegram_id": record.telegram_id,
        }

    def health(self) -> dict[str, Any]:
        return {
            "ok": True,
            "endpoint": self.endpoint,
            "table": self.config.table,
            "plan": str(self._plan_path()),
            "merchants": sorted(self.merchants),
            "notifications": "telegram" if self.notify else "off",
            "settled": list(self.settled),
        }

    def today(self) -> str:
        from functions.handlers import _runtime
        from functions.handlers._runtime import ScheduleSettings

        zone = _runtime.settings(ScheduleSettings).zone
        return dt.datetime.now(zone).date().isoformat()

    # -- the bot ---------------------------------------------------------------
    def bot_runner(self) -> Callable[[], None] | None:
        """A blocking function polling Telegram, or None (no token, or no bot package)."""
        if not (self.config.bot_token and self.config.poll_bot):
            return None
        try:
            from bot.application import build_application, publish_commands
        except ImportError as exc:
            self.say(f"bot: not available ({exc}); serving without it")
            return None
        from functions.config import BotSettings
        from functions.handlers import _runtime

        application = build_application(
            _runtime.ledger(), BotSettings(), bot_store=_runtime.storage().bot, polling=True
        )

        async def announce(app: Any) -> None:
            await publish_commands(app)
            self.say(f"bot: polling as @{app.bot.username}")

        application.post_init = announce

        def poll() -> None:
            # PTB handles SIGINT/SIGTERM itself here and returns when one arrives.
            application.run_polling(
                allowed_updates=["message", "callback_query", "pre_checkout_query"],
                close_loop=True,
            )

        return poll

    # -- internals ---------------------------------------------------------------
    def _plan_path(self) -> Path:
        from functions.config import PlanSettings

        return self.config.plan_path or PlanSettings().plan_path

    def _load_plan(self) -> Any:
        from functions.rewards.plan import PlanError, load_plan_text

        path = self._plan_path()
        try:
            return load_plan_text(path.read_text(encoding="utf-8"))
        except (OSError, PlanError) as exc:
            raise DevError(f"plan {path}: {exc}") from None

    def _merchant_config(self, plan: Any) -> dict[str, Any]:
        from functions.rewards.money import format_rate
        from functions.services.merchant import MerchantConfigError, load_merchants

        if self.config.merchants_json:
            try:
                raw = json.loads(self.config.merchants_json)
                _, notes = load_merchants(self.config.merchants_json, plan)
            except (ValueError, MerchantConfigError) as exc:
                raise DevError(f"merchant keys: {exc}") from None
            for note in notes:
                self.say(f"WARNING {note}")
            return dict(raw)
        if plan.merchant is None:
            self.say(
                f"plan {plan.name!r} has no `merchant:` section, so no merchant can place "
                "orders; use --plan with a plan that has one."
            )
            return {}
        rebate = format_rate(plan.merchant.min_rebate)
        return {"demo": {"key": secrets.token_hex(16), "rebate": rebate}}

    def _set_env(self, values: Mapping[str, str | None]) -> None:
        for name in _ENV_KEYS:
            self._saved_env.setdefault(name, os.environ.get(name))
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _deliver(self, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not messages:
            return {"messages": 0}
        if not self.notify:
            return {"messages": len(messages), "sent": False, "why": "no bot token"}
        from functions.handlers import notifications

        failed = 0
        for start in range(0, len(messages), SQS_BATCH):
            event = sqs_event(messages[start : start + SQS_BATCH])
            context: Any = DevContext("jifen-dev-notifications", remaining_ms=60_000)
            try:
                response = notifications.handler(event, context)
            except Exception as exc:  # a local convenience: report, keep serving
                self.say(f"notifications failed: {exc}")
                return {"messages": len(messages), "sent": False, "why": str(exc)}
            failed += len(response.get("batchItemFailures", []))
        return {"messages": len(messages), "sent": True, "failed": failed}

    def _accelerated_days(self) -> None:
        assert self.config.accelerate_s is not None
        day = self.config.start_date or dt.date.fromisoformat(self.today())
        while not self._stopping.wait(self.config.accelerate_s):
            try:
                outcome = self.settle(day.isoformat())
            except Exception as exc:  # keep the clock going; the developer sees why
                self.say(f"settlement of {day} failed: {exc}")
            else:
                self.say(
                    f"day {day}: {outcome.get('status')} "
                    f"(members {outcome.get('members', 0)}, paid {outcome.get('paid', '0.00')})"
                )
            day += dt.timedelta(days=1)

    def _announce(self, plan: Any) -> None:
        self.say(f"DynamoDB at {self.endpoint}, table {self.config.table}")
        self.say(f"plan {plan.name!r} from {self._plan_path()}")
        for name, entry in sorted(self.merchants.items()):
            key = entry.get("key", "") if isinstance(entry, dict) else ""
            rebate = entry.get("rebate") if isinstance(entry, dict) else None
            self.say(f"merchant {name!r}: rebate {rebate}, key {key}")
        self.say(
            "sign orders with X-Jifen-Signature = hex(HMAC-SHA256(key, timestamp + '.' + body))"
        )
        if self.config.accelerate_s is not None:
            self.say(f"accelerated clock: one day every {self.config.accelerate_s:g}s")
        self.say(f"notifications: {'sent to Telegram' if self.notify else 'off (no bot token)'}")
        self.say(f"merchant API on {self.url} (POST /orders; /dev/settle, /dev/members)")

    def say(self, text: str) -> None:
        print(f"{LOG_PREFIX} {text}", file=self.config.out, flush=True)


# -- the HTTP server ------------------------------------------------------------------------


class _DevHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], stack: DevStack
    ) -> None:
        self.stack = stack
        super().__init__(address, handler)


class _DevRequestHandler(BaseHTTPRequestHandler):
    server: _DevHttpServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        self.server.stack.say(f"{self.address_string()} {format % args}")

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        stack = self.server.stack
        try:
            if split.path.startswith("/dev/"):
                status, payload = self._dev_route(split.path, split.query, body)
                self._send_json(status, payload)
            else:
                self._merchant_api(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # the developer's server must keep running
            stack.say(f"error on {self.command} {self.path}: {exc!r}")
            self._send_json(500, {"error": {"code": "internal", "message": repr(exc)}})

    def _merchant_api(self, body: bytes) -> None:
        from functions.handlers import merchant_api

        event = http_api_event(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            source_ip=self.client_address[0],
        )
        context: Any = DevContext("jifen-dev-merchant-api")
        response = merchant_api.handler(event, context)
        content = str(response.get("body") or "")
        raw = base64.b64decode(content) if response.get("isBase64Encoded") else content.encode()
        self.send_response(int(response["statusCode"]))
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _dev_route(self, path: str, query: str, body: bytes) -> tuple[int, Any]:
        stack = self.server.stack
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        if path == "/dev/health" and self.command == "GET":
            return 200, stack.health()
        if path == "/dev/settle" and self.command == "POST":
            from functions.rewards.errors import Rejected
            from functions.rewards.events import valid_date

            given = params.get("date") or _json_body(body).get("date") or stack.today()
            try:
                date = valid_date(given)
            except Rejected as exc:
                return 400, {"error": {"code": "invalid_date", "message": exc.message}}
            return 200, stack.settle(date)
        if path == "/dev/members" and self.command == "POST":
            from functions.rewards.errors import Rejected

            try:
                return 201, stack.join(_json_body(body))
            except ValueError as exc:
                return 400, {"error": {"code": "invalid_request", "message": str(exc)}}
            except Rejected as exc:
                return 409, {"error": {"code": str(exc.code), "message": exc.message}}
        if path.startswith("/dev/members/") and self.command == "GET":
            found = stack.member(unquote(path.removeprefix("/dev/members/")))
            if found is None:
                return 404, {"error": {"code": "unknown_member", "message": "no such member"}}
            return 200, found
        return 404, {"error": {"code": "not_found", "message": f"no route {self.command} {path}"}}

    def _send_json(self, status: int, payload: Any) -> None:
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(decoded, dict):
        raise ValueError("the body must be a JSON object")
    return decoded


# -- the command -------------------------------------------------------------------------------


def _terminate_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Start the stack, serve until Ctrl-C or SIGTERM, then stop everything."""
    try:
        config = config_from(args)
    except (ValueError, OSError) as exc:
        print(f"{LOG_PREFIX} {exc}", file=sys.stderr)
        return EXIT_USAGE
    stack = DevStack(config)
    code = EXIT_OK
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        stack.start()
        poll = stack.bot_runner()
        if poll is not None:
            poll()
        else:
            if not config.bot_token:
                stack.say("bot: off (no --bot-token / JIFEN_BOT_TOKEN)")
            elif not config.poll_bot:
                stack.say("bot: not polling (--no-bot)")
            stack.wait()
    except DevError as exc:
        print(f"{LOG_PREFIX} {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stack.say("stopping")
        stack.stop()
        stack.say("stopped")
    return code
