"""``jifen dev``'s HTTP server: the merchant API and the web side through their real handlers,
``/dev/*`` routes (local only: the deployed API has none of them)."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from local.lambda_fakes import LambdaContext, http_api_event

if TYPE_CHECKING:
    from .stack import DevStack


class DevHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], stack: DevStack
    ) -> None:
        self.stack = stack
        super().__init__(address, handler)


class DevRequestHandler(BaseHTTPRequestHandler):
    server: DevHttpServer
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
            if split.path == "/dev/console-login" and self.command == "GET":
                self._console_login(split.query)
            elif split.path.startswith("/dev/"):
                status, payload = self._dev_route(split.path, split.query, body)
                self._send_json(status, payload)
            elif split.path == "/orders" or split.path.startswith("/orders/"):
                self._merchant_api(body)
            else:
                self._web(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # the developer's server must keep running
            stack.say(f"error on {self.command} {self.path}: {exc!r}")
            self._send_json(500, {"error": {"code": "internal", "message": repr(exc)}})

    def _merchant_api(self, body: bytes) -> None:
        from functions.handlers import merchant_api

        self._lambda(merchant_api.handle, "jifen-dev-merchant-api", body)

    def _web(self, body: bytes) -> None:
        """The Mini App, the console and the board: the real web handler."""
        from functions.handlers import web

        self._lambda(web.handle, "jifen-dev-web", body)

    def _lambda(self, handle: Any, name: str, body: bytes) -> None:
        event = http_api_event(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            source_ip=self.client_address[0],
        )
        context: Any = LambdaContext(name, remaining_ms=30_000)
        response = handle(self.server.stack.runtime, event, context)
        content = str(response.get("body") or "")
        raw = base64.b64decode(content) if response.get("isBase64Encoded") else content.encode()
        self.send_response(int(response["statusCode"]))
        for header, value in (response.get("headers") or {}).items():
            self.send_header(header, str(value))
        for cookie in response.get("cookies") or []:
            self.send_header("Set-Cookie", str(cookie))
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _console_login(self, query: str) -> None:
        """The one-time operator sign-in link ``jifen dev`` prints (local only)."""
        token = {key: values[-1] for key, values in parse_qs(query).items()}.get("token", "")
        cookie = self.server.stack.console_login(token)
        if cookie is None:
            self._send_json(
                403,
                {"error": {"code": "used_or_unknown", "message": "this sign-in link was used"}},
            )
            return
        self.send_response(303)
        self.send_header("Location", "/console")
        self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", "0")
        self.end_headers()

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
        if path == "/dev/init-data" and self.command == "GET":
            raw = params.get("telegram_id", "")
            if not raw.isdigit():
                return 400, {"error": {"code": "invalid_request", "message": "give telegram_id"}}
            return 200, stack.init_data(int(raw), params.get("language"))
        if path == "/dev/console-link" and self.command == "POST":
            return 200, {"url": stack.console_link()}
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
