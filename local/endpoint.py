"""An embedded local DynamoDB endpoint, so Jifen runs (and is tested) with no AWS account.

moto's server speaks DynamoDB's real wire protocol over HTTP, so application code talks
to it through an ordinary boto3 client and exercises the same request/response
and error paths as against AWS.

moto's backends are not safe under concurrent requests (they are plain dicts mutated
without locks), so this endpoint serves ONE REQUEST AT A TIME, twice over: the werkzeug
server is single-threaded (``threaded=False``), and the WSGI app is wrapped in a
process-wide lock that is held until the whole response body has been produced.

Local tooling only (tests, ``jifen dev``, the demo, ``jifen bot``, benchmarks): it is never
in a Lambda artifact, and moto is only in the ``dev`` extra. Those tools start it and hand
its URL to :mod:`functions.runtime` as an explicit endpoint
(:func:`functions.runtime.resolve_endpoint`); clients come from
:mod:`functions.store.client`.

Run as ``python -m local.endpoint --port N`` to serve until killed; the endpoint URL is
printed on stdout once it answers.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, TYPE_CHECKING, Self

from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    BotoCoreError,
    ClientError,
)

from functions.store.client import dynamodb_client

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from werkzeug.serving import BaseWSGIServer

__all__ = [
    "LocalDynamoDB",
    "LocalEndpointError",
    "SerializedWSGIApp",
    "embedded_endpoint",
    "main",
    "stop_embedded_endpoint",
]

log = logging.getLogger(__name__)

_MODULE = "local.endpoint"
_REPO_ROOT = Path(__file__).resolve().parents[1]

#: moto keeps its backends in process-global state, so every in-process server shares one lock.
_MOTO_LOCK = threading.Lock()


class LocalEndpointError(RuntimeError):
    """The embedded endpoint could not be started."""


class SerializedWSGIApp:
    """Wraps a WSGI app so that only one request at a time runs inside it.

    The body is produced while the lock is held, because a WSGI app may do its work
    lazily while its response iterable is consumed.
    """

    def __init__(self, app: WSGIApplication, lock: threading.Lock | None = None) -> None:
        self._app = app
        self._lock = lock if lock is not None else threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            result = self._app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close: Callable[[], object] | None = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]


def _make_moto_server(host: str, port: int) -> BaseWSGIServer:
    """A single-threaded werkzeug server running moto's WSGI app behind :data:`_MOTO_LOCK`."""
    try:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise LocalEndpointError(
            "the embedded DynamoDB endpoint needs moto[server]: pip install -e '.[dev]'"
        ) from error

    from local import moto_speedups

    moto_speedups.apply()

    class _Handler(MotoRequestHandler):
        # One request per connection: a keep-alive client must not hold the only
        # serving thread while other clients wait. (werkzeug would switch to
        # HTTP/1.1 by itself for threaded servers; pin it.)
        protocol_version = "HTTP/1.0"
        # A client that connects and then stalls gets dropped instead of blocking all.
        timeout = 10

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Request lines are noise here; errors are still logged by werkzeug."""

    app = SerializedWSGIApp(DomainDispatcherApplication(create_backend_app), _MOTO_LOCK)
    try:
        return make_server(host, port, app, threaded=False, processes=1, request_handler=_Handler)
    except SystemExit as error:
        # werkzeug reports bind failures (port in use ...) on stderr and calls sys.exit.
        raise LocalEndpointError(f"cannot listen on {host}:{port}") from error


def _wait_until_answering(endpoint_url: str, timeout_s: float, alive: Callable[[], bool]) -> None:
    """Poll ListTables until the endpoint answers, the server dies, or time runs out."""
    client = dynamodb_client(
        endpoint_url, max_attempts=1, connect_timeout_s=0.5, read_timeout_s=5.0
    )
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise LocalEndpointError(f"local DynamoDB at {endpoint_url} died while starting")
        try:
            client.list_tables(Limit=1)
            return
        except (BotoCoreError, ClientError) as error:
            last_error = error
            time.sleep(0.05)
    raise LocalEndpointError(
        f"local DynamoDB at {endpoint_url} did not answer within {timeout_s}s: {last_error}"
    )


class LocalDynamoDB:
    """An embedded DynamoDB endpoint (moto) on ``host``; a free port unless one is given.

    In-process (default) it serves from a daemon thread: cheap to start, but it shares
    moto's process-global state, so ``moto.mock_aws`` in the same process would reset its
    tables. ``in_subprocess=True`` runs ``python -m local.endpoint`` in a
    child process instead: fully isolated, and it exits if this process dies.

    Use as a context manager; ``endpoint_url`` is valid once started.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        in_subprocess: bool = False,
        startup_timeout_s: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.in_subprocess = in_subprocess
        self.startup_timeout_s = startup_timeout_s
        self._endpoint_url: str | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._reader: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise LocalEndpointError("LocalDynamoDB is not running; call start() first")
        return self._endpoint_url

    @property
    def running(self) -> bool:
        return self._endpoint_url is not None

    def start(self) -> str:
        """Start serving and return the endpoint URL once it answers requests."""
        if self._endpoint_url is not None:
            return self._endpoint_url
        try:
            if self.in_subprocess:
                url, alive = self._start_subprocess()
            else:
                url, alive = self._start_thread()
            _wait_until_answering(url, self.startup_timeout_s, alive)
        except BaseException:
            self._teardown()
            raise
        self._endpoint_url = url
        log.info("local DynamoDB listening on %s", url)
        return url

    def stop(self) -> None:
        """Stop serving (idempotent). In-memory data is discarded."""
        self._endpoint_url = None
        self._teardown()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start_thread(self) -> tuple[str, Callable[[], bool]]:
        server = _make_moto_server(self.host, self.port)
        self._server = server
        # Short poll interval: stop() waits for the serve loop to notice the shutdown.
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"local-dynamodb-{server.port}",
            daemon=True,
        )
        self._thread = thread
        thread.start()
        return f"http://{self.host}:{server.port}", thread.is_alive

    def _start_subprocess(self) -> tuple[str, Callable[[], bool]]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _teardown
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                _MODULE,
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--exit-on-stdin-eof",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
        )
        self._process = process

        url_ready = threading.Event()
        found: list[str] = []

        def read_stdout() -> None:
            # The child prints its URL first; keep draining so it never blocks on a full pipe.
            assert process.stdout is not None
            for line in process.stdout:
                if not found and line.startswith("http"):
                    found.append(line.strip())
                    url_ready.set()
            url_ready.set()

        self._reader = threading.Thread(target=read_stdout, name="local-dynamodb-out", daemon=True)
        self._reader.start()
        if not url_ready.wait(self.startup_timeout_s) or not found:
            raise LocalEndpointError(
                f"local DynamoDB subprocess did not report its URL: {self._child_stderr()}"
            )
        return found[0], lambda: process.poll() is None

    def _child_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def _teardown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

        process, self._process = self._process, None
        if process is not None:
            _stop_process(process)
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.join(timeout=5)
        stderr, self._stderr = self._stderr, None
        if stderr is not None:
            stderr.close()


def _stop_process(process: subprocess.Popen[str]) -> None:
    """Ask the child to exit (stdin EOF), then insist (SIGTERM, SIGKILL)."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    for escalate in (None, process.terminate, process.kill):
        if escalate is not None:
            escalate()
        try:
            process.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.stdout is not None:
        process.stdout.close()


_embedded: LocalDynamoDB | None = None
_embedded_lock = threading.Lock()


def embedded_endpoint() -> str:
    """URL of this process's embedded endpoint, started on first use and stopped at exit."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            local = LocalDynamoDB()
            local.start()
            atexit.register(local.stop)
            _embedded = local
        return _embedded.endpoint_url


def stop_embedded_endpoint() -> None:
    """Stop this process's embedded endpoint, if started (its data is lost)."""
    global _embedded
    with _embedded_lock:
        local, _embedded = _embedded, None
    if local is not None:
        atexit.unregister(local.stop)
        local.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: serve an embedded endpoint until SIGINT/SIGTERM (or stdin EOF if asked)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {_MODULE}", description="Serve a local DynamoDB endpoint (moto)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: a free one)")
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes (lets a parent process tie our life to its own)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    if args.exit_on_stdin_eof:

        def wait_for_eof() -> None:
            sys.stdin.read()
            stop.set()

        threading.Thread(target=wait_for_eof, name="stdin-eof", daemon=True).start()

    try:
        with LocalDynamoDB(args.port, host=args.host) as local:
            print(local.endpoint_url, flush=True)
            while not stop.wait(0.5):
                pass
    except LocalEndpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
