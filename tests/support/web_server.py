"""The web handler behind a real local HTTP port, for the browser tests.

A browser speaks HTTP; the web function speaks API Gateway events. This server turns
one into the other with the same fake ``jifen dev`` uses (:func:`local.lambda_fakes.
http_api_event`) and hands every request to the real handler on a test runtime.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from functions.handlers import web as web_handler
from functions.runtime import Runtime
from local.lambda_fakes import LambdaContext, http_api_event


class _Handler(BaseHTTPRequestHandler):
    server: WebServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        event = http_api_event(self.command, self.path, list(self.headers.items()), body)
        context: Any = LambdaContext("jifen-test-web")
        response = web_handler.handle(self.server.runtime, event, context)
        content = str(response.get("body") or "")
        raw = base64.b64decode(content) if response.get("isBase64Encoded") else content.encode()
        self.send_response(int(response["statusCode"]))
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, str(value))
        for cookie in response.get("cookies") or []:
            self.send_header("Set-Cookie", str(cookie))
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class WebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
