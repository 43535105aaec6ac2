"""The bot opens the Mini App when the web side is deployed: a ``web_app`` button under
/balance and the chat's menu button (set with the command menus). Without a web URL the
bot shows neither. The fake Bot API refuses a ``web_app`` button that is not https."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from bot.application import build_application, publish_commands
from functions.config import BotSettings
from functions.services.ledger import Ledger
from functions.store.storage import Storage, memory_storage
from tests.support.botapi_server import BotApiServer

from .conftest import ALICE, DIVIDEND, PHONES
from .harness import RunningBot, bot_settings

WEB = "https://jifen.example.com"


def settings_with(server: BotApiServer, web_app_url: str | None) -> BotSettings:
    values = {**bot_settings(server).model_dump(), "web_app_url": web_app_url}
    return BotSettings.model_validate(values)  # validated: the URL as the bot reads it


@pytest.fixture
def storage() -> Storage:
    return memory_storage()


def running(server: BotApiServer, storage: Storage, web_app_url: str | None) -> RunningBot:
    ledger = Ledger(storage.ledger, DIVIDEND)
    return RunningBot(server, ledger, storage.bot, settings_with(server, web_app_url)).start()


@pytest.fixture
def bots() -> Iterator[list[RunningBot]]:
    started: list[RunningBot] = []
    yield started
    for bot in started:
        bot.stop()
    for bot in started:
        assert bot.errors == []


def test_balance_offers_the_mini_app_when_the_web_is_deployed(
    server: BotApiServer, storage: Storage, bots: list[RunningBot]
) -> None:
    # Given the bot with the web's URL configured, and Alice registered
    bot = running(server, storage, WEB + "/")
    bots.append(bot)
    bot.register(ALICE, PHONES[ALICE.id])
    # When she asks /balance
    sent = bot.command(ALICE, "/balance").of("sendMessage")
    # Then the screen carries one button opening the Mini App's balance, in her language
    [message] = sent
    markup = message.params["reply_markup"]
    assert markup == {
        "inline_keyboard": [[{"text": "Open the app", "web_app": {"url": f"{WEB}/app"}}]]
    }


def test_without_a_web_url_balance_has_no_button_and_the_menu_is_left_alone(
    server: BotApiServer, storage: Storage, bots: list[RunningBot]
) -> None:
    # Given the bot without a web URL
    bot = running(server, storage, None)
    bots.append(bot)
    bot.register(ALICE, PHONES[ALICE.id])
    # When Alice asks /balance, and the command menus are published
    [message] = bot.command(ALICE, "/balance").of("sendMessage")
    application = build_application(
        Ledger(storage.ledger, DIVIDEND), settings_with(server, None), bot_store=storage.bot
    )

    async def publish() -> None:
        async with application:
            await publish_commands(application)

    asyncio.run(publish())
    # Then there is no button and no menu button is set
    assert "reply_markup" not in message.params
    assert server.requests("setChatMenuButton") == []


def test_the_menu_button_opens_the_mini_app(server: BotApiServer, storage: Storage) -> None:
    # Given the bot with the web's URL
    application = build_application(
        Ledger(storage.ledger, DIVIDEND), settings_with(server, WEB), bot_store=storage.bot
    )

    # When the command menus are published (by `jifen bot` or at deploy)
    async def publish() -> None:
        async with application:
            await publish_commands(application)

    asyncio.run(publish())
    # Then the default menu button of every chat opens the Mini App
    [call] = server.requests("setChatMenuButton")
    assert call.params["menu_button"] == {
        "type": "web_app",
        "text": "打开积分小程序",
        "web_app": {"url": f"{WEB}/app"},
    }
    assert "chat_id" not in call.params


@pytest.mark.parametrize("url", ["http://jifen.example.com", "jifen.example.com", "https://"])
def test_only_an_https_web_url_is_accepted(url: str) -> None:
    # Given a web URL Telegram would not open
    # When the bot's settings are read with it
    # Then they are refused, naming the rule
    with pytest.raises(ValidationError, match="https"):
        BotSettings(web_app_url=url)
    assert BotSettings(web_app_url="").web_app_url is None
