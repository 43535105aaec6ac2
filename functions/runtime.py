"""The composition root: validated settings → endpoint → stores → ledger, queues, providers.

Everything the Lambda handlers, the bot, ``jifen dev`` and the demo run on is a
:class:`Runtime`, built from one :class:`~functions.config.Settings` by this
module and nothing else:

* a Lambda container builds its runtime from the environment on first use
  (:func:`container_runtime`) and keeps it for the container's life, so a warm
  invocation pays for none of the wiring; each handler module's
  ``handler(event, context)`` is that container's entry, and delegates to a
  function taking the runtime explicitly (``handle(runtime, event, context)``);
* tests, ``jifen dev``, ``jifen bot`` and the demo build their own
  ``Runtime(Settings.of(...))`` and call those functions directly: no
  environment to set, no module state to reset.

Parts are built on first use and then kept (a settlement function never opens
an SQS client it does not need; a cold webhook refusing a forged request builds
nothing). The storage adapters are constructed in exactly one function,
:func:`open_stores`; the endpoint is decided in exactly one,
:func:`resolve_endpoint`; the plan is read by :func:`functions.plans.load_plan`.
The embedded local endpoint is not known here: local tooling starts it and
passes its URL as an explicit endpoint.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from functions.config import ChainKeySettings, ProofSettings, Settings, StoreSettings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from functions.config import BotSettings
    from functions.rewards.plan import Plan
    from functions.services.ledger import Ledger
    from functions.services.notification_policy import NotificationRules
    from functions.services.payouts import PayoutProvider
    from functions.services.plan_sources import StoredPlans
    from functions.services.plan_versions import PlanPublisher
    from functions.services.proofs import ProofService, RecordPublisher
    from functions.services.settlement_fanout import ExecutionStarter, FanoutPolicy
    from functions.services.settlement_notices import NotificationQueue
    from functions.store.bot_store import BotStore
    from functions.store.keyring import Keyring
    from functions.store.ops_store import NotificationLog
    from functions.store.storage import Storage

T = TypeVar("T")

SECRET_MAX_AGE_S = 300
"""How long a fetched SSM parameter is trusted before it is fetched again (rotation)."""


class EndpointError(ValueError):
    """Neither an endpoint nor AWS is configured, and no embedded endpoint was offered."""


class MetricsSink(Protocol):
    """Where handlers count things: Powertools' metrics in Lambda, a counter elsewhere."""

    def add_metric(self, name: str, unit: Any, value: float) -> None: ...


class CountingMetrics:
    """Metrics kept in memory (tests, ``jifen dev``, the demo): totals by name."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.totals[name] = self.totals.get(name, 0) + value


def resolve_endpoint(
    store: StoreSettings, *, embedded: Callable[[], str] | None = None
) -> str | None:
    """Where the table is: an endpoint URL, or None for AWS itself. The one place that decides.

    1. ``JIFEN_DYNAMODB_ENDPOINT`` set: that endpoint (a shared moto, DynamoDB Local).
    2. ``JIFEN_USE_AWS=1``: AWS, configured the standard way (region, role).
    3. Otherwise the embedded endpoint, when local tooling offers one (``embedded``
       starts it on first use). Deployed code offers none, so a function configured
       for neither fails at cold start, naming both variables.

    Local endpoints get placeholder credentials from the client factory itself
    (:func:`functions.store.client.dynamodb_client`), so nothing here touches the
    environment.
    """
    if store.dynamodb_endpoint:
        endpoint = store.dynamodb_endpoint
    elif store.use_aws:
        return None
    elif embedded is not None:
        endpoint = embedded()
    else:
        raise EndpointError(
            "no DynamoDB configured: set JIFEN_DYNAMODB_ENDPOINT to an endpoint, "
            "or JIFEN_USE_AWS=1 for AWS"
        )
    return endpoint


def chain_keyring(
    config: ChainKeySettings, endpoint: str | None, region: str, *, create_local: bool = True
) -> Keyring:
    """SSM when a parameter is named; else the local key file (made on first use unless
    ``create_local`` is False), or none at all for AWS."""
    from functions.store.keyring import Keyring, default_keyring, ssm_fetcher

    if config.chain_key_param:
        return Keyring.ssm(config.chain_key_param, ssm_fetcher(region))
    if endpoint is None:
        return default_keyring(None)  # refuses to MAC: AWS without JIFEN_CHAIN_KEY_PARAM
    return Keyring.local_file(config.chain_key_file, create=create_local)


LAMBDA_MB_PER_VCPU = 1_769
"""Lambda gives one vCPU per 1,769 MB of memory, up to six at 10,240 MB."""


def load_processes(configured: int | None, lambda_memory_mb: str | None) -> int:
    """Worker processes for the compute step's member reads: as configured, else one per
    vCPU of the Lambda's memory, else (outside Lambda) one."""
    if configured is not None:
        return configured
    if lambda_memory_mb is None or not lambda_memory_mb.isdigit():
        return 1
    return max(1, min(6, math.ceil(int(lambda_memory_mb) / LAMBDA_MB_PER_VCPU)))


def open_stores(store: StoreSettings, endpoint: str | None, keyring: Keyring) -> Storage:
    """The stores on ``store``'s table at ``endpoint``: the only place the adapter is chosen.

    Creates the table from template.yaml first when asked to (local use; the template
    sets ``JIFEN_CREATE_TABLE=0``) and the endpoint is local.
    """
    from functions.store.storage import dynamodb_storage

    if store.create_table and endpoint is not None:
        from functions.store.client import dynamodb_client
        from functions.store.table_definition import ensure_table

        ensure_table(dynamodb_client(endpoint, region_name=store.region), store.table_name)
    return dynamodb_storage(
        store.table_name, endpoint=endpoint, region=store.region, keyring=keyring
    )


def record_publisher(config: ProofSettings, s3_client: Callable[[], Any]) -> RecordPublisher:
    """The Object Lock bucket when one is named, else the local folder: the one place the
    publication adapter is chosen (``s3_client`` is called only for the bucket)."""
    from functions.services.proofs import FolderRecordPublisher, S3RecordPublisher

    if config.proof_bucket:
        return S3RecordPublisher(config.proof_bucket, s3_client())
    return FolderRecordPublisher(config.proof_dir)


class Runtime:
    """What a function, the bot, ``jifen dev`` or the demo runs on; parts built on first use.

    ``metrics`` is where handlers count (Powertools' in a Lambda container, else an
    in-memory :class:`CountingMetrics`); ``clock`` is the ledger's (microseconds).
    Thread-safe: ``jifen dev`` serves requests from several threads.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        metrics: MetricsSink | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.settings = settings
        self._metrics_source: Callable[[], MetricsSink] = (
            CountingMetrics if metrics is None else (lambda: metrics)
        )
        self._clock = clock
        self._lock = threading.RLock()
        self._built: dict[str, Any] = {}
        self._versions: dict[str, tuple[Hashable, Any]] = {}
        self._closers: list[Callable[[], None]] = []

    @classmethod
    def from_environment(cls) -> Runtime:
        """The runtime a Lambda container builds: settings validated from its environment,
        metrics to CloudWatch through Powertools (imported when first counted)."""
        runtime = cls(Settings.from_environment())
        runtime._metrics_source = _powertools_metrics
        return runtime

    @property
    def metrics(self) -> MetricsSink:
        """Where handlers count (the Powertools singleton in a Lambda container)."""
        return self.memo("metrics", self._metrics_source)

    # -- building and keeping ---------------------------------------------------------
    def memo(self, key: str, build: Callable[[], T]) -> T:
        """``build()``'s value, built once per runtime (for parts an entry point owns)."""
        with self._lock:
            if key not in self._built:
                self._built[key] = build()
            value: T = self._built[key]
            return value

    def per_version(self, key: str, version: Hashable, build: Callable[[], T]) -> T:
        """``build()``'s value, kept until ``version`` changes (e.g. a rotated secret)."""
        with self._lock:
            found = self._versions.get(key)
            if found is not None and found[0] == version:
                kept: T = found[1]
                return kept
            value = build()
            self._versions[key] = (version, value)
            return value

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the runtime is closed (last registered, first run)."""
        with self._lock:
            self._closers.append(callback)

    def close(self) -> None:
        """Release what the parts hold (the bot's HTTP client, ...); idempotent."""
        with self._lock:
            closers, self._closers = self._closers[::-1], []
        for callback in closers:
            callback()

    # -- storage and the ledger -------------------------------------------------------
    @property
    def endpoint(self) -> str | None:
        """The DynamoDB endpoint (None: AWS), from :func:`resolve_endpoint`."""
        found: str | None = self.memo("endpoint", lambda: resolve_endpoint(self.settings.store))
        return found

    @property
    def keyring(self) -> Keyring:
        """The journal chain's keyring: SSM in AWS, the local key file otherwise."""
        store = self.settings.store
        return self.memo(
            "keyring",
            lambda: chain_keyring(self.settings.chain_key, self.endpoint, store.region),
        )

    @property
    def stores(self) -> Storage:
        return self.memo(
            "stores", lambda: open_stores(self.settings.store, self.endpoint, self.keyring)
        )

    @property
    def plan(self) -> Plan:
        """The shipped plan file (``JIFEN_PLAN_PATH``; relative paths are inside the package):
        version 1 of a table that has no versions yet."""
        from functions.plans import load_plan

        return self.memo("plan", lambda: load_plan(self.settings.plan.plan_path))

    @property
    def clock(self) -> Callable[[], int]:
        """The ledger's clock (µs since the epoch)."""
        from functions.services.ledger import wall_clock_us

        return self._clock or wall_clock_us

    @property
    def plans(self) -> StoredPlans:
        """The plan versions in the table, bootstrapped from :attr:`plan`, cached per container."""

        def build() -> StoredPlans:
            from functions.services.plan_sources import StoredPlans

            return StoredPlans(
                self.stores.ledger,
                self.plan,
                clock=self.clock,
                max_age_s=self.settings.plan.plan_cache_s,
            )

        return self.memo("plans", build)

    @property
    def plan_publisher(self) -> PlanPublisher:
        """Reviewing and publishing plan versions (the CLI, the bot)."""

        def build() -> PlanPublisher:
            from functions.services.plan_versions import PlanPublisher

            return PlanPublisher(self.stores.ledger, self.plans, self.clock, self.zone)

        return self.memo("plan_publisher", build)

    @property
    def ledger(self) -> Ledger:
        """The ledger: one store connection, the plan versions of its table."""

        def build() -> Ledger:
            from functions.services.ledger import Ledger

            return Ledger(
                self.stores.ledger,
                self.plan,
                clock=self.clock,
                plans=self.plans,
                zone=self.zone,
                apply_threads=self.settings.fanout.settlement_apply_threads,
                load_processes=load_processes(
                    self.settings.fanout.settlement_load_processes,
                    os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
                ),
            )

        return self.memo("ledger", build)

    @property
    def bot_store(self) -> BotStore:
        return self.stores.bot

    @property
    def notification_log(self) -> NotificationLog:
        return self.stores.notifications

    # -- schedule, settlement fan-out, payouts -------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        """The business day's time zone (settlement dates, the payout cut-off)."""
        return self.settings.schedule.zone

    @property
    def queue(self) -> NotificationQueue:
        """Settlement notifications: SQS when a queue is named, else counted and dropped."""

        def build() -> NotificationQueue:
            from functions.services.settlement_notices import (
                DiscardingQueue,
                SqsNotificationQueue,
            )

            url = self.settings.notify.notify_queue_url
            return SqsNotificationQueue(url, self.client("sqs")) if url else DiscardingQueue()

        return self.memo("queue", build)

    @property
    def starter(self) -> ExecutionStarter | None:
        """The state machine starter, or None where none is deployed (runs stay inline)."""

        def build() -> ExecutionStarter | None:
            from functions.services.settlement_fanout import StepFunctionsStarter

            arn = self.settings.fanout.settlement_state_machine_arn
            return StepFunctionsStarter(arn, self.client("stepfunctions")) if arn else None

        found: ExecutionStarter | None = self.memo("starter", build)
        return found

    @property
    def fanout_policy(self) -> FanoutPolicy:
        from functions.services.settlement_fanout import FanoutPolicy

        config = self.settings.fanout
        return FanoutPolicy(
            inline_pages=config.settlement_inline_pages,
            pages_per_batch=config.settlement_pages_per_batch,
            max_concurrency=config.settlement_shard_count,
            notifications=self.notification_rules,
        )

    @property
    def notification_rules(self) -> NotificationRules:
        """Which settlement statements are sent, within the date's budget (issue 16)."""
        from functions.services.notification_policy import NotificationRules

        config = self.settings.notify_policy
        return NotificationRules(
            daily_budget=config.notify_daily_budget,
            release_threshold_bp=config.notify_release_threshold_bp,
        )

    @property
    def payout_provider(self) -> PayoutProvider:
        """The manual provider writing reports to S3 (deployed) or a local directory."""

        def build() -> PayoutProvider:
            from functions.services.payout_reports import DirectoryReportStore, S3ReportStore
            from functions.services.payouts import ManualPayoutProvider

            config = self.settings.payout
            reports = (
                S3ReportStore(config.payout_bucket, self.client("s3"))
                if config.payout_bucket
                else DirectoryReportStore(config.payout_dir)
            )
            return ManualPayoutProvider(self.ledger, reports)

        return self.memo("payouts", build)

    # -- proof of liabilities -------------------------------------------------------------
    @property
    def record_publisher(self) -> RecordPublisher:
        """Where daily records go: the Object Lock bucket (deployed) or a local folder."""

        return self.memo(
            "record_publisher",
            lambda: record_publisher(self.settings.proof, lambda: self.client("s3")),
        )

    @property
    def proofs(self) -> ProofService:
        """Builds, stores and publishes the daily proof; serves members their proofs."""

        def build() -> ProofService:
            from functions.services.ledger import wall_clock_us
            from functions.services.proofs import ProofService

            return ProofService(
                self.stores.ledger,
                self.stores.proofs,
                self.plan,
                self.keyring,
                self.record_publisher,
                declared_cash=self.settings.proof.declared_cents,
                clock=self._clock or wall_clock_us,
            )

        return self.memo("proofs", build)

    def after_settlement(self, outcome: dict[str, Any]) -> dict[str, Any]:
        """The step after a finished run: publish its day's proof (never raises; a failure
        is counted as ``ProofsFailed``, which raises an alarm)."""
        from functions.services.proofs import publish_after_settlement

        done = publish_after_settlement(lambda: self.proofs, outcome)
        failed = done["status"] == "failed"
        self.metrics.add_metric("ProofsFailed" if failed else "ProofsPublished", "Count", 1)
        return done

    # -- AWS clients and secrets --------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in the configured region, created once."""

        def build() -> Any:
            import boto3  # type: ignore[import-untyped,unused-ignore]

            return boto3.client(service, region_name=self.settings.store.region)

        return self.memo(f"client:{service}", build)

    def secret(self, parameter_name: str) -> str:
        """A SecureString parameter's value, decrypted, cached for :data:`SECRET_MAX_AGE_S`."""

        def build() -> Any:
            from aws_lambda_powertools.utilities.parameters import SSMProvider

            return SSMProvider(boto3_client=self.client("ssm"))

        value = self.memo("ssm", build).get(parameter_name, decrypt=True, max_age=SECRET_MAX_AGE_S)
        if not isinstance(value, str) or not value:
            raise ValueError(f"SSM parameter {parameter_name} is empty or not text")
        return value

    def secret_or(self, direct: SecretStr | None, parameter: str | None) -> str | None:
        """The SSM parameter's value when one is named, else the directly given secret."""
        if parameter:
            return self.secret(parameter)
        return direct.get_secret_value() if direct is not None else None

    def bot_settings(self) -> BotSettings:
        """The bot's settings with its token and payment provider token read (SSM if named)."""
        from pydantic import SecretStr

        bot = self.settings.bot
        token = self.secret_or(bot.bot_token, bot.bot_token_param)
        provider = self.secret_or(bot.payment_provider_token, bot.payment_provider_token_param)
        return bot.model_copy(
            update={
                "bot_token": SecretStr(token) if token else None,
                "payment_provider_token": SecretStr(provider) if provider else None,
            }
        )


def _powertools_metrics() -> MetricsSink:
    from functions.observability import metrics

    return metrics


_container: Runtime | None = None
_container_lock = threading.Lock()


def container_runtime() -> Runtime:
    """This Lambda container's runtime: built from the environment on first use, then kept.

    Only the handlers' AWS entry points call this; a bad variable fails the first
    invocation loudly, naming the variable.
    """
    global _container
    with _container_lock:
        if _container is None:
            _container = Runtime.from_environment()
        return _container
