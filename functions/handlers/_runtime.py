"""Cold-start wiring shared by the Lambda handlers: settings, the ledger, AWS clients, secrets.

Everything here is built on first use and then kept for the container's
life, so a warm invocation pays for none of it: settings are validated once
(a bad variable fails the first invocation loudly, naming the variable), the
ledger (store connection + validated plan) is opened once, boto3 clients are
created once, and SSM parameters are cached by Powertools for
:data:`SECRET_MAX_AGE_S`, so a rotated secret is picked up within minutes
without a redeploy. :func:`reset` forgets it all (tests, and nothing else).

The settings classes below are read by the handlers' ``SETTINGS`` tables;
``tests/unit/test_template.py`` checks that template.yaml sets every variable
they read for every function that runs the handler.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_lambda_powertools.utilities.parameters import SSMProvider
from pydantic import Field, JsonValue, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.config import REPO_ROOT, PlanSettings, StoreSettings
from functions.services.ledger import Ledger
from functions.services.payouts import (
    DirectoryReportStore,
    ManualPayoutProvider,
    PayoutProvider,
    S3ReportStore,
)
from functions.services.runtime import load_configured_plan, open_ledger, open_storage
from functions.services.settlement_fanout import (
    DiscardingQueue,
    ExecutionStarter,
    FanoutPolicy,
    NotificationQueue,
    SqsNotificationQueue,
    StepFunctionsStarter,
)
from functions.store.storage import Storage

SECRET_MAX_AGE_S = 300
"""How long a fetched SSM parameter is trusted before it is fetched again."""

LOCAL_ONLY: dict[str, JsonValue] = {"local_only": True}
"""Marks a setting that only local runs use; the template need not set it."""

_ENV = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")


class ScheduleSettings(BaseSettings):
    """The business day's time zone: settlement dates and the payout cut-off."""

    model_config = _ENV

    time_zone: str = "Asia/Shanghai"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class NotifySettings(BaseSettings):
    """Where settlement notifications go (unset locally: they are counted and dropped)."""

    model_config = _ENV

    notify_queue_url: str | None = None


class FanoutSettings(BaseSettings):
    """When the scheduled settlement applies pages itself and how it fans out otherwise."""

    model_config = _ENV

    settlement_state_machine_arn: str | None = None
    settlement_inline_pages: int = Field(default=20, ge=0)
    settlement_pages_per_batch: int = Field(default=10, ge=1, le=1000)
    settlement_shard_count: int = Field(default=16, ge=1, le=10_000)


class PayoutSettings(BaseSettings):
    """Where payout reports go: the S3 bucket in AWS, a local directory otherwise."""

    model_config = _ENV

    payout_bucket: str | None = None
    payout_dir: Path = Field(default=REPO_ROOT / "var" / "payouts", json_schema_extra=LOCAL_ONLY)


S = TypeVar("S", bound=BaseSettings)

_lock = threading.RLock()
_settings: dict[type[BaseSettings], BaseSettings] = {}
_built: dict[str, Any] = {}


def settings(kind: type[S]) -> S:
    """``kind`` read from the environment once per container."""
    with _lock:
        found = _settings.get(kind)
        if found is None:
            found = _settings[kind] = kind()
    assert isinstance(found, kind)
    return found


def _once(name: str, build: Any) -> Any:
    with _lock:
        if name not in _built:
            _built[name] = build()
        return _built[name]


def plan_path() -> Path:
    """The plan file; a relative path is inside the deployed package (``infra/plans/…``)."""
    path = settings(PlanSettings).plan_path
    return path if path.is_absolute() else REPO_ROOT / path


def storage() -> Storage:
    """The container's stores: one table client."""
    result: Storage = _once("storage", lambda: open_storage(settings(StoreSettings)))
    return result


def ledger() -> Ledger:
    """The container's ledger: the container's stores, one validated plan."""

    def build() -> Ledger:
        plan = load_configured_plan(PlanSettings(plan_path=plan_path()))
        return open_ledger(plan=plan, store=storage().ledger)

    result: Ledger = _once("ledger", build)
    return result


def client(service: str) -> Any:
    """A boto3 client for ``service`` in the configured region, created once."""

    def build() -> Any:
        import boto3  # type: ignore[import-untyped,unused-ignore]

        return boto3.client(service, region_name=settings(StoreSettings).region)

    return _once(f"client:{service}", build)


def secret(parameter_name: str) -> str:
    """A SecureString parameter's value, decrypted, cached for :data:`SECRET_MAX_AGE_S`."""
    provider: SSMProvider = _once("ssm", lambda: SSMProvider(boto3_client=client("ssm")))
    value = provider.get(parameter_name, decrypt=True, max_age=SECRET_MAX_AGE_S)
    if not isinstance(value, str) or not value:
        raise ValueError(f"SSM parameter {parameter_name} is empty or not text")
    return value


def notification_queue() -> NotificationQueue:
    def build() -> NotificationQueue:
        url = settings(NotifySettings).notify_queue_url
        return SqsNotificationQueue(url, client("sqs")) if url else DiscardingQueue()

    queue: NotificationQueue = _once("queue", build)
    return queue


def execution_starter() -> ExecutionStarter | None:
    """The state machine starter, or None where none is deployed (then runs stay inline)."""

    def build() -> ExecutionStarter | None:
        arn = settings(FanoutSettings).settlement_state_machine_arn
        return StepFunctionsStarter(arn, client("stepfunctions")) if arn else None

    starter: ExecutionStarter | None = _once("starter", build)
    return starter


def fanout_policy() -> FanoutPolicy:
    config = settings(FanoutSettings)
    return FanoutPolicy(
        inline_pages=config.settlement_inline_pages,
        pages_per_batch=config.settlement_pages_per_batch,
        max_concurrency=config.settlement_shard_count,
    )


def payout_provider() -> PayoutProvider:
    """The manual provider writing reports to S3 (deployed) or a local directory."""

    def build() -> PayoutProvider:
        config = settings(PayoutSettings)
        reports = (
            S3ReportStore(config.payout_bucket, client("s3"))
            if config.payout_bucket
            else DirectoryReportStore(config.payout_dir)
        )
        return ManualPayoutProvider(ledger(), reports)

    provider: PayoutProvider = _once("payouts", build)
    return provider


def reset() -> None:
    """Forget every cached setting, client and ledger (tests switch tables between cases)."""
    with _lock:
        _settings.clear()
        _built.clear()
