"""``jifen bot``: the same application by long polling, as a developer runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import BotApiServer

from .conftest import ALICE


def _environment(**extra: str) -> dict[str, str]:
    keep = {name: value for name, value in os.environ.items() if not name.startswith("JIFEN_")}
    return {**keep, **extra}


def test_jifen_bot_polls_the_configured_api(
    server: BotApiServer, store: LedgerStore, dynamodb_endpoint: str
) -> None:
    """Given a token and --api-url, when /help arrives, then the bot answers and stops on ^C."""
    env = _environment(
        JIFEN_BOT_TOKEN=server.token,
        JIFEN_TABLE_NAME=store.table_name,
        JIFEN_DYNAMODB_ENDPOINT=dynamodb_endpoint,
        JIFEN_CREATE_TABLE="false",
        JIFEN_TELEGRAM_TRUST_ENV="false",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "functions.cli", "bot", "--api-url", server.url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server.push_update(server.command(ALICE, "/help"))
        [reply] = server.wait_for("sendMessage", timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)

    assert reply.params["text"].startswith("What I can do")
    assert len(server.requests("setMyCommands")) == 3  # zh, en and the default menu
    assert process.returncode == 0, err
    assert f"polling as @jifen_test_bot on {server.url}" in out


def test_jifen_bot_without_a_token_exits_2() -> None:
    """Given no token configured, then the command explains and exits 2."""
    completed = subprocess.run(
        [sys.executable, "-m", "functions.cli", "bot"],
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 2
    assert "JIFEN_BOT_TOKEN" in completed.stderr
