"""The Lambda webhook entry point with HTTP API v2 events: secret, lease, warm reuse, failure.

Requests go to ``telegram_webhook.handle`` with a runtime built from the settings
template.yaml gives the function (locally: secrets as values); the child-process
cases are containers of their own, configured by those variables.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import IO, Any, ClassVar

import pytest

from functions.config import REPO_ROOT, Settings
from functions.handlers import telegram_webhook
from functions.runtime import Runtime
from functions.store.ledger_store import LedgerStore
from local.lambda_fakes import LambdaContext
from tests.support.botapi_server import BotApiError, BotApiServer, User

from .conftest import ALICE, OPERATOR, PHONES, member_of

SECRET = "webhook-secret_0123456789"
GIVE_UP_S = 15.0
"""Longest a test waits for a lease to expire or a child container to get somewhere."""


def context(remaining_ms: int = 25_000) -> Any:
    return LambdaContext("jifen-telegram-webhook", remaining_ms=remaining_ms)


class Function:
    """The webhook function this module's requests go to (the fixtures set it)."""

    runtime: ClassVar[Runtime | None] = None
    environment: ClassVar[dict[str, str]] = {}
    """Its variables, for a child process playing another container of it."""


def webhook_environment(
    server: BotApiServer, store: LedgerStore, endpoint: str, **changes: str | None
) -> dict[str, str]:
    """The variables template.yaml gives the function, locally (secrets as values)."""
    environment: dict[str, str | None] = {
        "JIFEN_BOT_TOKEN": server.token,
        "JIFEN_WEBHOOK_SECRET": SECRET,
        "JIFEN_TELEGRAM_API_URL": server.url,
        "JIFEN_TELEGRAM_TRUST_ENV": "false",
        "JIFEN_ADMIN_IDS": f"{OPERATOR.id}, 1",
        "JIFEN_TABLE_NAME": store.table_name,
        "JIFEN_DYNAMODB_ENDPOINT": endpoint,
        "JIFEN_CREATE_TABLE": "false",
        "JIFEN_PLAN_PATH": "infra/plans/dividend.yaml",
        **changes,
    }
    return {name: value for name, value in environment.items() if value is not None}


def webhook_settings(
    server: BotApiServer, store: LedgerStore, endpoint: str, **bot: Any
) -> Settings:
    """The same as settings, given explicitly (``bot`` changes the bot's group)."""
    return Settings.of(
        store={"table_name": store.table_name, "dynamodb_endpoint": endpoint},
        plan={"plan_path": "infra/plans/dividend.yaml"},
        bot={
            "bot_token": server.token,
            "webhook_secret": SECRET,
            "telegram_api_url": server.url,
            "telegram_trust_env": False,
            "admin_ids": f"{OPERATOR.id}, 1",
            **bot,
        },
    )


@pytest.fixture
def webhook(server: BotApiServer, store: LedgerStore, dynamodb_endpoint: str) -> Iterator[None]:
    """The handler on the settings template.yaml gives it (locally: secrets as values)."""
    Function.runtime = Runtime(webhook_settings(server, store, dynamodb_endpoint))
    Function.environment = webhook_environment(server, store, dynamodb_endpoint)
    yield
    Function.runtime.close()
    Function.runtime = None


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


def call(request: dict[str, Any], invocation: Any | None = None) -> dict[str, Any]:
    assert Function.runtime is not None, "no function configured"
    response: dict[str, Any] = telegram_webhook.handle(
        Function.runtime, request, invocation or context()
    )
    return response


def invoke(request: dict[str, Any], invocation: Any | None = None) -> dict[str, Any]:
    """:func:`call` as Telegram sees it: an exception escaping the handler is a 500."""
    try:
        return call(request, invocation)
    except Exception:
        return {"statusCode": 500, "body": json.dumps({"outcome": "raised"})}


def outcome(response: dict[str, Any]) -> str:
    return str(json.loads(response["body"])["outcome"])


def numbered(update: dict[str, Any], update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, **update}


def lease(dynamodb_table: tuple[Any, str], update_id: int) -> dict[str, Any] | None:
    """The update's lease item as docs/storage.md describes it (DynamoDB JSON), or None."""
    client, table = dynamodb_table
    digest = hashlib.md5(str(update_id).encode(), usedforsecurity=False).hexdigest()
    key = {"pk": {"S": "WEBHOOK#updates"}, "sk": {"S": f"tg-update#{digest}"}}
    found = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    item: dict[str, Any] | None = found.get("Item")
    return item


def redeliver_until_run(request: dict[str, Any]) -> list[str]:
    """Telegram's retries: redeliver every 0.1 s while the answer is ``in_progress``."""
    give_up = time.monotonic() + GIVE_UP_S
    answers = [outcome(invoke(request))]
    while answers[-1] == "in_progress" and time.monotonic() < give_up:
        time.sleep(0.1)
        answers.append(outcome(invoke(request)))
    return answers


def register(server: BotApiServer, user: User, first_update_id: int) -> None:
    call(event(numbered(server.command(user, "/start"), first_update_id)))
    call(event(numbered(server.contact_message(user, PHONES[user.id]), first_update_id + 1)))


def receipts(server: BotApiServer) -> list[str]:
    """The "payment received" messages that reached the (fake) Bot API."""
    return [
        str(sent.params["text"])
        for sent in server.requests("sendMessage")
        if sent.ok and "Payment received" in str(sent.params.get("text"))
    ]


@pytest.mark.usefixtures("webhook")
@pytest.mark.parametrize("secret", ["wrong", "", None, SECRET + "x", SECRET[:-1]])
def test_wrong_or_missing_secret_is_403_and_does_nothing(
    server: BotApiServer, dynamodb_table: tuple[Any, str], secret: str | None
) -> None:
    """Given a forged request, then 403, no Bot API call and no update claimed."""
    update = numbered(server.command(ALICE, "/start"), 1)

    response = call(event(update, secret=secret))

    assert response["statusCode"] == 403
    assert server.requests() == []
    assert lease(dynamodb_table, 1) is None


@pytest.mark.usefixtures("webhook")
def test_update_is_processed_once_and_a_redelivery_is_acknowledged(
    server: BotApiServer, store: LedgerStore, dynamodb_table: tuple[Any, str]
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
    done = lease(dynamodb_table, 12)
    assert done is not None
    assert done["status"] == {"S": "COMPLETED"}
    kept_s = int(done["expires_at"]["N"]) - time.time()
    assert telegram_webhook.UPDATE_LEASE_TTL_S - 60 < kept_s <= telegram_webhook.UPDATE_LEASE_TTL_S


@pytest.mark.usefixtures("webhook")
def test_warm_invocations_reuse_one_loop_and_application(server: BotApiServer) -> None:
    """Given two requests, then the Application is built and initialized once (one getMe)."""
    assert Function.runtime is not None
    call(event(numbered(server.command(ALICE, "/help"), 20)))
    built = telegram_webhook.webhook_of(Function.runtime)
    call(event(numbered(server.command(ALICE, "/help"), 21)))

    assert telegram_webhook.webhook_of(Function.runtime) is built
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
def test_failure_releases_the_lease_so_the_retry_is_processed(
    server: BotApiServer, dynamodb_table: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given processing blows up, then 500 and the lease is gone; the retry is handled."""
    update = numbered(server.command(ALICE, "/help"), 40)
    call(event(numbered(server.command(ALICE, "/help"), 39)))  # build the runtime first

    async def explode(*args: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(telegram_webhook, "_process", explode)
        failed = call(event(update))
    released = lease(dynamodb_table, 40)
    retried = call(event(update))

    assert failed["statusCode"] == 500
    assert released is None
    done = lease(dynamodb_table, 40)
    assert done is not None
    assert done["status"] == {"S": "COMPLETED"}
    assert json.loads(retried["body"]) == {"outcome": "ok"}
    assert len(server.requests("sendMessage")) == 2


def test_no_configured_secret_refuses_everything(
    server: BotApiServer, store: LedgerStore, dynamodb_endpoint: str
) -> None:
    """Given no secret at all in the settings, then even a request without one is 403."""
    settings = webhook_settings(server, store, dynamodb_endpoint, webhook_secret=None)
    Function.runtime = Runtime(settings)
    try:
        response = call(event(numbered(server.command(ALICE, "/help"), 50), secret=None))
    finally:
        Function.runtime.close()
        Function.runtime = None

    assert response["statusCode"] == 403
    assert server.requests() == []


def test_settings_table_names_what_the_handler_reads() -> None:
    """Given the module, then SETTINGS lists the settings classes (for the template check)."""
    names = [kind.__name__ for kind in telegram_webhook.SETTINGS["handler"]]

    assert names == [
        "StoreSettings",
        "PlanSettings",
        "BotSettings",
        "ChainKeySettings",
        "ScheduleSettings",
    ]


def test_secrets_come_from_ssm_parameters(
    server: BotApiServer, store: LedgerStore, dynamodb_endpoint: str
) -> None:
    """Given the three secrets only in SSM (as deployed), then the webhook reads them there."""
    import boto3  # type: ignore[import-untyped,unused-ignore]
    from moto import mock_aws

    in_ssm: dict[str, Any] = {}
    for name in ("bot_token", "webhook_secret", "payment_provider_token"):
        in_ssm[name] = None
        in_ssm[f"{name}_param"] = f"/jifen/test/jifen_{name}"
    Function.runtime = Runtime(webhook_settings(server, store, dynamodb_endpoint, **in_ssm))
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
        built = telegram_webhook.webhook_of(Function.runtime)
        provider = built.application.bot_data["jifen"].provider_token
        Function.runtime.close()
        Function.runtime = None

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


# -- the lease: a killed or failed invocation does not lose its update -----------------


@pytest.mark.usefixtures("webhook")
def test_container_killed_after_the_purchase_is_redelivered_once_the_lease_expires(
    server: BotApiServer,
    store: LedgerStore,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a container SIGKILLed after recording Alice's purchase, while telling her so,
    when Telegram redelivers the payment, then 500 ``in_progress`` while the lease lasts,
    then the update runs again: one purchase, one "payment received", then ``duplicate``."""
    register(server, ALICE, 80)
    payment = numbered(
        server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-killed"), 83
    )
    reached, release = threading.Event(), threading.Event()

    def hang(params: dict[str, Any]) -> Any:
        reached.set()  # the purchase is committed; the receipt is on its way
        release.wait(GIVE_UP_S)
        raise BotApiError(502, "Bad Gateway")  # nobody is left to read it

    with tempfile.TemporaryFile("w+") as errors:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.webhook_child"],
            cwd=REPO_ROOT,
            env={**inherited, **Function.environment},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            warm = numbered(server.command(ALICE, "/help"), 82)
            _ask(child, {"event": event(warm), "remaining_ms": 25_000}, errors)
            server.set_result("sendMessage", hang)
            _send(child, {"event": event(payment), "remaining_ms": 2_000, "lease_margin_ms": 200})
            assert reached.wait(GIVE_UP_S), _stderr(errors)
            child.kill()  # SIGKILL, as Lambda does at the timeout
        finally:
            child.kill()
            child.wait(GIVE_UP_S)
            release.set()
            server.clear_result("sendMessage")
    held = lease(dynamodb_table, 83)

    answers = redeliver_until_run(event(payment))
    ran_at_ms = time.time() * 1000
    again = call(event(payment))

    assert answers[0] == "in_progress"
    assert answers[-1] == "ok"
    assert outcome(again) == "duplicate"
    assert held is not None
    assert held["status"] == {"S": "INPROGRESS"}
    assert ran_at_ms >= int(held["in_progress_expiration"]["N"])
    journal = store.journal(member_of(ALICE))
    assert [entry.kind for entry in journal].count("purchase") == 1
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert (record.locked, len(record.grants)) == (750_000, 1)
    assert len(receipts(server)) == 1


@pytest.mark.usefixtures("webhook")
def test_busy_payment_whose_release_fails_is_recorded_once_the_lease_expires(
    server: BotApiServer,
    store: LedgerStore,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the ledger busy and DynamoDB refusing to delete anything (so the update's
    lease cannot be released), when Telegram redelivers, then ``in_progress`` until the
    lease of the failed invocation expires, then the purchase is recorded and receipted."""
    from botocore.client import BaseClient  # type: ignore[import-untyped,unused-ignore]
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    from functions.rewards.errors import RejectCode, Rejected
    from functions.services.members import Members

    monkeypatch.setattr(telegram_webhook, "LEASE_MARGIN_MS", 100, raising=False)
    register(server, ALICE, 90)
    payment = numbered(
        server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-stuck"), 92
    )
    real_call = BaseClient._make_api_call

    def unavailable_for_deletes(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "DeleteItem":
            error = {"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}
            raise ClientError(error, operation)
        return real_call(client, operation, params)

    def busy(self: Members, *args: Any) -> Any:
        raise Rejected(RejectCode.BUSY, "contention")

    with monkeypatch.context() as fault:
        fault.setattr(Members, "pay", busy)
        fault.setattr(BaseClient, "_make_api_call", unavailable_for_deletes)
        first = invoke(event(payment), context(remaining_ms=1_000))
    held = lease(dynamodb_table, 92)

    answers = redeliver_until_run(event(payment))

    assert first["statusCode"] == 500
    assert answers[0] == "in_progress"
    assert answers[-1] == "ok"
    assert held is not None
    assert held["status"] == {"S": "INPROGRESS"}
    assert store.get_order("charge-stuck") is not None
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert (record.locked, len(record.grants)) == (750_000, 1)
    assert len(receipts(server)) == 1


@pytest.mark.usefixtures("webhook")
def test_a_payment_seen_again_under_another_update_is_not_receipted_twice(
    server: BotApiServer, store: LedgerStore
) -> None:
    """Given Alice's payment processed, when the same payment message comes again as a new
    update, then it is acknowledged but neither granted nor receipted a second time."""
    register(server, ALICE, 100)
    paid = server.successful_payment(ALICE, "buy:300000:0", 300_000, "CNY", "charge-twice")

    first = call(event(numbered(paid, 102)))
    second = call(event(numbered(paid, 103)))

    assert (outcome(first), outcome(second)) == ("ok", "ok")
    assert len(receipts(server)) == 1
    record = store.get_member(member_of(ALICE))
    assert record is not None
    assert (record.locked, len(record.grants)) == (750_000, 1)


def _send(child: subprocess.Popen[str], request: dict[str, Any]) -> None:
    assert child.stdin is not None
    child.stdin.write(json.dumps(request) + "\n")
    child.stdin.flush()


def _ask(child: subprocess.Popen[str], request: dict[str, Any], errors: IO[str]) -> Any:
    """One invocation in the child container; its answer (skipping the handler's logs)."""
    _send(child, request)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("RESPONSE "):
            return json.loads(line.removeprefix("RESPONSE "))
    raise AssertionError(f"the child container died: {_stderr(errors)}")


def _stderr(errors: IO[str]) -> str:
    errors.seek(0)
    return errors.read()[-3000:]
