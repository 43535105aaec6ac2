"""A local, in-process fake of the Telegram Bot API for tests.

Telegram's servers are unreachable from CI, yet we want tests to exercise the *real*
python-telegram-bot (request encoding, parsing, polling, error mapping) over *real* HTTP.
This module serves the subset of the Bot API that the Jifen bot uses on ``127.0.0.1`` from a
background thread, records every call and lets tests push updates and inject failures.

Point PTB at it with::

    ApplicationBuilder().token(server.token).base_url(server.base_url)
        .base_file_url(server.base_file_url)

PTB (via httpx) sends every parameter as a form field whose value is JSON-encoded unless it
already is a string, switching to ``multipart/form-data`` only when a file is uploaded. The
server also accepts ``application/json`` bodies and query strings like the real API does.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiError",
    "BotApiServer",
    "RecordedCall",
    "UploadedFile",
    "User",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Predicate = Callable[["RecordedCall"], bool]
ResultFactory = Callable[[JSONDict], Any]

DEFAULT_TOKEN = "7000000001:TEST-jifen-local-token_0123456789abcdef"

#: Longest long-poll Telegram allows; a client asking for more is clamped like upstream.
_MAX_POLL_TIMEOUT = 50.0
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_CALLBACK_DATA = 64
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_ROUTE_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?$")
_FILE_ROUTE_RE = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_FORM_PARAM_RE = r'(?:^|[;\s]){key}="(?P<value>[^"]*)"'
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Form values are JSON-decoded (PTB json.dumps every non-str value) except these free-text
# parameters: ``text="123"`` must stay a string, while ``chat_id="123"`` must become an int.
_TEXT_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "custom_title",
        "description",
        "document",
        "emoji",
        "error_message",
        "file_id",
        "first_name",
        "game_short_name",
        "inline_message_id",
        "inline_query_id",
        "invite_link",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "pre_checkout_query_id",
        "provider_data",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "shipping_query_id",
        "short_description",
        "start_parameter",
        "sticker",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "thumbnail",
        "title",
        "url",
        "vcard",
        "video",
        "video_note",
        "voice",
    }
)

_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class User:
    """A Telegram user as the tests think of it; ``to_dict`` gives the Bot API shape."""

    id: int
    first_name: str = "Test"
    language_code: str | None = "en"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """Render as a Bot API ``User`` object (optional fields omitted like Telegram does)."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> JSONDict:
        """The private chat between this user and the bot (chat id == user id)."""
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part, kept verbatim so tests can assert on the exact bytes."""

    field: str
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API call as the server saw it, plus what it answered.

    ``params`` are decoded to JSON types (``chat_id`` is an ``int``, ``reply_markup`` a dict).
    ``result`` is the ``result`` field of a successful answer; ``error`` the error body else.
    """

    method: str
    params: JSONDict
    files: Mapping[str, UploadedFile]
    result: Any = None
    error: JSONDict | None = None
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        """Whether the server answered ``{"ok": true}``."""
        return self.error is None


class BotApiError(Exception):
    """Raised inside method implementations to produce a Bot API error response."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_body(self) -> JSONDict:
        """The JSON body Telegram sends for this error."""
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    content_type: str
    width: int | None = None
    height: int | None = None


# --------------------------------------------------------------------------- the server


class BotApiServer:
    """Fake Bot API server. Thread-safe; use as a context manager or ``start``/``stop``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "jifen_test_bot",
        bot_first_name: str = "Jifen Test Bot",
        host: str = "127.0.0.1",
        record_get_updates: bool = False,
    ) -> None:
        self.token = token
        self.host = host
        self.record_get_updates = record_get_updates
        bot_id_text = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id_text) if bot_id_text.isdigit() else 7_000_000_001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # One condition guards all state; every mutation notifies so waiters re-check.
        self._cond = threading.Condition()
        self._updates: list[JSONDict] = []
        self._last_update_id = 0
        self._calls: list[RecordedCall] = []
        self._failures: dict[str, deque[BotApiError]] = {}
        self._custom_results: dict[str, Any] = {}
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._channel_ids: dict[str, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._webhook: JSONDict = {}
        self._allowed_updates: list[str] | None = None
        self._ids = itertools.count(1)
        self._stopping = False
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._dispatch: dict[str, tuple[str, Callable[[JSONDict, dict[str, UploadedFile]], Any]]]
        self._dispatch = {
            name.lower(): (name, fn)
            for name, fn in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "close": self._true,
                "logOut": self._true,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "getFile": self._get_file,
                "answerCallbackQuery": self._answer_callback_query,
                "sendInvoice": self._send_invoice,
                "answerPreCheckoutQuery": self._answer_pre_checkout_query,
                "deleteMessage": self._delete_message,
                "sendChatAction": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind a free port and serve from a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("BotApiServer already started")
        with self._cond:
            self._stopping = False
        httpd = _HTTPServer((self.host, 0), _Handler)
        httpd.api = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"botapi-server-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release long polls, stop serving and close the socket. Idempotent."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("BotApiServer is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ test-facing API

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates``; assigns a monotonic ``update_id`` if absent."""
        data = copy.deepcopy(dict(update))
        with self._cond:
            update_id = data.get("update_id")
            if update_id is None:
                update_id = self._last_update_id + 1
                data["update_id"] = update_id
            self._last_update_id = max(self._last_update_id, int(update_id))
            self._updates.append(data)
            self._updates.sort(key=lambda item: int(item["update_id"]))
            self._cond.notify_all()
            return int(update_id)

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a ``getUpdates`` offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def requests(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded calls in arrival order, optionally only those of ``method``."""
        with self._cond:
            return [call for call in self._calls if _same_method(call.method, method)]

    def wait_for(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[RecordedCall]:
        """Block until ``count`` matching calls were recorded; returns all matches.

        Blocks the calling thread: from inside an event loop use :meth:`wait_for_async`, or
        PTB cannot make the very request being waited for.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matches = [
                    call
                    for call in self._calls
                    if _same_method(call.method, method) and (predicate is None or predicate(call))
                ]
                if len(matches) >= count:
                    return matches
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recorded = "\n".join(
                        f"  {call.method} {json.dumps(call.params, default=str)[:300]}"
                        + ("" if call.ok else f" -> {call.error}")
                        for call in self._calls
                    )
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} x {method!r} "
                        f"(matched {len(matches)}); recorded calls:\n{recorded or '  <none>'}"
                    )
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[RecordedCall]:
        """:meth:`wait_for` off the event loop, so PTB keeps running while we wait."""
        return await asyncio.to_thread(self.wait_for, method, predicate, timeout, count)

    def clear(self) -> None:
        """Forget recorded calls and pending injected failures (updates and chats stay)."""
        with self._cond:
            self._calls.clear()
            self._failures.clear()

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram would.

        ``retry_after`` fills ``parameters.retry_after`` (PTB raises ``RetryAfter``),
        ``migrate_to_chat_id`` fills ``parameters.migrate_to_chat_id`` (``ChatMigrated``).
        """
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = _ERROR_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        error = BotApiError(error_code, description, parameters or None)
        with self._cond:
            queue = self._failures.setdefault(method.lower(), deque())
            queue.extend([error] * times)

    def set_result(self, method: str, result: Any | ResultFactory) -> None:
        """Answer ``method`` with a fixed ``result`` (or ``result(params)``) from now on.

        For methods this fake does not model, e.g. ``getChatMember`` for membership checks.
        The factory may raise :class:`BotApiError` to answer with an error.
        """
        with self._cond:
            self._custom_results[method.lower()] = result

    def clear_result(self, method: str) -> None:
        """Undo :meth:`set_result`: ``method`` is answered by the fake's own model again."""
        with self._cond:
            self._custom_results.pop(method.lower(), None)

    def add_file(
        self, content: bytes, filename: str = "file.bin", content_type: str | None = None
    ) -> str:
        """Store bytes as if a user had sent them; returns a ``file_id`` for ``getFile``."""
        with self._cond:
            stored = self._store_file(content, filename, content_type or _guess_type(filename))
            return stored.file_id

    # ------------------------------------------------------------------ update builders

    def group_chat(self, title: str = "Jifen test group", chat_id: int | None = None) -> JSONDict:
        """A supergroup chat dict for builders' ``chat=`` argument."""
        if chat_id is None:
            chat_id = -1_001_000_000_000 - next(self._ids)
        return {"id": chat_id, "type": "supergroup", "title": title}

    def text_message(
        self, user: User, text: str, chat: Mapping[str, Any] | None = None
    ) -> JSONDict:
        """Update with a plain text message from ``user`` (private chat by default)."""
        return {"message": self._user_message(user, chat, text=text)}

    def command(
        self,
        user: User,
        command: str,
        payload: str | None = None,
        chat: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Update with ``/command [payload]`` and the ``bot_command`` entity PTB requires."""
        if not command.startswith("/"):
            command = "/" + command
        text = command if not payload else f"{command} {payload}"
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
        return {"message": self._user_message(user, chat, text=text, entities=[entity])}

    def contact_message(
        self,
        user: User,
        phone: str,
        own: bool = True,
        chat: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Update where ``user`` shares a contact: their own (``own``) or somebody else's."""
        contact: JSONDict = {"phone_number": phone}
        if own:
            contact["first_name"] = user.first_name
            if user.last_name is not None:
                contact["last_name"] = user.last_name
            contact["user_id"] = user.id
        else:
            contact["first_name"] = "Someone Else"
            contact["user_id"] = user.id + 1_000_003
        return {"message": self._user_message(user, chat, contact=contact)}

    def callback_query(self, user: User, data: str, message: Mapping[str, Any]) -> JSONDict:
        """Update for ``user`` pressing an inline button with ``data`` under ``message``.

        ``message`` is typically ``RecordedCall.result`` of the bot's own ``sendMessage``.
        """
        message_dict = copy.deepcopy(dict(message))
        with self._cond:
            self._remember_user(user)
            query_id = str(4_000_000_000_000_000 + next(self._ids))
        chat_id = int(message_dict.get("chat", {}).get("id", user.id))
        return {
            "callback_query": {
                "id": query_id,
                "from": user.to_dict(),
                "message": message_dict,
                "chat_instance": str(-(abs(chat_id) * 31 + 7)),
                "data": data,
            }
        }

    def pre_checkout_query(
        self, user: User, payload: str, total_amount: int, currency: str
    ) -> JSONDict:
        """Update Telegram sends after the user confirms paying an invoice."""
        with self._cond:
            self._remember_user(user)
            query_id = str(5_000_000_000_000_000 + next(self._ids))
        return {
            "pre_checkout_query": {
                "id": query_id,
                "from": user.to_dict(),
                "currency": currency,
                "total_amount": total_amount,
                "invoice_payload": payload,
            }
        }

    def successful_payment(
        self,
        user: User,
        payload: str,
        total_amount: int,
        currency: str,
        charge_id: str,
        chat: Mapping[str, Any] | None = None,
        provider_charge_id: str = "",
    ) -> JSONDict:
        """Update with the service message confirming a payment went through."""
        payment = {
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": provider_charge_id,
        }
        return {"message": self._user_message(user, chat, successful_payment=payment)}

    # ------------------------------------------------------------------ HTTP entry points

    def _handle_api(
        self, token: str, method: str, params: JSONDict, files: dict[str, UploadedFile]
    ) -> tuple[int, JSONDict]:
        """Route one API call; returns (HTTP status, JSON body)."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        key = method.lower()
        name, impl = self._dispatch.get(key, (method, self._true))
        record = key != "getupdates" or self.record_get_updates
        with self._cond:
            failures = self._failures.get(key)
            injected = failures.popleft() if failures else None
            custom = self._custom_results.get(key, _MISSING)
        try:
            if injected is not None:
                raise injected
            if custom is not _MISSING:
                result = custom(params) if callable(custom) else copy.deepcopy(custom)
            else:
                result = impl(params, files)
        except BotApiError as error:
            body = error.to_body()
            if record:
                self._record(RecordedCall(name, params, files, error=body))
            return error.error_code, body
        except Exception as exc:
            _LOGGER.exception("fake Bot API failed on %s", name)
            body = {"ok": False, "error_code": 500, "description": f"Internal error: {exc!r}"}
            self._record(RecordedCall(name, params, files, error=body))
            return 500, body
        if record:
            self._record(RecordedCall(name, params, files, result=copy.deepcopy(result)))
        return 200, {"ok": True, "result": result}

    def _handle_file(self, token: str, path: str) -> tuple[int, bytes, str]:
        """Serve bytes of a stored file for ``File.download_*``."""
        if token != self.token:
            return 401, b"Unauthorized", "text/plain"
        with self._cond:
            stored = self._files_by_path.get(path)
        if stored is None:
            return 404, b"Not Found", "text/plain"
        return 200, stored.content, stored.content_type

    def _record(self, call: RecordedCall) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    # ------------------------------------------------------------------ method implementations

    def _true(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        return True

    def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return dict(self.bot_user)

    def _get_updates(self, params: JSONDict, files: dict[str, UploadedFile]) -> list[JSONDict]:
        """Long poll: answer as soon as an update is pending, else after ``timeout``."""
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = min(max(_as_float(params.get("timeout"), 0.0), 0.0), _MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._webhook.get("url"):
                raise BotApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed] or None
            if offset > 0:
                self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while True:
                if self._allowed_updates is not None:
                    wanted = set(self._allowed_updates)
                    self._updates = [u for u in self._updates if _update_kind(u) in wanted]
                ready = self._updates[:limit]
                if ready or self._stopping:
                    return list(ready)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)

    def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        with self._cond:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self._webhook = {"url": url, "has_custom_certificate": "certificate" in files}
            if "allowed_updates" in params:
                self._webhook["allowed_updates"] = params["allowed_updates"]
        return True

    def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        with self._cond:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self._webhook = {}
        return True

    def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        with self._cond:
            return {
                "url": "",
                "has_custom_certificate": False,
                **self._webhook,
                "pending_update_count": len(self._updates),
            }

    def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise BotApiError(400, "Bad Request: commands must be an array")
        for item in commands:
            if not isinstance(item, dict) or not _COMMAND_RE.match(str(item.get("command", ""))):
                raise BotApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", ""))) <= 256:
                raise BotApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            self._commands[_commands_key(params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> list[Any]:
        with self._cond:
            return copy.deepcopy(self._commands.get(_commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        with self._cond:
            self._commands.pop(_commands_key(params), None)
        return True

    def _set_chat_menu_button(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        """As Telegram checks it: a ``web_app`` button needs a text and an https URL."""
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict):
            raise BotApiError(400, "Bad Request: menu button must be an object")
        if button.get("type") == "web_app":
            url = str((button.get("web_app") or {}).get("url", ""))
            if not button.get("text") or not url.startswith("https://"):
                raise BotApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return True

    def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return self._bot_message(params, _text_fields(params, "message is too long"))

    def _edit_message_text(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return self._edit(params, _text_fields(params, "MESSAGE_TOO_LONG"))

    def _edit_message_reply_markup(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return self._edit(params, {})

    def _send_photo(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        stored = self._input_file(params, files, "photo", default_name="photo.jpg")
        width, height = stored.width or 800, stored.height or 800
        scale = min(1.0, 90 / max(width, height))
        sizes = [
            {
                "file_id": f"{stored.file_id}_s",
                "file_unique_id": f"{stored.file_unique_id}_s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": max(1, len(stored.content) // 10),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.content),
            },
        ]
        return self._bot_message(params, {"photo": sizes, **_caption_fields(params)})

    def _send_document(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        stored = self._input_file(params, files, "document", default_name="document.bin")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_path.rsplit("/", 1)[-1].split("_", 1)[-1],
            "mime_type": stored.content_type,
            "file_size": len(stored.content),
        }
        return self._bot_message(params, {"document": document, **_caption_fields(params)})

    def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        file_id = str(params.get("file_id") or "")
        with self._cond:
            stored = self._files.get(file_id) or self._files.get(file_id.removesuffix("_s"))
        if stored is None:
            raise BotApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _answer_callback_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        _require_str(params, "callback_query_id", "QUERY_ID_INVALID")
        return True

    def _send_invoice(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        for name in ("title", "description", "payload", "currency"):
            _require_str(params, name, f"{name} is empty")
        prices = params.get("prices")
        if not isinstance(prices, list) or not prices:
            raise BotApiError(400, "Bad Request: prices must be non-empty")
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": str(params.get("start_parameter") or ""),
            "currency": params["currency"],
            "total_amount": sum(int(price["amount"]) for price in prices),
        }
        return self._bot_message(params, {"invoice": invoice})

    def _answer_pre_checkout_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        _require_str(params, "pre_checkout_query_id", "QUERY_ID_INVALID")
        if "ok" not in params:
            raise BotApiError(400, "Bad Request: ok is empty")
        if not params["ok"]:
            _require_str(params, "error_message", "error_message is empty")
        return True

    def _delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        with self._cond:
            chat_id = self._chat_id(params.get("chat_id"))
            self._messages.pop((chat_id, _as_int(params.get("message_id"), 0)), None)
        return True

    # ------------------------------------------------------------------ helpers (state)

    def _bot_message(self, params: JSONDict, fields: JSONDict) -> JSONDict:
        """Build, store and return a message sent by the bot to ``params['chat_id']``."""
        markup = _inline_markup(params)
        with self._cond:
            chat = self._chat_for(params.get("chat_id"))
            message: JSONDict = {
                "message_id": self._next_message_id(int(chat["id"])),
                "from": dict(self.bot_user_public),
                "date": int(time.time()),
                "chat": chat,
                **fields,
            }
            if markup is not None:
                message["reply_markup"] = markup
            self._messages[(int(chat["id"]), message["message_id"])] = message
            return copy.deepcopy(message)

    @property
    def bot_user_public(self) -> JSONDict:
        """The bot as it appears in ``message.from`` (no getMe-only capability flags)."""
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _edit(self, params: JSONDict, changes: JSONDict) -> Any:
        """Shared edit logic: updates the stored message, refusing no-op edits like Telegram."""
        markup = _inline_markup(params)
        if params.get("inline_message_id"):
            return True
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise BotApiError(400, "Bad Request: message identifier is not specified")
        with self._cond:
            chat = self._chat_for(params.get("chat_id"))
            key = (int(chat["id"]), _as_int(params.get("message_id"), 0))
            message = self._messages.get(key)
            if message is None:  # e.g. sent before the server started: be lenient.
                message = {
                    "message_id": key[1],
                    "from": dict(self.bot_user_public),
                    "date": int(time.time()),
                    "chat": chat,
                }
            new = dict(message)
            new.pop("reply_markup", None)  # editing without reply_markup drops the keyboard
            if "text" in changes:
                new.pop("entities", None)
            new.update(changes)
            if markup is not None:
                new["reply_markup"] = markup
            if {k: v for k, v in new.items() if k != "edit_date"} == {
                k: v for k, v in message.items() if k != "edit_date"
            }:
                raise BotApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            new["edit_date"] = int(time.time())
            self._messages[key] = new
            return copy.deepcopy(new)

    def _input_file(
        self,
        params: JSONDict,
        files: dict[str, UploadedFile],
        name: str,
        default_name: str,
    ) -> _StoredFile:
        """Resolve an InputFile parameter: an upload, a known file_id, or a URL/unknown id."""
        upload = files.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        with self._cond:
            if upload is not None:
                return self._store_file(upload.content, upload.filename, upload.content_type)
            if not value:
                raise BotApiError(400, f"Bad Request: there is no {name} in the request")
            known = self._files.get(str(value))
            if known is not None:
                return known
            return self._store_file(b"", str(value).rsplit("/", 1)[-1] or default_name, None)

    def _store_file(self, content: bytes, filename: str, content_type: str | None) -> _StoredFile:
        """Keep bytes addressable by file_id and file_path (caller holds the lock)."""
        number = next(self._ids)
        width = height = None
        if content.startswith(_PNG_MAGIC) and len(content) >= 24:
            width, height = struct.unpack(">II", content[16:24])
        stored = _StoredFile(
            file_id=f"BQACAgIAAx{number:010d}jifen",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"files/{number}_{filename}",
            content=content,
            content_type=content_type or _guess_type(filename),
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _user_message(self, user: User, chat: Mapping[str, Any] | None, **fields: Any) -> JSONDict:
        """An incoming message; shares the per-chat message_id sequence with the bot's."""
        with self._cond:
            self._remember_user(user)
            chat_dict = dict(chat) if chat is not None else user.private_chat()
            message: JSONDict = {
                "message_id": self._next_message_id(int(chat_dict["id"])),
                "from": user.to_dict(),
                "date": int(time.time()),
                "chat": chat_dict,
                **fields,
            }
            self._messages[(int(chat_dict["id"]), message["message_id"])] = message
            return copy.deepcopy(message)

    def _remember_user(self, user: User) -> None:
        self._users[user.id] = user.private_chat()

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _chat_id(self, raw: Any) -> int:
        return int(self._chat_for(raw)["id"])

    def _chat_for(self, raw: Any) -> JSONDict:
        """A Bot API Chat for a ``chat_id`` parameter (int id or ``@channel``)."""
        if isinstance(raw, str) and raw.startswith("@"):
            chat_id = self._channel_ids.setdefault(raw, -1_002_000_000_000 - len(self._channel_ids))
            return {"id": chat_id, "type": "channel", "title": raw[1:], "username": raw[1:]}
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise BotApiError(400, "Bad Request: chat not found") from None
        if chat_id > 0:
            return dict(
                self._users.get(chat_id)
                or {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
            )
        if chat_id <= -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": "Jifen test group"}
        return {"id": chat_id, "type": "group", "title": "Jifen test group"}


_MISSING: Any = object()


# --------------------------------------------------------------------------- HTTP plumbing


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: BotApiServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open_lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Drop keep-alive sockets, which would otherwise outlive ``shutdown()``."""
        with self._open_lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients (PTB cancelling a long poll on shutdown) drop sockets; that is expected.
        _LOGGER.debug("connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in two sends: with Nagle on, the client's delayed ACK
    # would stall every call ~40 ms on loopback.
    disable_nagle_algorithm = True
    # Keep-alive like api.telegram.org, so PTB's connection pool behaves as in production.
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive sockets give up eventually
    server: _HTTPServer

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("%s - %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        api = self.server.api
        # PTB percent-encodes file download paths (the token's ':' becomes %3A).
        path = unquote(urlsplit(self.path).path)
        try:
            body = self._read_body()
            file_match = _FILE_ROUTE_RE.match(path)
            if file_match and self.command == "GET":
                status, content, ctype = api._handle_file(file_match["token"], file_match["path"])
                self._send(status, content, ctype)
                return
            match = _ROUTE_RE.match(path)
            if match is None:
                self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            try:
                params, files = _parse_params(self.headers.get("Content-Type", ""), body, self.path)
            except (ValueError, UnicodeDecodeError) as exc:
                description = f"Bad Request: can't parse request: {exc}"
                self._send_json(400, {"ok": False, "error_code": 400, "description": description})
                return
            status, payload = api._handle_api(match["token"], match["method"], params, files)
            self._send_json(status, payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: JSONDict) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, content: bytes, content_type: str) -> None:
        self.send_response(status, HTTPStatus(status).phrase if status in _STATUSES else None)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


_STATUSES = {status.value for status in HTTPStatus}


# --------------------------------------------------------------------------- decoding


def _parse_params(
    content_type: str, body: bytes, raw_path: str
) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """Decode query string + JSON / urlencoded / multipart body into JSON-typed params."""
    params: JSONDict = {
        key: _decode_form_value(key, value)
        for key, value in parse_qsl(urlsplit(raw_path).query, keep_blank_values=True)
    }
    files: dict[str, UploadedFile] = {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" and body.strip():
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        params.update(decoded)
    elif mime == "application/x-www-form-urlencoded":
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[key] = _decode_form_value(key, value)
    elif mime == "multipart/form-data":
        boundary = re.search(r'boundary="?([^";]+)"?', content_type)
        if boundary is None:
            raise ValueError("multipart body without boundary")
        fields, files = _parse_multipart(body, boundary.group(1).encode("latin-1"))
        params.update({key: _decode_form_value(key, value) for key, value in fields.items()})
    return params, files


def _parse_multipart(
    body: bytes, boundary: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Minimal RFC 7578 parser (``cgi`` is deprecated); bytes of file parts kept verbatim."""
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        field_name = _form_param(disposition, "name")
        if field_name is None:
            continue
        filename = _form_param(disposition, "filename")
        if filename is None:
            fields[field_name] = content.decode("utf-8")
        else:
            files[field_name] = UploadedFile(
                field=field_name,
                filename=filename,
                content=content,
                content_type=headers.get("content-type", "application/octet-stream"),
            )
    return fields, files


def _form_param(disposition: str, key: str) -> str | None:
    match = re.search(_FORM_PARAM_RE.format(key=key), disposition)
    if match is None:
        return None
    # Undo httpx's HTML5 form escaping (%22 for quotes, %XX for control chars, \\ for \).
    value = re.sub(r"%(22|[01][0-9A-F])", lambda m: chr(int(m.group(1), 16)), match["value"])
    return value.replace("\\\\", "\\")


def _decode_form_value(name: str, value: str) -> Any:
    if name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


# --------------------------------------------------------------------------- small helpers


def _same_method(recorded: str, wanted: str | None) -> bool:
    return wanted is None or recorded.lower() == wanted.lower()


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _require_str(params: JSONDict, name: str, problem: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise BotApiError(400, f"Bad Request: {problem}")
    return str(value)


def _caption_fields(params: JSONDict) -> JSONDict:
    caption = params.get("caption")
    if not caption:
        return {}
    if _utf16_len(str(caption)) > _MAX_CAPTION:
        raise BotApiError(400, "Bad Request: message caption is too long")
    fields: JSONDict = {"caption": str(caption)}
    if isinstance(params.get("caption_entities"), list):
        fields["caption_entities"] = params["caption_entities"]
    return fields


def _inline_markup(params: JSONDict) -> JSONDict | None:
    """Validate ``reply_markup``; only inline keyboards are echoed back, as on Telegram."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= _MAX_CALLBACK_DATA:
                raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return cast(JSONDict, copy.deepcopy(markup))


def _commands_key(params: JSONDict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _update_kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _utf16_len(text: str) -> int:
    """Telegram measures text lengths and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _text_fields(params: JSONDict, too_long: str) -> JSONDict:
    """A text message's fields (text, entities); ``too_long`` is how the real API refuses
    an over-long text here (sending and editing word it differently)."""
    text = _require_str(params, "text", "message text is empty")
    if _utf16_len(text) > _MAX_TEXT:
        raise BotApiError(400, f"Bad Request: {too_long}")
    fields: JSONDict = {"text": text}
    if isinstance(params.get("entities"), list):
        fields["entities"] = params["entities"]
    return fields


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
