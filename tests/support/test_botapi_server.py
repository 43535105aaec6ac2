"""Proves the fake Bot API server against the real python-telegram-bot over real HTTP.

Async tests run through ``asyncio.run`` (no pytest-asyncio in the venv) with a hard
``asyncio.wait_for`` deadline so a regression fails fast instead of hanging CI.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
import zlib
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.support.botapi_server import BotApiServer, RecordedCall, User

T = TypeVar("T")
TEST_DEADLINE = 8.0
ALICE = User(id=111_222_333, first_name="Alice", language_code="en", username="alice")
BOB = User(id=444_555_666, first_name="Bob", language_code="zh", username=None)


def run(coro: Coroutine[Any, Any, T], deadline: float = TEST_DEADLINE) -> T:
    """Run an async test body with a hard deadline so nothing can hang."""
    return asyncio.run(asyncio.wait_for(coro, deadline))


def make_png(width: int, height: int) -> bytes:
    """A valid grayscale PNG, so the server can read real dimensions from the upload."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


QR_PNG = make_png(37, 29)


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as srv:
        yield srv


def _request(pool: int = 8) -> HTTPXRequest:
    # trust_env=False: an HTTP(S)_PROXY in the environment must not capture 127.0.0.1.
    return HTTPXRequest(connection_pool_size=pool, httpx_kwargs={"trust_env": False})


def build_bot(server: BotApiServer, token: str | None = None) -> Bot:
    return Bot(
        token or server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=_request(),
        get_updates_request=_request(1),
    )


# --------------------------------------------------------------------------- the demo bot


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the deep-link payload and offer an inline button."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Balance", callback_data="balance")]])
    await update.effective_message.reply_text(
        f"start:{' '.join(context.args or [])}", reply_markup=keyboard
    )


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Accept only the member's own phone number (anti-fraud rule of the real bot)."""
    message = update.effective_message
    assert message is not None
    assert message.contact is not None
    assert update.effective_user is not None
    if message.contact.user_id == update.effective_user.id:
        text = f"verified {message.contact.phone_number}"
    else:
        text = "please share your own number"
    await message.reply_text(text, reply_markup=ReplyKeyboardRemove())


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the spinner, then replace the message text."""
    query = update.callback_query
    assert query is not None
    await query.answer("Balance: 42")
    await query.edit_message_text(f"{query.data}: 42 points")


async def on_qr(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_photo(QR_PNG, caption="Your QR", filename="qr.png")


async def on_buy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_invoice(
        chat_id=update.effective_chat.id,
        title="100 points",
        description="Top up",
        payload="order-7",
        currency="XTR",
        prices=[LabeledPrice("100 points", 50), LabeledPrice("bonus", 25)],
    )


async def on_pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.pre_checkout_query is not None
    await update.pre_checkout_query.answer(ok=True)


async def on_paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.successful_payment is not None
    await message.reply_text(f"paid {message.successful_payment.telegram_payment_charge_id}")


def build_app(
    server: BotApiServer, errors: asyncio.Queue[BaseException]
) -> Application[Any, Any, Any, Any, Any, Any]:
    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .request(_request())
        .get_updates_request(_request(1))
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("qr", on_qr))
    app.add_handler(CommandHandler("buy", on_buy))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, on_paid))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(PreCheckoutQueryHandler(on_pre_checkout))

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.put_nowait(context.error)

    app.add_error_handler(on_error)
    return app


@asynccontextmanager
async def running_app(
    server: BotApiServer,
) -> AsyncIterator[tuple[Application[Any, Any, Any, Any, Any, Any], asyncio.Queue[BaseException]]]:
    """Initialize → start polling → start; always stop updater, then app, then shut down."""
    errors: asyncio.Queue[BaseException] = asyncio.Queue()
    app = build_app(server, errors)
    async with app:  # initialize() (getMe) ... shutdown()
        assert app.updater is not None
        try:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            yield app, errors
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()


def _to_chat(chat_id: int) -> Any:
    return lambda call: call.params.get("chat_id") == chat_id


# --------------------------------------------------------------------------- tests: real PTB


def test_start_command_echoes_payload_with_inline_keyboard(server: BotApiServer) -> None:
    """Given a polling Application, when /start ref_42 arrives, then it replies via HTTP.

    Also pins the bootstrap PTB does against the server (getMe, deleteWebhook).
    """

    async def scenario() -> RecordedCall:
        async with running_app(server):
            server.push_update(server.command(ALICE, "/start", payload="ref_42"))
            [call] = await server.wait_for_async("sendMessage")
            return call

    call = run(scenario())
    assert call.params["chat_id"] == ALICE.id
    assert call.params["text"] == "start:ref_42"
    button = call.params["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "Balance", "callback_data": "balance"}
    assert call.result["from"]["username"] == "jifen_test_bot"
    assert call.result["chat"]["first_name"] == "Alice"
    assert call.result["message_id"] == 2  # /start itself was message 1 in this chat
    assert server.requests("getMe")
    assert server.requests("deleteWebhook")
    assert server.pending_updates() == []  # confirmed by the shutdown getUpdates(offset)


def test_contact_handler_distinguishes_own_and_foreign_numbers(server: BotApiServer) -> None:
    """Given the contact handler, when own then foreign contacts arrive, then replies differ."""

    async def scenario() -> list[RecordedCall]:
        async with running_app(server):
            server.push_update(server.contact_message(ALICE, "+85251234567", own=True))
            server.push_update(server.contact_message(BOB, "+85290000000", own=False))
            return await server.wait_for_async("sendMessage", count=2)

    first, second = run(scenario())
    assert (first.params["chat_id"], first.params["text"]) == (ALICE.id, "verified +85251234567")
    assert (second.params["chat_id"], second.params["text"]) == (
        BOB.id,
        "please share your own number",
    )
    assert first.params["reply_markup"] == {"remove_keyboard": True}
    assert "reply_markup" not in first.result  # only inline keyboards are echoed


def test_inline_keyboard_callback_is_answered_and_message_edited(server: BotApiServer) -> None:
    """Given a message with a button, when the user presses it, then PTB answers and edits."""

    async def scenario() -> tuple[str, RecordedCall, RecordedCall, RecordedCall]:
        async with running_app(server):
            server.push_update(server.command(ALICE, "/start"))
            [sent] = await server.wait_for_async("sendMessage")
            update = server.callback_query(ALICE, "balance", sent.result)
            server.push_update(update)
            [answer] = await server.wait_for_async("answerCallbackQuery")
            [edit] = await server.wait_for_async("editMessageText")
            return update["callback_query"]["id"], sent, answer, edit

    query_id, sent, answer, edit = run(scenario())
    assert answer.params == {"callback_query_id": query_id, "text": "Balance: 42"}
    assert edit.params["message_id"] == sent.result["message_id"]
    assert edit.result["text"] == "balance: 42 points"
    assert "reply_markup" not in edit.result  # edit without markup removes the keyboard
    assert "edit_date" in edit.result


def test_send_photo_uploads_bytes_as_multipart(server: BotApiServer) -> None:
    """Given /qr, when the bot replies with a photo, then the exact PNG bytes are recorded."""

    async def scenario() -> tuple[RecordedCall, bytes]:
        async with running_app(server) as (app, _errors):
            server.push_update(server.command(BOB, "/qr"))
            [call] = await server.wait_for_async("sendPhoto")
            # Round trip through getFile + base_file_url download, as the bot would.
            tg_file = await app.bot.get_file(call.result["photo"][-1]["file_id"])
            return call, bytes(await tg_file.download_as_bytearray())

    call, downloaded = run(scenario())
    upload = call.files["photo"]
    assert (upload.filename, upload.content, upload.content_type) == ("qr.png", QR_PNG, "image/png")
    assert call.params == {"chat_id": BOB.id, "caption": "Your QR"}
    largest = call.result["photo"][-1]
    assert (largest["width"], largest["height"]) == (37, 29)
    assert call.result["caption"] == "Your QR"
    assert downloaded == QR_PNG


# PTB 22 warns that RetryAfter.retry_after becomes a timedelta in v23; not our concern here.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_rate_limit_surfaces_as_retry_after(server: BotApiServer) -> None:
    """Given an injected 429, when the handler replies, then PTB raises RetryAfter once."""

    async def scenario() -> tuple[BaseException, list[RecordedCall]]:
        async with running_app(server) as (_app, errors):
            server.fail_next("sendMessage", error_code=429, retry_after=1)
            server.push_update(server.command(ALICE, "/start", payload="a"))
            error = await asyncio.wait_for(errors.get(), 5)
            server.push_update(server.command(ALICE, "/start", payload="b"))
            calls = await server.wait_for_async("sendMessage", lambda c: c.ok)
            return error, calls

    error, calls = run(scenario())
    assert isinstance(error, RetryAfter)
    assert error.retry_after in (1, timedelta(seconds=1))  # int today, timedelta in PTB 23
    failed = server.requests("sendMessage")[0]
    assert failed.error == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [c.params["text"] for c in calls] == ["start:b"]


def test_payment_flow_invoice_precheckout_and_receipt(server: BotApiServer) -> None:
    """Given /buy, when the user pays, then invoice, pre-checkout answer and receipt happen."""

    async def scenario() -> tuple[RecordedCall, RecordedCall, RecordedCall]:
        async with running_app(server):
            server.push_update(server.command(ALICE, "/buy"))
            [invoice] = await server.wait_for_async("sendInvoice")
            server.push_update(server.pre_checkout_query(ALICE, "order-7", 75, "XTR"))
            [answer] = await server.wait_for_async("answerPreCheckoutQuery")
            server.push_update(server.successful_payment(ALICE, "order-7", 75, "XTR", "ch_1"))
            [receipt] = await server.wait_for_async("sendMessage")
            return invoice, answer, receipt

    invoice, answer, receipt = run(scenario())
    assert invoice.params["prices"] == [
        {"label": "100 points", "amount": 50},
        {"label": "bonus", "amount": 25},
    ]
    assert invoice.params["payload"] == "order-7"
    assert invoice.result["invoice"]["total_amount"] == 75
    assert answer.params["ok"] is True
    assert receipt.params["text"] == "paid ch_1"


# --------------------------------------------------------------------------- tests: Bot only


def test_unknown_token_is_unauthorized(server: BotApiServer) -> None:
    """Given a wrong token, when PTB initializes, then it raises InvalidToken (HTTP 401)."""

    async def scenario() -> None:
        bot = build_bot(server, token="1:wrong")
        try:
            with pytest.raises(InvalidToken, match="rejected"):
                await bot.initialize()
        finally:
            await bot.shutdown()

    run(scenario())
    assert server.requests() == []


def test_commands_round_trip_and_validation(server: BotApiServer) -> None:
    """Given setMyCommands, then getMyCommands returns them per language; bad names fail."""

    async def scenario() -> tuple[list[str], list[str]]:
        async with build_bot(server) as bot:
            await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("qr", "QR")])
            await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
            with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
                await bot.set_my_commands([BotCommand("Bad-Name", "x")])
            default = [c.command for c in await bot.get_my_commands()]
            chinese = [c.description for c in await bot.get_my_commands(language_code="zh")]
            return default, chinese

    assert run(scenario()) == (["start", "qr"], ["开始"])


def test_text_limits_and_not_modified_edits_mirror_telegram(server: BotApiServer) -> None:
    """Given Telegram's validation rules, then PTB sees the same BadRequests as in production."""

    async def scenario() -> None:
        async with build_bot(server) as bot:
            with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                await bot.send_message(ALICE.id, "x" * 4097)
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
            with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
                await bot.send_message(ALICE.id, "hi", reply_markup=markup)
            sent = await bot.send_message(ALICE.id, "same")
            with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
                await bot.edit_message_text("same", chat_id=ALICE.id, message_id=sent.message_id)

    run(scenario())


def test_document_markup_edit_delete_and_chat_action(server: BotApiServer) -> None:
    """Given the remaining modelled methods, then PTB parses every result it gets back."""

    async def scenario() -> None:
        async with build_bot(server) as bot:
            await bot.send_chat_action(ALICE.id, "upload_document")
            doc = await bot.send_document(ALICE.id, b"a,b\n1,2\n", filename="statement.csv")
            assert doc.document is not None
            assert (doc.document.file_name, doc.document.mime_type) == ("statement.csv", "text/csv")
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Redeem", callback_data="r:1")]])
            edited = await bot.edit_message_reply_markup(
                chat_id=ALICE.id, message_id=doc.message_id, reply_markup=markup
            )
            assert not isinstance(edited, bool)
            assert edited.reply_markup == markup
            assert await bot.delete_message(ALICE.id, doc.message_id) is True

    run(scenario())
    [upload] = server.requests("sendDocument")
    assert upload.files["document"].content == b"a,b\n1,2\n"
    assert server.requests("sendChatAction")[0].params == {
        "chat_id": ALICE.id,
        "action": "upload_document",
    }


# --------------------------------------------------------------------------- tests: raw HTTP


def test_raw_http_encodings_and_error_shapes(server: BotApiServer) -> None:
    """Given JSON, urlencoded and query-string calls, then params decode to JSON types."""
    api = f"{server.base_url}{server.token}"
    with httpx.Client(trust_env=False, timeout=5) as client:
        as_json = client.post(f"{api}/sendMessage", json={"chat_id": 5, "text": "a"}).json()
        as_form = client.post(
            f"{api}/sendMessage",
            data={"chat_id": "5", "text": "123", "disable_notification": "true"},
        ).json()
        as_query = client.get(f"{api}/getMe?x=1").json()
        unknown = client.post(f"{api}/setChatMenuButton", json={"chat_id": 5}).json()
        unauthorized = client.post(f"{server.base_url}1:nope/getMe")

    assert as_json["ok"] is True
    assert as_json["result"]["message_id"] == 1
    assert as_form["result"]["message_id"] == 2
    form_call = server.requests("sendMessage")[1]
    assert form_call.params == {"chat_id": 5, "text": "123", "disable_notification": True}
    assert as_query["result"]["username"] == "jifen_test_bot"
    assert unknown == {"ok": True, "result": True}
    assert server.requests("setChatMenuButton")[0].params == {"chat_id": 5}
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_get_updates_long_poll_returns_early_and_offset_confirms(server: BotApiServer) -> None:
    """Given a 5 s long poll, when an update is pushed, then it returns immediately."""
    api = f"{server.base_url}{server.token}"
    threading.Timer(0.1, lambda: server.push_update(server.text_message(ALICE, "hi"))).start()
    with httpx.Client(trust_env=False, timeout=10) as client:
        started = time.monotonic()
        first = client.post(f"{api}/getUpdates", data={"timeout": "5"}).json()["result"]
        elapsed = time.monotonic() - started
        again = client.post(f"{api}/getUpdates", json={"timeout": 0}).json()["result"]
        confirm = client.post(
            f"{api}/getUpdates", json={"offset": first[-1]["update_id"] + 1, "timeout": 0}
        ).json()["result"]

    assert elapsed < 2.0
    assert [u["message"]["text"] for u in first] == ["hi"]
    assert again == first  # not confirmed yet → delivered again
    assert confirm == []
    assert server.pending_updates() == []
    assert server.push_update({"message": first[0]["message"]}) == first[0]["update_id"] + 1


def test_wait_for_times_out_with_recorded_calls_in_message(server: BotApiServer) -> None:
    """Given no matching call, when waiting, then AssertionError lists what was recorded."""
    with httpx.Client(trust_env=False, timeout=5) as client:
        client.post(f"{server.base_url}{server.token}/sendChatAction", json={"chat_id": 1})
    with pytest.raises(AssertionError, match=r"(?s)sendMessage.*sendChatAction"):
        server.wait_for("sendMessage", timeout=0.1)
    server.clear()
    assert server.requests() == []
