"""The bot as a python-telegram-bot Application: handlers wired to the services.

:func:`build_application` is shared by both ways the bot runs: the Lambda
webhook (no updater; ``process_update`` per request) and ``jifen bot`` (long
polling). Handlers are added in one group, first match wins, in this order:
conversations and member commands, payments, operator commands, then the
fallbacks that answer anything else.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, BaseHandler
from telegram.request import HTTPXRequest

from bot.context import SERVICES_KEY, BotServices, Context
from bot.handlers import (
    admin,
    balance,
    fallback,
    history,
    invite,
    language,
    plans,
    proof,
    shop,
    start,
    team,
    transfer,
    withdraw,
)
from bot.texts import LANGUAGES, t
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
    "transfer",
    "language",
    "proof",
    "help",
)
"""The commands shown in Telegram's menu (descriptions come from the catalogs)."""


def all_handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Every handler in match order (fallbacks last)."""
    return [
        *withdraw.handlers(),
        *start.handlers(),
        *invite.handlers(),
        *balance.handlers(),
        *history.handlers(),
        *team.handlers(),
        *shop.handlers(),
        *transfer.handlers(),
        *language.handlers(),
        *proof.handlers(),
        *admin.handlers(),
        *plans.handlers(),
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
    )
    if proofs is not None:
        application.bot_data[proof.PROOFS_KEY] = proofs
    application.add_handlers(all_handlers())
    application.add_error_handler(fallback.on_error)
    return application


async def publish_commands(application: JifenApplication) -> None:
    """Set the command menu in each language (done once by ``jifen bot``, or at deploy)."""
    for code in LANGUAGES:
        commands = [BotCommand(name, t(code, f"command.{name}")) for name in MEMBER_COMMANDS]
        await application.bot.set_my_commands(commands, language_code=code)
    default = [BotCommand(name, t("zh", f"command.{name}")) for name in MEMBER_COMMANDS]
    await application.bot.set_my_commands(default)
