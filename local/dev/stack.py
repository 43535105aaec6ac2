"""``jifen dev``'s stack: a runtime on a local DynamoDB, its HTTP server, the use cases."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.lambda_fakes import LambdaContext, sqs_event

from .config import LOG_PREFIX, DevConfig, DevError

if TYPE_CHECKING:
    from functions.config import Settings
    from functions.rewards.plan import Plan
    from functions.runtime import Runtime
    from local.endpoint import LocalDynamoDB

    from .server import DevHttpServer

SQS_BATCH = 10


class CollectingQueue:
    """The notification queue of a local settlement: keeps the messages to send next."""

    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.messages.extend(messages)
        return len(messages)


class DevStack:
    """Local DynamoDB + table + HTTP server (+ accelerated settlement, + bot)."""

    def __init__(self, config: DevConfig) -> None:
        self.config = config
        self._local: LocalDynamoDB | None = None
        self._server: DevHttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._settle_lock = threading.Lock()
        self._cleanup = contextlib.ExitStack()
        self._runtime: Runtime | None = None
        self.endpoint: str | None = None
        self.merchants: dict[str, Any] = {}
        self.settled: list[str] = []
        self.notify = False
        self.web_token = (
            config.bot_token or f"{secrets.randbelow(10**9)}:dev-{secrets.token_hex(16)}"
        )
        """Signs minted initData and Login Widget answers (the bot's token when one is set)."""
        self.dev_admin = min(config.settings.web.admin_ids or config.settings.bot.admin_ids or {1})
        self._console_links: set[str] = set()
        self._web_lock = threading.Lock()

    @property
    def runtime(self) -> Runtime:
        """What the handlers run on (one runtime for the stack's life)."""
        if self._runtime is None:
            raise DevError("the dev stack is not running")
        return self._runtime

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Bring everything up; on any failure, tear down what was started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        from functions.runtime import CountingMetrics, Runtime
        from local.endpoint import LocalDynamoDB
        from local.runtime import handler_logs

        from .server import DevHttpServer, DevRequestHandler

        config = self.config
        plan = self._load_plan()
        self.merchants = self._merchant_config(plan)
        if config.endpoint:
            self.endpoint = config.endpoint
        else:
            self._local = LocalDynamoDB(host="127.0.0.1")
            self.endpoint = self._local.start()
        self.notify = config.bot_token is not None
        self._cleanup.enter_context(handler_logs(config.log_level))
        self._runtime = Runtime(self._settings(), metrics=CountingMetrics())
        self._runtime.ledger  # noqa: B018 - create the table, open the store, check the plan now
        try:
            self._server = DevHttpServer((config.host, config.port), DevRequestHandler, self)
        except OSError as exc:
            raise DevError(f"cannot listen on {config.host}:{config.port}: {exc}") from None
        self._spawn(self._server.serve_forever, "dev-http", 0.1)
        if config.accelerate_s is not None:
            self._spawn(self._accelerated_days, "dev-clock")
        self._announce(plan)

    def _settings(self) -> Settings:
        """The configured settings with what this stack decided: table, plan, keys, token."""
        config = self.config
        telegram: dict[str, Any] = {"bot_token": config.bot_token, "bot_token_param": None}
        if config.telegram_api_url:
            telegram["telegram_api_url"] = config.telegram_api_url
        return config.settings.replace(
            store={
                "dynamodb_endpoint": self.endpoint,
                "use_aws": False,
                "table_name": config.table,
                "create_table": True,
            },
            plan={"plan_path": self._plan_path()},
            merchant_api={"merchant_keys": json.dumps(self.merchants), "merchant_keys_param": None},
            notification=telegram,
            bot=telegram,
            web={
                "bot_token": self.web_token,
                "bot_token_param": None,
                "admin_ids": ",".join(
                    str(i) for i in sorted({*config.settings.web.admin_ids, self.dev_admin})
                ),
                "web_session_key": secrets.token_hex(32),
                "web_session_key_param": None,
                "web_secure_cookies": False,
                "payment_provider_token": config.settings.bot.payment_provider_token,
                "payment_provider_token_param": None,
                "web_settlement_function": None,
                **(
                    {"telegram_api_url": config.telegram_api_url} if config.telegram_api_url else {}
                ),
            },
        )

    def stop(self) -> None:
        """Stop serving and settling, stop the embedded endpoint, release the runtime."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        runtime, self._runtime = self._runtime, None
        if runtime is not None:
            runtime.close()
        if self._local is not None:
            self._local.stop()
            self._local = None
        self._cleanup.close()

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
        from functions.services.settlement_fanout import settle_or_fan_out

        with self._settle_lock:
            queue = CollectingQueue()
            outcome = settle_or_fan_out(
                self.runtime.ledger,
                date,
                queue=queue,
                starter=None,
                policy=self.runtime.fanout_policy,  # the deployment's notification rules
                after_finish=self.runtime.after_settlement,
            )
            if date not in self.settled and outcome.get("status") != "already_settled":
                self.settled.append(date)
            outcome["telegram"] = self._deliver(queue.messages)
            return outcome

    def join(self, body: Mapping[str, Any]) -> dict[str, Any]:
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
        result = self.runtime.ledger.join(
            Join(member, referrer), f"dev-join:{member}", profile=profile
        )
        return result.to_record()

    def member(self, name: str) -> dict[str, Any] | None:
        from functions.rewards.money import format_cents

        record = self.runtime.ledger.store.get_member(name)
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

    # -- the web side's local sign-in (never deployed) -------------------------------
    def console_link(self) -> str:
        """A fresh one-time operator sign-in link (the dev admin id)."""
        token = secrets.token_urlsafe(24)
        with self._web_lock:
            self._console_links.add(token)
        return f"{self.url}/dev/console-login?token={token}"

    def console_login(self, token: str) -> str | None:
        """Spend a one-time link: the console session's Set-Cookie value, or None."""
        import time

        from web.app import build
        from web.auth import Audience

        with self._web_lock:
            if token not in self._console_links:
                return None
            self._console_links.discard(token)
        web = build(self.runtime)
        ttl = self.runtime.settings.web.web_session_ttl_s
        value, _ = web.sessions().issue(
            self.dev_admin, Audience.OPERATOR, now_s=int(time.time()), ttl_s=ttl
        )
        return str(web.session_cookie(Audience.OPERATOR, value, framed=False))

    def init_data(self, telegram_id: int, language: str | None = None) -> dict[str, Any]:
        """Mini App launch data for ``telegram_id``, signed as Telegram would sign it."""
        import time
        from urllib.parse import quote

        from local.dev.telegram_auth import mint_init_data

        raw = mint_init_data(
            self.web_token, telegram_id, auth_date=int(time.time()), language_code=language
        )
        return {"init_data": raw, "url": f"{self.url}/app#tgWebAppData={quote(raw, safe='')}"}

    def today(self) -> str:
        return dt.datetime.now(self.runtime.zone).date().isoformat()

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
        runtime = self.runtime
        application = build_application(
            runtime.ledger,
            runtime.bot_settings(),
            polling=True,
            bot_store=runtime.bot_store,
            proofs=runtime.proofs,
        )

        async def announce(app: Any) -> None:
            await publish_commands(app, runtime.bot_settings().admin_ids)
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
        from functions.plans import plan_file

        return plan_file(self.config.plan_path or self.config.settings.plan.plan_path)

    def _load_plan(self) -> Plan:
        from functions.plans import load_plan
        from functions.rewards.plan import PlanError

        path = self._plan_path()
        try:
            return load_plan(path)
        except (OSError, PlanError) as exc:
            raise DevError(f"plan {path}: {exc}") from None

    def _merchant_config(self, plan: Plan) -> dict[str, Any]:
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
            context: Any = LambdaContext("jifen-dev-notifications", remaining_ms=60_000)
            try:
                response = notifications.handle(self.runtime, event, context)
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

    def _announce(self, plan: Plan) -> None:
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
        self.say(f"public board:      {self.url}/board")
        self.say(f"operators' console: {self.console_link()}  (one-time sign-in link)")
        self.say(f"members' Mini App:  {self.url}/app")
        self.say(f"  a signed launch URL for a member: GET {self.url}/dev/init-data?telegram_id=ID")

    def say(self, text: str) -> None:
        print(f"{LOG_PREFIX} {text}", file=self.config.out, flush=True)
