"""Fixtures of the bot's end-to-end tests: a fake Bot API, a fresh table, the running bot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from functions.config import REPO_ROOT
from functions.rewards.plan import Plan, load_plan_text
from functions.services.ledger import Ledger
from functions.services.proofs import ProofService
from functions.store.bot_store import PayoutAccount
from functions.store.keyring import default_keyring
from functions.store.ledger_store import LedgerStore
from functions.store.records import MemberRecord
from functions.store.storage import Storage, dynamodb_storage
from tests.support.botapi_server import BotApiServer, User

from .harness import RunningBot, bot_settings

DIVIDEND = load_plan_text((REPO_ROOT / "infra" / "plans" / "dividend.yaml").read_text())
"""Tiers 3000/9000/27000/51000 (the shop's packages), daily release, fee 5%, minimum 100."""
VALUE = load_plan_text((REPO_ROOT / "infra" / "plans" / "value.yaml").read_text())
"""Flat 0.30 ratio (configured packages), reserve valuation, points pay up to half."""

ALICE = User(id=710_000_001, first_name="Alice", last_name="Wong", language_code="en")
BOB = User(id=710_000_002, first_name="鲍勃", language_code="zh-hans")
CAROL = User(id=710_000_003, first_name="Carol", language_code="en")
OPERATOR = User(id=790_000_001, first_name="Ops", language_code="en")
PHONES = {ALICE.id: "+8613800000001", BOB.id: "8613800000002", CAROL.id: "+85251234567"}

MakeBot = Callable[..., RunningBot]


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as srv:
        yield srv


@pytest.fixture
def storage(dynamodb_table: tuple[Any, str], dynamodb_endpoint: str) -> Storage:
    return dynamodb_storage(
        dynamodb_table[1], endpoint=dynamodb_endpoint, keyring=default_keyring(dynamodb_endpoint)
    )


@pytest.fixture
def store(storage: Storage) -> LedgerStore:
    return storage.ledger


@pytest.fixture
def make_bot(server: BotApiServer, storage: Storage) -> Iterator[MakeBot]:
    """Start the bot on ``plan``; at the end it stops and must not have logged handler errors."""
    bots: list[RunningBot] = []

    def make(
        plan: Plan = DIVIDEND,
        admins: frozenset[int] = frozenset({OPERATOR.id}),
        provider_token: str | None = "test-provider-token",
        proofs: ProofService | None = None,
        support: str | None = None,
    ) -> RunningBot:
        settings = bot_settings(
            server, admin_ids=admins, provider_token=provider_token, support_contact=support
        )
        ledger = Ledger(storage.ledger, plan)
        running = RunningBot(server, ledger, storage.bot, settings, proofs).start()
        bots.append(running)
        return running

    yield make
    for running in bots:
        running.stop()
    for running in bots:
        assert running.errors == [], f"handlers raised: {running.errors!r}"


@pytest.fixture
def bot(make_bot: MakeBot) -> RunningBot:
    return make_bot()


def member_of(user: User) -> str:
    return f"tg{user.id}"


def stored_member(store: LedgerStore, user: User) -> MemberRecord:
    """The user's member item; the test fails here if there is none."""
    record = store.get_member(member_of(user))
    assert record is not None, f"no member item for {member_of(user)}"
    return record


CARD = "6222021234567890"


def give_payout_account(bot: RunningBot, user: User, number: str = CARD) -> None:
    """The user's payout account on file: a bank card in their first name."""
    account = PayoutAccount("bank", user.first_name, number)
    bot.bot_store.save_payout_account(member_of(user), account)
