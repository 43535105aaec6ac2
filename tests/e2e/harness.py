"""Runs the real bot (build_application, long polling) against the fake Bot API server.

The Application lives on its own event loop in a background thread, exactly as
``jifen bot`` runs it, so tests stay synchronous: :meth:`RunningBot.send` pushes
an update, waits until the bot has *finished* handling it (a marker handler
in the last group records its id), and returns the Bot API calls it made.
Handler errors are collected; a test fails on any it did not expect.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.application import JifenApplication, build_application
from functions.config import BotSettings
from functions.services.ledger import Ledger
from functions.services.proofs import ProofService
from functions.store.ports import BotPort
from tests.support.botapi_server import BotApiServer, RecordedCall, User

PROCESSED_GROUP = 1_000
"""After every real handler (they are all in group 0)."""
TIMEOUT_S = 10.0


def bot_settings(
    server: BotApiServer,
    *,
    admin_ids: frozenset[int] = frozenset(),
    provider_token: str | None = "test-provider-token",
    webhook_secret: str | None = None,
    support_contact: str | None = None,
) -> BotSettings:
    return BotSettings(
        support_contact=support_contact,
        bot_token=SecretStr(server.token),
        telegram_api_url=server.url,
        admin_ids=admin_ids,
        payment_provider_token=SecretStr(provider_token) if provider_token else None,
        webhook_secret=SecretStr(webhook_secret) if webhook_secret else None,
        telegram_trust_env=False,
    )


@dataclass
class Exchange:
    """What the bot sent while handling one update."""

    calls: list[RecordedCall]

    def of(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    @property
    def texts(self) -> list[str]:
        """Texts sent or edited in, in order."""
        return [
            str(call.params.get("text"))
            for call in self.calls
            if call.method in {"sendMessage", "editMessageText"}
        ]

    @property
    def text(self) -> str:
        """The only text sent (fails when there is not exactly one)."""
        texts = self.texts
        assert len(texts) == 1, f"expected one text, got {texts!r} from {self.calls!r}"
        return texts[0]

    @property
    def message(self) -> dict[str, Any]:
        """The single message sent (``sendMessage`` result, for pressing its buttons)."""
        [sent] = self.of("sendMessage")
        result: dict[str, Any] = sent.result
        return result

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button in what was sent."""
        found = []
        for call in self.calls:
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict):
                for row in markup.get("inline_keyboard", []):
                    found += [(b["text"], b.get("callback_data", "")) for b in row]
        return found

    def button(self, prefix: str) -> str:
        """The callback data of the one button whose data starts with ``prefix``."""
        matches = [data for _, data in self.buttons() if data.startswith(prefix)]
        assert len(matches) == 1, f"buttons {self.buttons()!r} have no single {prefix!r}"
        return matches[0]


@dataclass
class RunningBot:
    """A polling Application in a background thread, plus helpers to talk to it."""

    server: BotApiServer
    ledger: Ledger
    bot_store: BotPort
    settings: BotSettings
    proofs: ProofService | None = None
    errors: list[BaseException] = field(default_factory=list)
    application: JifenApplication | None = None
    _done: set[int] = field(default_factory=set)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ready: threading.Event = field(default_factory=threading.Event)
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _thread: threading.Thread | None = None
    _failure: BaseException | None = None

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> RunningBot:
        self._thread = threading.Thread(target=self._run, name="jifen-bot", daemon=True)
        self._thread.start()
        if not self._ready.wait(TIMEOUT_S) or self._failure is not None:
            raise RuntimeError(f"bot did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        """Stop polling and shut down (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(TIMEOUT_S)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced by start()
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = build_application(
            self.ledger, self.settings, bot_store=self.bot_store, polling=True, proofs=self.proofs
        )
        app.add_handler(TypeHandler(Update, self._processed), group=PROCESSED_GROUP)
        app.add_error_handler(self._record_error)
        self.application = app
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await app.updater.stop()
                await app.stop()

    async def _processed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with self._cond:
            self._done.add(update.update_id)
            self._cond.notify_all()

    async def _record_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        self.errors.append(context.error)

    # -- talking -------------------------------------------------------------
    def send(self, update: Mapping[str, Any]) -> Exchange:
        """Deliver ``update`` and return the calls made while handling it."""
        before = len(self.server.requests())
        update_id = self.server.push_update(update)
        with self._cond:
            if not self._cond.wait_for(lambda: update_id in self._done, TIMEOUT_S):
                raise AssertionError(f"update {update_id} was not processed in {TIMEOUT_S}s")
        return Exchange(self.server.requests()[before:])

    def say(self, user: User, text: str) -> Exchange:
        return self.send(self.server.text_message(user, text))

    def command(self, user: User, command: str, payload: str | None = None) -> Exchange:
        return self.send(self.server.command(user, command, payload))

    def press(self, user: User, message: Mapping[str, Any], data: str) -> Exchange:
        return self.send(self.server.callback_query(user, data, message))

    def register(self, user: User, phone: str, invite_code: str | None = None) -> Exchange:
        """/start (optionally via an invite link), then share the own contact."""
        self.command(user, "/start", invite_code)
        return self.send(self.server.contact_message(user, phone, own=True))
