"""Environment as validated settings: every setting of every function, in one module.

Each group is a pydantic settings class read from ``JIFEN_*`` variables; the
Lambda handlers' ``SETTINGS`` tables name the groups each entry point reads
(``tests/unit/test_template.py`` checks that template.yaml sets their
variables). :class:`Settings` holds one of each: :meth:`Settings.from_environment`
is what a Lambda container validates at cold start, :meth:`Settings.of` builds
them from explicit values alone (tests, ``jifen dev``, the demo), so nothing
has to write ``os.environ`` to wire a runtime.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, JsonValue, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The package root: the repository locally, the function's code directory in Lambda."""

LOCAL_ONLY: dict[str, JsonValue] = {"local_only": True}
"""Marks a setting that only local runs use; the template need not set it."""

_ENV = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

_EXPLICIT: ContextVar[bool] = ContextVar("jifen_explicit_settings", default=False)
"""Set while :func:`explicit` builds settings: the environment is then not a source."""


class JifenSettings(BaseSettings):
    """A settings group: read from the environment, or (:func:`explicit`) from values alone."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _EXPLICIT.get():
            return (init_settings,)
        return (init_settings, env_settings, dotenv_settings, file_secret_settings)


class StoreSettings(JifenSettings):
    """Where the ledger lives. No endpoint and no ``JIFEN_USE_AWS``: the embedded one."""

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    table_name: str = Field(default="jifen-dev", min_length=3, max_length=255)
    dynamodb_endpoint: str | None = None
    use_aws: bool = False
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    create_table: bool = True
    """Create the table from template.yaml when missing (local use; off in AWS)."""


class ChainKeySettings(JifenSettings):
    """The journal chain's keyring (``functions/store/keyring.py``), never in the table.

    In AWS a SecureString in SSM named by ``JIFEN_CHAIN_KEY_PARAM`` holds the keyring
    JSON ``{"current": id, "keys": {id: hex}}``; every function that writes the journal
    reads it. Locally the keyring is a file (``JIFEN_CHAIN_KEY_FILE``, default
    ``var/chain-keys.json``), created with a fresh key on first use.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    chain_key_param: str | None = None
    chain_key_file: Path | None = Field(default=None, json_schema_extra={"local_only": True})


class PlanSettings(JifenSettings):
    """The plan: the file that seeds version 1 (``PlanName``), and how long versions are cached.

    Once the table holds versions they are the plan (docs/operations.md, "Change a plan");
    a container re-reads them after ``JIFEN_PLAN_CACHE_S`` seconds, and sooner for a
    business date after the day it read them.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    plan_path: Path = REPO_ROOT / "infra" / "plans" / "dividend.yaml"
    plan_cache_s: float = Field(default=60.0, ge=0, le=3600, json_schema_extra=LOCAL_ONLY)
    """Marked local_only: the default suits deployments too, so the template need not set it."""


class MerchantApiSettings(JifenSettings):
    """The merchant order API: who may call it and how fresh a signed request must be.

    In AWS the merchants' keys and rebate ratios are a JSON SecureString in SSM
    named by ``JIFEN_MERCHANT_KEYS_PARAM``; local runs put the same JSON in
    ``JIFEN_MERCHANT_KEYS`` directly. The JSON is
    ``{"<merchant>": {"key": "<shared secret>", "rebate": "0.05"}}``.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    merchant_keys_param: str | None = None
    merchant_keys: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    signature_tolerance_s: int = Field(default=300, ge=1, le=3600)
    """A signed request older (or further in the future) than this is refused as a replay."""


def _comma_separated(value: object) -> object:
    """``"1, 2,3"`` → ``["1", "2", "3"]``: lists in one environment variable, no JSON."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class NotificationSettings(JifenSettings):
    """The Telegram sender: bot token, API base URL and Telegram's rate limits.

    In AWS the bot token is a SecureString in SSM named by
    ``JIFEN_BOT_TOKEN_PARAM``; local runs set ``JIFEN_BOT_TOKEN``.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    bot_token_param: str | None = None
    bot_token: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    telegram_api_url: str = "https://api.telegram.org"
    notify_messages_per_s: int = Field(default=25, ge=1, le=30)
    """Overall sending rate (Telegram allows about 30 messages per second per bot)."""
    notify_chat_messages_per_s: int = Field(default=1, ge=1, le=1)
    """Per chat: Telegram allows about one message per second to the same chat."""
    notify_default_language: Literal["zh", "en"] = "zh"
    notify_operator_ids: Annotated[frozenset[int], NoDecode, BeforeValidator(_comma_separated)] = (
        frozenset()
    )
    """Operators' Telegram user ids: told of failed or blocked settlement runs."""
    web_app_url: str | None = Field(default=None, max_length=300)
    """The web side's base URL: weekly digests link to the Mini App's history (issue 16)."""


class BotSettings(JifenSettings):
    """The Telegram bot: Bot API location, secrets, operators and the shop's fixed packages.

    In AWS the three secrets are SecureStrings in SSM named by the ``*_PARAM``
    variables (read through Powertools with caching); local runs set
    ``JIFEN_BOT_TOKEN``, ``JIFEN_WEBHOOK_SECRET`` and
    ``JIFEN_PAYMENT_PROVIDER_TOKEN`` directly. ``JIFEN_ADMIN_IDS`` lists the
    operators' Telegram user ids, comma-separated.
    """

    model_config = SettingsConfigDict(env_prefix="JIFEN_", extra="ignore")

    bot_token_param: str | None = None
    bot_token: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    webhook_secret_param: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, json_schema_extra={"local_only": True})
    payment_provider_token_param: str | None = None
    payment_provider_token: SecretStr | None = Field(
        default=None, json_schema_extra={"local_only": True}
    )
    admin_ids: Annotated[frozenset[int], NoDecode, BeforeValidator(_comma_separated)] = frozenset()
    telegram_api_url: str = "https://api.telegram.org"
    support_contact: str | None = Field(default=None, max_length=200)
    """Where members get help (an @username, a phone, a URL): shown by /help and /rules."""
    web_app_url: str | None = Field(default=None, max_length=300)
    """The web side's public base URL (the HTTP API's, ``https://``). When set, /balance
    offers a button opening the Mini App and the chat's menu button opens it; unset (or
    empty), the bot shows neither. Telegram opens only https Mini Apps, so nothing else is
    accepted."""
    shop_packages: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)] = Field(
        default=("100", "500", "1000"), json_schema_extra={"local_only": True}
    )
    """Package prices (yuan) offered when the plan grants a flat ratio instead of tiers.

    Marked local_only: the default suits deployments too, so the template need not set it."""
    time_zone: str = Field(default="Asia/Shanghai", json_schema_extra={"local_only": True})
    """Dates on history and balance screens (the business day's zone, as settlement uses)."""
    telegram_trust_env: bool = Field(default=True, json_schema_extra={"local_only": True})
    """Honour HTTP(S)_PROXY for Bot API calls (tests on loopback turn it off)."""

    @field_validator("web_app_url")
    @classmethod
    def _https_base(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not url.startswith("https://") or len(url) <= len("https://"):
            raise ValueError("the web app URL must be an https:// URL (Telegram opens no other)")
        return url


class ScheduleSettings(JifenSettings):
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


class NotifySettings(JifenSettings):
    """Where settlement notifications go (unset locally: they are counted and dropped)."""

    model_config = _ENV

    notify_queue_url: str | None = None


class NotificationPolicySettings(JifenSettings):
    """Which settlement statements are sent (issue 16): at most ``notify_daily_budget``
    messages per date, and a release told the same day from this share of locked points.

    Deployment parameters, not plan fields: they follow Telegram's cap and the sender's
    rate, not the plan's economics (docs/operations.md, "Notifications")."""

    model_config = _ENV

    notify_daily_budget: int = Field(default=1_440_000, ge=0, le=100_000_000)
    """Settlement messages enqueued per date at most (20/s for 20 h by default)."""
    notify_release_threshold_bp: int = Field(default=5_000, ge=1, le=10_000)
    """A release of at least this share (basis points) of locked points is sent that day."""


def _blank_is_none(value: object) -> object:
    """A template parameter left empty arrives as ``""``: not set."""
    return None if isinstance(value, str) and not value.strip() else value


class FanoutSettings(JifenSettings):
    """When the scheduled settlement applies pages itself and how it fans out otherwise."""

    model_config = _ENV

    settlement_state_machine_arn: str | None = None
    settlement_inline_pages: int = Field(default=20, ge=0)
    settlement_pages_per_batch: int = Field(default=10, ge=1, le=1000)
    settlement_shard_count: int = Field(default=16, ge=1, le=10_000)
    settlement_apply_threads: int = Field(default=1, ge=1, le=64)
    """Members of a page applied at once (issue 16): the apply step waits on DynamoDB,
    not the CPU, so threads cut its Lambda time (docs/operations.md, "Capacity")."""
    settlement_load_processes: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, ge=1, le=32
    )
    """Worker processes reading the members for the compute step (issue 16): decoding is
    CPU work the GIL serialises. None: one per vCPU the function's memory buys (a Lambda
    at 10,240 MB has six), one outside Lambda."""


class PayoutSettings(JifenSettings):
    """Where payout reports go: the S3 bucket in AWS, a local directory otherwise."""

    model_config = _ENV

    payout_bucket: str | None = None
    payout_dir: Path = Field(default=REPO_ROOT / "var" / "payouts", json_schema_extra=LOCAL_ONLY)


class ProofSettings(JifenSettings):
    """Proof of liabilities: where daily records are published, what reserve is declared.

    In AWS records go to the Object Lock bucket ``JIFEN_PROOF_BUCKET``; locally to a
    folder (``var/proofs``). ``JIFEN_PROOF_DECLARED_CASH`` is the cash (yuan, decimal
    text) the operator declares in its reserve account: in fixed valuation the record
    sets the liabilities against it; unset, the record claims no ratio.
    """

    model_config = _ENV

    proof_bucket: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    proof_dir: Path = Field(default=REPO_ROOT / "var" / "proofs", json_schema_extra=LOCAL_ONLY)
    proof_declared_cash: Annotated[str | None, BeforeValidator(_blank_is_none)] = None

    @field_validator("proof_declared_cash")
    @classmethod
    def _an_amount(cls, value: str | None) -> str | None:
        if value is not None:
            from functions.rewards.money import AmountError, parse_cents

            try:
                parse_cents(value)
            except AmountError as exc:
                raise ValueError(f"declared cash: {exc}") from None
        return value

    @property
    def declared_cents(self) -> int | None:
        from functions.rewards.money import parse_cents

        return None if self.proof_declared_cash is None else parse_cents(self.proof_declared_cash)


class WebSettings(JifenSettings):
    """The web side (Mini App, operators' console, public board): sessions and sign-in.

    Sessions are signed with a key kept as a SecureString in SSM named by
    ``JIFEN_WEB_SESSION_KEY_PARAM`` (at least 32 characters; rotating it signs everyone
    out); local runs set ``JIFEN_WEB_SESSION_KEY``. Sign-in is checked with the bot's
    token (:class:`BotSettings`), and only ``JIFEN_ADMIN_IDS`` may open the console.
    """

    model_config = _ENV

    bot_token_param: str | None = None
    """The bot's token checks Telegram's signatures (the same SSM parameter as the bot's)."""
    bot_token: SecretStr | None = Field(default=None, json_schema_extra=LOCAL_ONLY)
    payment_provider_token_param: str | None = None
    """Invoices opened from the Mini App are the bot's Payments (same provider token)."""
    payment_provider_token: SecretStr | None = Field(default=None, json_schema_extra=LOCAL_ONLY)
    admin_ids: Annotated[frozenset[int], NoDecode, BeforeValidator(_comma_separated)] = frozenset()
    """The operators' Telegram ids (``JIFEN_ADMIN_IDS``, as the bot's): only they get in."""
    telegram_api_url: str = "https://api.telegram.org"
    web_session_key_param: str | None = None
    web_session_key: SecretStr | None = Field(default=None, json_schema_extra=LOCAL_ONLY)
    web_bot_username: str = ""
    """The bot's @username without the @, for the Telegram Login Widget ("" hides it)."""
    web_init_data_max_age_s: int = Field(default=3600, ge=60, le=86_400)
    """How old a Mini App's signed ``initData`` may be when it opens a session."""
    web_login_max_age_s: int = Field(default=600, ge=60, le=86_400)
    """How old a Login Widget answer may be when it opens a console session."""
    web_session_ttl_s: int = Field(default=8 * 3600, ge=300, le=7 * 86_400)
    """How long a session lasts before signing in again."""
    web_settlement_function: str | None = None
    """The settlement function the console invokes to finish a run (asynchronously, as an
    operator would by hand); unset locally, where the console settles in process."""
    web_secure_cookies: bool = Field(default=True, json_schema_extra=LOCAL_ONLY)
    """Mark cookies Secure (a plain-HTTP local server turns it off; deployed: always on)."""


G = TypeVar("G", bound=JifenSettings)


def explicit(kind: type[G], values: Mapping[str, Any] | None = None) -> G:
    """``kind`` validated from ``values`` (by field name) and its defaults alone.

    The environment (and any ``.env`` or secrets directory) is not read, so tests,
    ``jifen dev`` and the demo run on exactly what they say.
    """
    given = dict(values or {})
    for name, field in kind.model_fields.items():
        if isinstance(field.validation_alias, str) and name in given:
            given[field.validation_alias] = given.pop(name)
    token = _EXPLICIT.set(True)
    try:
        return kind(**given)
    finally:
        _EXPLICIT.reset(token)


@dataclass(frozen=True, slots=True)
class Settings:
    """One of each settings group: everything a runtime may be built from."""

    store: StoreSettings
    chain_key: ChainKeySettings
    plan: PlanSettings
    schedule: ScheduleSettings
    notify: NotifySettings
    notify_policy: NotificationPolicySettings
    fanout: FanoutSettings
    payout: PayoutSettings
    merchant_api: MerchantApiSettings
    notification: NotificationSettings
    bot: BotSettings
    proof: ProofSettings
    web: WebSettings

    @classmethod
    def from_environment(cls) -> Self:
        """Every group read and validated from the environment (a Lambda cold start).

        A bad variable raises pydantic's ValidationError naming the field.
        """
        return cls(**{field.name: field.type_class() for field in _GROUPS})  # type: ignore[arg-type]

    @classmethod
    def of(cls, **groups: Mapping[str, Any] | JifenSettings) -> Self:
        """Groups from explicit values (field names, not variables) over the defaults.

        ``Settings.of(store={"table_name": "t", "dynamodb_endpoint": url})``: the
        environment is never read, so tests, ``jifen dev`` and the demo say exactly
        what they run on. A group may also be given as a settings instance.
        """
        unknown = set(groups) - {field.name for field in _GROUPS}
        if unknown:
            raise TypeError(f"unknown settings groups: {sorted(unknown)}")
        built: dict[str, JifenSettings] = {}
        for field in _GROUPS:
            given = groups.get(field.name)
            built[field.name] = (
                given if isinstance(given, JifenSettings) else explicit(field.type_class, given)
            )
        return cls(**built)  # type: ignore[arg-type]

    def replace(self, **groups: Mapping[str, Any] | JifenSettings) -> Self:
        """A copy with some groups changed: a mapping updates the group's fields (validated)."""
        changed: dict[str, JifenSettings] = {}
        for name, given in groups.items():
            if isinstance(given, JifenSettings):
                changed[name] = given
            else:
                current: JifenSettings = getattr(self, name)
                merged = {**current.model_dump(), **given}
                changed[name] = explicit(type(current), merged)
        return dataclasses.replace(self, **changed)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _Group:
    name: str
    type_class: type[JifenSettings]


_GROUPS = (
    _Group("store", StoreSettings),
    _Group("chain_key", ChainKeySettings),
    _Group("plan", PlanSettings),
    _Group("schedule", ScheduleSettings),
    _Group("notify", NotifySettings),
    _Group("notify_policy", NotificationPolicySettings),
    _Group("fanout", FanoutSettings),
    _Group("payout", PayoutSettings),
    _Group("merchant_api", MerchantApiSettings),
    _Group("notification", NotificationSettings),
    _Group("bot", BotSettings),
    _Group("proof", ProofSettings),
    _Group("web", WebSettings),
)
