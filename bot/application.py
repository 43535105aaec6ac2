"""The bot as a python-telegram-bot Application: handlers wired to the services.

:func:`build_application` is shared by both ways the bot runs: the Lambda
webhook (no updater; ``process_update`` per request) and ``jifen bot`` (long
polling). Handlers are added in one group, first match wins, in this order: member
commands and the menu keyboard's labels, payments, operator commands, the
answers to the bot's own questions (:mod:`bot.replies`), then the fallbacks
that answer anything else.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommand, BotCommandScopeChat, MenuButtonWebApp, Update, WebAppInfo
from telegram.ext import Application, ApplicationBuilder, BaseHandler
from telegram.request import HTTPXRequest

from bot import replies
from bot.context import SERVICES_KEY, BotServices, Context
from bot.handlers import (
    admin,
    balance,
    fallback,
    gifts,  # economics (issue 12)
    history,
    invite,
    language,
    menu,
    plans,
    programs,
    proof,
    refunds,  # economics (issue 12)
    rules,
    shop,
    start,
    team,
    transfer,
    withdraw,
)
from bot.texts import COMMAND_MENU_LANGUAGES, DEFAULT_LANGUAGE, t
from functions.config import BotSettings
from functions.services.ledger import Ledger
from functions.services.members import Members
from functions.services.proofs import ProofService
from functions.store.ports import BotPort

JifenApplication = Application[Any, Context, Any, Any, Any, Any]
MEMBER_COMMANDS = (
    "balance",
    "history",
    "team",
    "invite",
    "shop",
    "withdraw",
    "withdrawals",
    "payout",
    "transfer",
    "rules",
    "language",
    "proof",
    "help",
    "programs",  # issue 13
    "gift",  # issue 12
)
"""The commands shown in Telegram's menu (descriptions come from the catalogs)."""
OPERATOR_COMMANDS = (
    "queue",
    "lookup",
    "adjust",
    "freeze",
    "unfreeze",
    *("list_item", "redemptions", "promote"),  # issue 13
    "refund",  # issue 12
    "region",  # issue 12
)
"""Added to the menu in operators' own chats only (per-chat command scope)."""


def all_handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Every handler in match order (fallbacks last)."""
    return [
        *start.handlers(),
        *menu.handlers(),
        *withdraw.handlers(),
        *invite.handlers(),
        *balance.handlers(),
        *history.handlers(),
        *team.handlers(),
        *shop.handlers(),
        *transfer.handlers(),
        *gifts.handlers(),  # economics (issue 12)
        *rules.handlers(),
        *language.handlers(),
        *proof.handlers(),
        *admin.handlers(),
        *refunds.handlers(),  # economics (issue 12)
        *plans.handlers(),
        *programs.handlers(),  # issue 13: lottery, staking, catalog
        *replies.handlers(),
        *fallback.handlers(),
    ]


def build_application(
    ledger: Ledger,
    settings: BotSettings,
    *,
    bot_store: BotPort,
    polling: bool = False,
    proofs: ProofService | None = None,
) -> JifenApplication:
    """The Application for ``ledger``; ``settings.bot_token`` must be resolved already.

    ``bot_store`` comes from the composition root (:class:`functions.runtime.Runtime`),
    which builds every store of the table.

    Without ``polling`` there is no updater: the caller feeds updates to
    ``process_update`` (the webhook) after ``initialize()``. ``proofs`` serves ``/proof``.
    """
    if settings.bot_token is None:
        raise ValueError("the bot token is not set (JIFEN_BOT_TOKEN or JIFEN_BOT_TOKEN_PARAM)")
    api = settings.telegram_api_url.rstrip("/")
    httpx_kwargs = {"trust_env": settings.telegram_trust_env}
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .request(HTTPXRequest(connection_pool_size=8, httpx_kwargs=httpx_kwargs))
        .job_queue(None)
    )
    if polling:
        builder = builder.get_updates_request(HTTPXRequest(httpx_kwargs=httpx_kwargs))
    else:
        builder = builder.updater(None)
    application: JifenApplication = builder.build()
    provider = settings.payment_provider_token
    application.bot_data[SERVICES_KEY] = BotServices(
        members=Members(ledger, bot_store, settings.shop_packages),
        admin_ids=settings.admin_ids,
        provider_token=provider.get_secret_value() if provider else None,
        zone=ZoneInfo(settings.time_zone),
        offload=polling,
        support=settings.support_contact or None,
        web_app_url=settings.web_app_url,
    )
    if proofs is not None:
        application.bot_data[proof.PROOFS_KEY] = proofs
    application.add_handlers(all_handlers())
    application.add_error_handler(fallback.on_error)
    return application


def commands(language: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, t(language, f"command.{name}")) for name in names]


async def publish_commands(
    application: JifenApplication, operators: frozenset[int] = frozenset()
) -> None:
    """Set the command menu in each language (done once by ``jifen bot``, or at deploy).

    Members see their commands; each operator's own chat (``BotCommandScopeChat``) also
    lists the admin commands, so nobody else ever sees them offered. With a web URL the
    chat's menu button opens the Mini App (one button for every chat: its label is in the
    default language, the app itself follows each member's).
    """
    bot = application.bot
    web_app_url = application.bot_data[SERVICES_KEY].web_app_url
    if web_app_url is not None:
        label = t(DEFAULT_LANGUAGE, "webapp.open")
        button = MenuButtonWebApp(label, WebAppInfo(f"{web_app_url}/app"))
        await bot.set_chat_menu_button(menu_button=button)
    for code in COMMAND_MENU_LANGUAGES:
        await bot.set_my_commands(commands(code, MEMBER_COMMANDS), language_code=code)
    await bot.set_my_commands(commands("zh", MEMBER_COMMANDS))
    everything = MEMBER_COMMANDS + OPERATOR_COMMANDS
    for operator in sorted(operators):
        scope = BotCommandScopeChat(operator)
        for code in COMMAND_MENU_LANGUAGES:
            await bot.set_my_commands(commands(code, everything), scope=scope, language_code=code)
        await bot.set_my_commands(commands("zh", everything), scope=scope)
