"""The Lambda webhook entry point with HTTP API v2 events: secret, dedupe, warm reuse, failure."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from functions.handlers import telegram_webhook
from functions.store.ledger_store import LedgerStore
from tests.support.botapi_server import BotApiServer

from .conftest import ALICE, OPERATOR, PHONES, member_of

SECRET = "webhook-secret_0123456789"


@dataclass
class LambdaContext:
    function_name: str = "jifen-telegram-webhook"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:jifen-tg"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def webhook(
    monkeypatch: pytest.MonkeyPatch,
    server: BotApiServer,
    store: LedgerStore,
    dynamodb_endpoint: str,
) -> Iterator[None]:
    """The handler configured through the environment, as template.yaml would (locally)."""
    environment = {
        "JIFEN_BOT_TOKEN": server.token,
        "JIFEN_WEBHOOK_SECRET": SECRET,
        "JIFEN_TELEGRAM_API_URL": server.url,
        "JIFEN_TELEGRAM_TRUST_ENV": "false",
        "JIFEN_ADMIN_IDS": f"{OPERATOR.id}, 1",
        "JIFEN_TABLE_NAME": store.table_name,
        "JIFEN_DYNAMODB_ENDPOINT": dynamodb_endpoint,
        "JIFEN_CREATE_TABLE": "false",
        "JIFEN_PLAN_PATH": "infra/plans/dividend.yaml",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    telegram_webhook.reset()
    yield
    telegram_webhook.reset()


def event(update: dict[str, Any], secret: str | None = SECRET, **extra: Any) -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2) request as Telegram makes it."""
    headers = {"content-type": "application/json", "user-agent": "TelegramBot"}
    if secret is not None:
        headers["x-telegram-bot-api-secret-token"] = secret
    return {
        "version": "2.0",
        "routeKey": "POST /telegram",
        "rawPath": "/telegram",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {"http": {"method": "POST", "path": "/telegram"}},
        "body": json.dumps(update),
        "isBase64Encoded": False,
        **extra,
    }


def call(request: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = telegram_webhook.handler(request, LambdaContext())
    return response


def numbered(update: dict[str, Any], update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, **update}


@pytest.mark.usefixtures("webhook")
@pytest.mark.parametrize("secret", ["wrong", "", None, SECRET + "x", SECRET[:-1]])
def test_wrong_or_missing_secret_is_403_and_does_nothing(
    server: BotApiServer, store: LedgerStore, secret: str | None
) -> None:
    """Given a forged request, then 403, no Bot API call and no update claimed."""
    update = numbered(server.command(ALICE, "/start"), 1)

    response = call(event(update, secret=secret))

    assert response["statusCode"] == 403
    assert server.requests() == []
    assert store.stored_result("tg-update:1") is None


@pytest.mark.usefixtures("webhook")
def test_update_is_processed_once_and_a_redelivery_is_acknowledged(
    server: BotApiServer, store: LedgerStore
) -> None:
    """Given an operator's /adjust, when Telegram redelivers it, then 200 and applied once."""
    call(event(numbered(server.command(ALICE, "/start"), 10)))
    call(event(numbered(server.contact_message(ALICE, PHONES[ALICE.id]), 11)))
    adjust = numbered(server.command(OPERATOR, "/adjust", f"{ALICE.id} +10 welcome"), 12)

    first = call(event(adjust))
    replies = len(server.requests("sendMessage"))
    again = call(event(adjust))

    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert json.loads(again["body"]) == {"outcome": "duplicate"}
    assert len(server.requests("sendMessage")) == replies
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert record.available == 1_000
    assert [entry.kind for entry in store.journal(member_of(ALICE))] == ["join", "adjustment"]


@pytest.mark.usefixtures("webhook")
def test_warm_invocations_reuse_one_loop_and_application(server: BotApiServer) -> None:
    """Given two requests, then the Application is built and initialized once (one getMe)."""
    call(event(numbered(server.command(ALICE, "/help"), 20)))
    built = telegram_webhook._runtime
    call(event(numbered(server.command(ALICE, "/help"), 21)))

    assert telegram_webhook._runtime is built
    assert len(server.requests("getMe")) == 1
    assert len(server.requests("sendMessage")) == 2


@pytest.mark.usefixtures("webhook")
def test_base64_body_is_accepted(server: BotApiServer) -> None:
    """Given a base64-encoded body, then it is decoded and processed."""
    body = json.dumps(numbered(server.command(ALICE, "/help"), 30)).encode()
    request = event({}, body=base64.b64encode(body).decode(), isBase64Encoded=True)

    assert call(request)["statusCode"] == 200
    assert server.requests("sendMessage")


@pytest.mark.usefixtures("webhook")
@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"message": {}}', '{"update_id": "7"}'])
def test_bodies_that_are_not_updates_are_ignored_with_200(server: BotApiServer, body: str) -> None:
    """Given a body that is no update, then 200 (so Telegram stops) and nothing is done."""
    response = call(event({}, body=body))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"outcome": "ignored"}
    assert server.requests("sendMessage") == []


@pytest.mark.usefixtures("webhook")
def test_failure_releases_the_claim_so_the_retry_is_processed(
    server: BotApiServer, store: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given processing blows up, then 500 and the claim is gone; the retry is handled."""
    update = numbered(server.command(ALICE, "/help"), 40)
    call(event(numbered(server.command(ALICE, "/help"), 39)))  # build the runtime first

    async def explode(*args: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(telegram_webhook, "_process", explode)
        failed = call(event(update))
    retried = call(event(update))

    assert failed["statusCode"] == 500
    assert store.stored_result("tg-update:40") is not None  # claimed again by the retry
    assert json.loads(retried["body"]) == {"outcome": "ok"}
    assert len(server.requests("sendMessage")) == 2


def test_no_configured_secret_refuses_everything(
    monkeypatch: pytest.MonkeyPatch, server: BotApiServer
) -> None:
    """Given no secret at all in the environment, then even a request without one is 403."""
    monkeypatch.delenv("JIFEN_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("JIFEN_WEBHOOK_SECRET_PARAM", raising=False)
    telegram_webhook.reset()
    try:
        response = call(event(numbered(server.command(ALICE, "/help"), 50), secret=None))
    finally:
        telegram_webhook.reset()

    assert response["statusCode"] == 403
    assert server.requests() == []


def test_settings_table_names_what_the_handler_reads() -> None:
    """Given the module, then SETTINGS lists the settings classes (for the template check)."""
    names = [kind.__name__ for kind in telegram_webhook.SETTINGS["handler"]]

    assert names == ["StoreSettings", "PlanSettings", "BotSettings", "ChainKeySettings"]


def test_secrets_come_from_ssm_parameters(
    monkeypatch: pytest.MonkeyPatch, server: BotApiServer, store: LedgerStore, webhook: None
) -> None:
    """Given the three secrets only in SSM (as deployed), then the webhook reads them there."""
    import boto3  # type: ignore[import-untyped,unused-ignore]
    from moto import mock_aws

    for name in ("JIFEN_BOT_TOKEN", "JIFEN_WEBHOOK_SECRET", "JIFEN_PAYMENT_PROVIDER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(f"{name}_PARAM", f"/jifen/test/{name.lower()}")
    telegram_webhook.reset()
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        for name, value in (
            ("jifen_bot_token", server.token),
            ("jifen_webhook_secret", "from-ssm"),
            ("jifen_payment_provider_token", "provider-from-ssm"),
        ):
            ssm.put_parameter(Name=f"/jifen/test/{name}", Value=value, Type="SecureString")
        forged = call(event(numbered(server.command(ALICE, "/help"), 60)))
        accepted = call(event(numbered(server.command(ALICE, "/help"), 61), secret="from-ssm"))
        runtime = telegram_webhook._runtime
        assert runtime is not None
        provider = runtime.application.bot_data["jifen"].provider_token
        telegram_webhook.reset()

    assert (forged["statusCode"], accepted["statusCode"]) == (403, 200)
    assert provider == "provider-from-ssm"
    assert server.requests("sendMessage")  # the token from SSM was accepted by the Bot API


@pytest.mark.usefixtures("webhook")
def test_payment_not_recorded_yet_asks_telegram_to_redeliver(
    server: BotApiServer, store: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the ledger too busy once, when a payment lands, then 500; the redelivery records it."""
    from functions.rewards.errors import RejectCode, Rejected
    from functions.services.members import Members

    call(event(numbered(server.command(ALICE, "/start"), 70)))
    call(event(numbered(server.contact_message(ALICE, PHONES[ALICE.id]), 71)))
    payment = numbered(
        server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-busy"), 72
    )
    real_pay = Members.pay
    attempts: list[str] = []

    def busy_once(self: Members, *args: Any) -> Any:
        attempts.append("pay")
        if len(attempts) == 1:
            raise Rejected(RejectCode.BUSY, "contention")
        return real_pay(self, *args)

    monkeypatch.setattr(Members, "pay", busy_once)
    first = call(event(payment))
    second = call(event(payment))
    third = call(event(payment))

    assert [r["statusCode"] for r in (first, second, third)] == [500, 200, 200]
    assert json.loads(third["body"]) == {"outcome": "duplicate"}
    assert attempts == ["pay", "pay"]
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert (record.locked, len(record.grants)) == (750_000, 1)


@pytest.mark.parametrize(
    ("initialization", "heavy"),
    [("on-demand", False), ("provisioned-concurrency", True), ("snap-start", True)],
)
def test_heavy_imports_wait_for_a_request_unless_init_runs_ahead(
    initialization: str, heavy: bool
) -> None:
    """Given Lambda's initialization type, then PTB loads at import only when init is ahead."""
    import subprocess
    import sys

    probe = "import sys, functions.handlers.telegram_webhook; print('telegram' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": initialization},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert completed.stdout.strip() == str(heavy)
