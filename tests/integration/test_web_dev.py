"""``jifen dev`` serves the web side over real HTTP on the local DynamoDB endpoint.

The board, the console (entered through the one-time sign-in link the stack prints) and
the Mini App (entered with launch data the stack mints, as Telegram would) all run the
real web handler on the DynamoDB adapter: the daily aggregate a settlement writes is
what the dashboard reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.dev.stack import DevStack
from tests.support.botapi_server import BotApiServer

from .test_dev_server import PLAN, dev_stack

TELEGRAM_ID = 5_550_001


@pytest.fixture
def stack(
    dynamodb_endpoint: str, dynamodb_table: tuple[Any, str], tmp_path: Path
) -> Iterator[tuple[DevStack, httpx.Client]]:
    """Given the dev stack with one member (Telegram id 5550001), one day settled."""
    _, table = dynamodb_table
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    with BotApiServer() as botapi:
        running = dev_stack(dynamodb_endpoint, table, plan, botapi)
        running.start()
        try:
            with httpx.Client(base_url=running.url, timeout=30, trust_env=False) as client:
                joined = {"member": f"tg{TELEGRAM_ID}", "telegram_id": TELEGRAM_ID}
                assert client.post("/dev/members", json=joined).status_code == 201
                settled = client.post("/dev/settle", params={"date": "2026-01-01"})
                assert settled.json()["status"] == "settled"
                yield running, client
        finally:
            running.stop()


def test_the_stack_prints_the_three_urls_and_a_one_time_console_link(
    stack: tuple[DevStack, httpx.Client],
) -> None:
    # Given the dev stack's output
    running, client = stack
    out = running.config.out.getvalue()  # type: ignore[attr-defined]
    # When its web lines are read
    link = re.search(r"operators' console: (\S+)", out)
    # Then it names the board, the Mini App and a console link that works once
    assert f"{running.url}/board" in out
    assert f"{running.url}/app" in out
    assert link is not None
    path = link.group(1).removeprefix(running.url)
    first = client.get(path)
    assert first.status_code == 303
    assert "jifen_console=" in first.headers["set-cookie"]
    dashboard = client.get("/console")
    assert dashboard.status_code == 200
    assert "2026-01-01" in dashboard.text  # the settlement's daily aggregate
    fresh = httpx.Client(base_url=running.url, trust_env=False)
    assert fresh.get(path).status_code == 403  # used: no second session from it
    fresh.close()


def test_minted_launch_data_opens_the_mini_app(stack: tuple[DevStack, httpx.Client]) -> None:
    # Given launch data the stack mints for the member
    running, client = stack
    minted = client.get("/dev/init-data", params={"telegram_id": TELEGRAM_ID}).json()
    assert minted["url"].startswith(f"{running.url}/app#tgWebAppData=")
    # When the Mini App posts it, as its page script does
    answer = client.post("/app/session", data={"init_data": minted["init_data"]})
    # Then the member is signed in and sees their balance; the board needs nothing
    assert answer.status_code == 200
    assert client.get("/app").status_code == 200
    assert httpx.get(f"{running.url}/board", trust_env=False).status_code == 200
