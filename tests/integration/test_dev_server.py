"""``jifen dev``: the local stack over real HTTP.

In-process cases run :class:`DevStack` on the session's DynamoDB endpoint and
talk to it with an HTTP client: the merchant API through the real handler,
settlement on demand and on an accelerated clock, notifications to the local
Bot API server. One case runs the actual command in a child process (embedded
DynamoDB, the bot polling the local Bot API server) and stops it with Ctrl-C.
"""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.config import REPO_ROOT, Settings
from functions.services.merchant import sign
from local.dev.config import DevConfig
from local.dev.stack import DevStack
from tests.support.botapi_server import BotApiServer, User

PLAN = """
name: dev-merchants
grant: {ratio: "0.30"}
release: {mode: daily, daily_rate: "0.10"}
share: ["0.50"]
merchant: {min_rebate: "0.03", max_rebate: "0.20"}
"""
KEY = "dev-test-key-0123456789abcdef012"
MERCHANTS = json.dumps({"shop": {"key": KEY, "rebate": "0.20"}})
ALICE_CHAT, BOB_CHAT = 2001, 2002


def signed_post(
    client: httpx.Client, order: dict[str, Any] | bytes, *, key: str = KEY
) -> httpx.Response:
    body = order if isinstance(order, bytes) else json.dumps(order).encode()
    timestamp = str(int(time.time()))
    return client.post(
        "/orders",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Jifen-Merchant": "shop",
            "X-Jifen-Timestamp": timestamp,
            "X-Jifen-Signature": sign(key, timestamp, body),
        },
    )


def ours(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables the dev stack sets for the handlers (and must put back)."""
    return {k: v for k, v in environ.items() if k.startswith(("JIFEN_", "POWERTOOLS_"))}


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "dev.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def botapi() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


def dev_stack(
    endpoint: str, table: str, plan_path: Path, botapi: BotApiServer, **overrides: Any
) -> DevStack:
    config = DevConfig(
        host="127.0.0.1",
        port=0,
        table=table,
        plan_path=plan_path,
        merchants_json=MERCHANTS,
        bot_token=botapi.token,
        telegram_api_url=botapi.url,
        poll_bot=False,
        endpoint=endpoint,
        out=io.StringIO(),
        # the proofs published after each settlement: a folder per table, not the repository's
        settings=Settings.of(
            proof={"proof_dir": Path(tempfile.gettempdir()) / "jifen-test-proofs" / table}
        ),
        **overrides,
    )
    return DevStack(config)


@pytest.fixture
def running(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    plan_path: Path,
    botapi: BotApiServer,
) -> Iterator[tuple[DevStack, httpx.Client]]:
    """Given the dev stack serving on a free port, with alice ← bob joined through it."""
    _, table = dynamodb_table
    botapi.clear()
    stack = dev_stack(dynamodb_endpoint, table, plan_path, botapi)
    before = ours(os.environ)
    stack.start()
    try:
        with httpx.Client(base_url=stack.url, timeout=30, trust_env=False) as client:
            for body in (
                {"member": "alice", "telegram_id": ALICE_CHAT, "language": "en"},
                {"member": "bob", "referrer": "alice", "telegram_id": BOB_CHAT, "language": "zh"},
            ):
                assert client.post("/dev/members", json=body).status_code == 201
            yield stack, client
    finally:
        stack.stop()
    assert ours(os.environ) == before, "the dev stack must restore the environment"


def test_merchant_orders_go_through_the_real_handler(
    running: tuple[DevStack, httpx.Client],
) -> None:
    _, client = running
    # Given bob buying 100.00 at the shop (20% rebate, released daily)
    order = {"order_id": "T-1", "member": "bob", "amount": "100.00"}
    # When the till posts it, then posts it again
    first = signed_post(client, order)
    again = signed_post(client, order)
    # Then it is recorded once: 20.00 points locked, released at 10.00 a day
    assert first.status_code == 201
    assert first.json()["granted"] == "20.00"
    assert first.json()["locked"] is True
    assert (again.status_code, again.json()) == (200, first.json())
    bob = client.get("/dev/members/bob").json()
    assert (bob["locked"], bob["available"]) == ("20.00", "0.00")


def test_bad_signature_and_wrong_routes_are_answered_by_the_handler(
    running: tuple[DevStack, httpx.Client],
) -> None:
    _, client = running
    order = {"order_id": "T-2", "member": "bob", "amount": "100.00"}
    refused = signed_post(client, order, key="not-the-key-0123456789abcdef")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_signature")
    wrong_method = client.get("/orders")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert client.get("/dev/nothing").status_code == 404


def test_binary_body_travels_base64_encoded_and_is_signed_as_raw_bytes(
    running: tuple[DevStack, httpx.Client],
) -> None:
    _, client = running
    # Given a body that is not UTF-8 (the event carries it base64-encoded), correctly signed
    reply = signed_post(client, b"\xff\xfe\x00binary")
    # Then the signature checks out on the decoded bytes, and the body is refused as not JSON
    assert (reply.status_code, reply.json()["error"]["code"]) == (400, "invalid_json")


def test_settlement_on_demand_notifies_members_once(
    running: tuple[DevStack, httpx.Client], botapi: BotApiServer
) -> None:
    _, client = running
    assert signed_post(client, {"order_id": "T-3", "member": "bob", "amount": "100.00"}).is_success
    # When 2026-01-01 is settled, and settled again
    settled = client.post("/dev/settle", params={"date": "2026-01-01"})
    again = client.post("/dev/settle", params={"date": "2026-01-01"})
    assert (settled.status_code, again.status_code) == (200, 200), settled.text + again.text
    first, second = settled.json(), again.json()
    # Then bob released 10.00; alice's 50% share of it is forfeited (she has nothing locked)
    assert (first["status"], first["static"], first["forfeited"]) == ("settled", "10.00", "5.00")
    assert first["telegram"] == {"messages": 2, "sent": True, "failed": 0}
    assert second["status"] == "already_settled"
    # And each heard once, in their language (alice learns what she missed)
    to_bob = [call for call in botapi.requests("sendMessage") if call.params["chat_id"] == BOB_CHAT]
    assert [call.params["text"] for call in to_bob] == [
        "📊 2026-01-01 结算：入账 +10.00 积分\n• 锁定积分每日释放：+10.00"
    ]
    to_alice = [c for c in botapi.requests("sendMessage") if c.params["chat_id"] == ALICE_CHAT]
    assert [call.params["text"] for call in to_alice] == [
        "📊 Settlement of 2026-01-01: 0.00 points credited\n"
        "• Share from your generation 1: +5.00\n"
        "• Above your locked points, not paid: -5.00\n"
        "  Rewards are paid out of your own locked points. Buy a package to lock more points "
        "and receive more of them."
    ]
    bob = client.get("/dev/members/bob").json()
    assert (bob["available"], bob["locked"], bob["last_settled"]) == (
        "10.00",
        "10.00",
        "2026-01-01",
    )


def test_settle_refuses_a_bad_date(running: tuple[DevStack, httpx.Client]) -> None:
    _, client = running
    reply = client.post("/dev/settle", params={"date": "2026-02-30"})
    assert (reply.status_code, reply.json()["error"]["code"]) == (400, "invalid_date")


def test_accelerated_clock_settles_one_day_after_another(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    plan_path: Path,
    botapi: BotApiServer,
) -> None:
    # Given the stack with a simulated day every 0.2 s from 2026-03-01
    _, table = dynamodb_table
    import datetime as dt

    stack = dev_stack(
        dynamodb_endpoint,
        table,
        plan_path,
        botapi,
        accelerate_s=0.2,
        start_date=dt.date(2026, 3, 1),
    )
    stack.start()
    try:
        with httpx.Client(base_url=stack.url, timeout=30, trust_env=False) as client:
            # When we wait for three days to pass
            deadline = time.monotonic() + 30
            settled: list[str] = []
            while len(settled) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
                settled = client.get("/dev/health").json()["settled"]
    finally:
        stack.stop()
    # Then they were settled in order, one per tick
    assert settled[:3] == ["2026-03-01", "2026-03-02", "2026-03-03"]


# -- the command itself ----------------------------------------------------------------------


def _lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def _wait_for(lines: queue.Queue[str], needle: str, seen: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no {needle!r} within {timeout}s; output:\n" + "\n".join(seen))


def test_jifen_dev_runs_everything_and_stops_cleanly_on_ctrl_c(
    plan_path: Path, botapi: BotApiServer
) -> None:
    # Given `jifen dev` started with no endpoint (embedded DynamoDB) and a bot token
    botapi.clear()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("JIFEN_", "POWERTOOLS_"))
    }
    env.update(PYTHONUNBUFFERED="1", JIFEN_MERCHANT_KEYS=MERCHANTS, JIFEN_TELEGRAM_TRUST_ENV="0")
    command = [
        sys.executable,
        "-m",
        "functions.cli",
        "dev",
        "--port",
        "0",
        "--plan",
        str(plan_path),
        "--bot-token",
        botapi.token,
        "--telegram-api-url",
        botapi.url,
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        announced = _wait_for(lines, "merchant API on ", seen, timeout=90)
        url = announced.split("merchant API on ", 1)[1].split()[0]
        # When a member joins, a merchant order arrives and the bot gets /start
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
            assert client.get("/dev/health").json()["endpoint"].startswith("http://127.0.0.1:")
            joined = client.post("/dev/members", json={"member": "zoe", "telegram_id": 3001})
            assert joined.status_code == 201
            order = {"order_id": "C-1", "member": "zoe", "amount": "50.00"}
            assert signed_post(client, order).status_code == 201
        _wait_for(lines, "bot: polling as @", seen, timeout=60)
        visitor = User(4001, first_name="Vera", language_code="en")
        botapi.push_update(botapi.command(visitor, "/start"))
        # Then the bot answers the visitor through the local Bot API
        try:
            botapi.wait_for("sendMessage", lambda call: call.params["chat_id"] == 4001, timeout=30)
        except AssertionError:
            while not lines.empty():
                seen.append(lines.get())
            raise AssertionError("the bot did not answer; output:\n" + "\n".join(seen)) from None
        # And Ctrl-C stops everything with exit code 0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        _wait_for(lines, "jifen dev: stopped", seen, timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
