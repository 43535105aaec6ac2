"""Wiring: settings → endpoint → table → store → ledger. The only place that decides."""

from __future__ import annotations

from collections.abc import Callable

from functions.config import ChainKeySettings, PlanSettings, StoreSettings
from functions.rewards.plan import Plan, load_plan_text
from functions.store.keyring import Keyring, default_keyring, ssm_fetcher
from functions.store.ledger_store import LedgerStore
from functions.store.storage import Storage, dynamodb_storage

from .ledger import Ledger, wall_clock_us


def chain_keyring(
    config: ChainKeySettings, endpoint: str | None, region: str, *, create_local: bool = True
) -> Keyring:
    """SSM when a parameter is named; else the local key file (made on first use unless
    ``create_local`` is False), or none at all for AWS."""
    if config.chain_key_param:
        return Keyring.ssm(config.chain_key_param, ssm_fetcher(region))
    if endpoint is None:
        return default_keyring(None)  # refuses to MAC: AWS without JIFEN_CHAIN_KEY_PARAM
    return Keyring.local_file(config.chain_key_file, create=create_local)


def open_store(
    settings: StoreSettings | None = None, keyring: Keyring | None = None
) -> LedgerStore:
    """The ledger store of :func:`open_storage`."""
    return open_storage(settings, keyring).ledger


def open_storage(settings: StoreSettings | None = None, keyring: Keyring | None = None) -> Storage:
    """Connect to the configured endpoint (starting the embedded one if none is set);
    the chain keyring comes from :class:`ChainKeySettings` unless given."""
    from functions.store.dynamodb_table import dynamodb_client
    from functions.store.local_endpoint import embedded_endpoint, use_local_credentials

    settings = settings or StoreSettings()
    endpoint: str | None
    if settings.dynamodb_endpoint:
        endpoint = settings.dynamodb_endpoint
    elif settings.use_aws:
        endpoint = None
    else:
        endpoint = embedded_endpoint()
    if endpoint is not None:
        use_local_credentials()  # fills dummy credentials only where none are set
    if settings.create_table and endpoint is not None:
        from functions.store.table_definition import ensure_table

        ensure_table(dynamodb_client(endpoint, region_name=settings.region), settings.table_name)
    if keyring is None:
        keyring = chain_keyring(ChainKeySettings(), endpoint, settings.region)
    return dynamodb_storage(
        settings.table_name, endpoint=endpoint, region=settings.region, keyring=keyring
    )


def load_configured_plan(settings: PlanSettings | None = None) -> Plan:
    settings = settings or PlanSettings()
    return load_plan_text(settings.plan_path.read_text(encoding="utf-8"))


def open_ledger(
    plan: Plan | None = None,
    store: LedgerStore | None = None,
    clock: Callable[[], int] = wall_clock_us,
) -> Ledger:
    return Ledger(store or open_store(), plan or load_configured_plan(), clock=clock)
