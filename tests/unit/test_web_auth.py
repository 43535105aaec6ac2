"""Telegram sign-in data and our sessions (web/auth.py): what is accepted, what is refused."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from local.dev.telegram_auth import mint_init_data, mint_login
from web.auth import Audience, AuthError, Sessions, check_init_data, check_login

TOKEN = "123456:AAE-the-bot-token"
NOW = 1_800_000_000
KEY = b"k" * 32


def test_initdata_signed_with_the_bot_token_and_fresh_is_accepted() -> None:
    # Given launch data for user 42, signed with the bot's token a minute ago
    raw = mint_init_data(TOKEN, 42, auth_date=NOW - 60, language_code="zh-hant")
    # When it is checked
    identity = check_init_data(raw, TOKEN, now_s=NOW, max_age_s=3600)
    # Then it names user 42, with the language Telegram reported
    assert identity.telegram_id == 42
    assert identity.language_code == "zh-hant"
    assert len(identity.digest) == 64


def test_two_launches_in_the_same_second_are_two_distinct_sign_ins() -> None:
    # Given two launches of the Mini App by user 42 within one second (as a test suite does)
    first = mint_init_data(TOKEN, 42, auth_date=NOW)
    second = mint_init_data(TOKEN, 42, auth_date=NOW)
    # When each is checked
    one = check_init_data(first, TOKEN, now_s=NOW, max_age_s=3600)
    two = check_init_data(second, TOKEN, now_s=NOW, max_age_s=3600)
    # Then both are valid and distinct (the web side spends each once: an identical second
    # launch would be refused as a replay, as the browser test found in CI)
    assert one.telegram_id == two.telegram_id == 42
    assert one.digest != two.digest


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other token", "bad_signature"),
        ("changed user", "bad_signature"),
        ("too old", "expired"),
        ("future", "expired"),
        ("no hash", "malformed"),
        ("twice", "malformed"),
        ("empty", "malformed"),
    ],
)
def test_initdata_that_is_forged_stale_or_malformed_is_refused(case: str, code: str) -> None:
    # Given launch data spoiled in one way
    good = mint_init_data(TOKEN, 42, auth_date=NOW - 60)
    fields = dict(parse_qsl(good))
    raw = {
        "other token": mint_init_data("999:other", 42, auth_date=NOW - 60),
        "changed user": urlencode({**fields, "user": '{"id":43,"first_name":"Eve"}'}),
        "too old": mint_init_data(TOKEN, 42, auth_date=NOW - 3601),
        "future": mint_init_data(TOKEN, 42, auth_date=NOW + 3600),
        "no hash": urlencode({k: v for k, v in fields.items() if k != "hash"}),
        "twice": good + "&auth_date=" + str(NOW),
        "empty": "",
    }[case]
    # When it is checked
    # Then it is refused with a stable code
    with pytest.raises(AuthError) as refused:
        check_init_data(raw, TOKEN, now_s=NOW, max_age_s=3600)
    assert refused.value.code == code


def test_login_widget_answers_are_checked_like_initdata_with_their_own_key() -> None:
    # Given a Login Widget answer, and the same fields signed as initData would be
    good = mint_login(TOKEN, 7, auth_date=NOW - 10)
    # When each is checked as a Login Widget answer
    identity = check_login(good, TOKEN, now_s=NOW, max_age_s=600)
    # Then the real one names user 7, a stale one and a tampered one are refused
    assert identity.telegram_id == 7
    with pytest.raises(AuthError, match="too old"):
        check_login(mint_login(TOKEN, 7, auth_date=NOW - 601), TOKEN, now_s=NOW, max_age_s=600)
    with pytest.raises(AuthError) as tampered:
        check_login({**good, "id": "8"}, TOKEN, now_s=NOW, max_age_s=600)
    assert tampered.value.code == "bad_signature"


def test_a_session_reads_back_only_under_its_key_unaltered_and_unexpired() -> None:
    # Given an operator session signed under one key
    sessions = Sessions(KEY)
    token, session = sessions.issue(5, Audience.OPERATOR, now_s=NOW, ttl_s=100)
    # When it is read back whole, altered, under another key, or after it expired
    payload, mac = token.split(".")
    # Then only the first reads as the session
    assert sessions.read(token, now_s=NOW + 1) == session
    assert sessions.read(payload + "x." + mac, now_s=NOW) is None
    assert sessions.read(token + "x", now_s=NOW) is None
    assert Sessions(b"o" * 32).read(token, now_s=NOW) is None
    assert sessions.read(token, now_s=NOW + 100) is None
    assert sessions.read(None, now_s=NOW) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    # Given two sessions
    sessions = Sessions(KEY)
    _, first = sessions.issue(5, Audience.MEMBER, now_s=NOW, ttl_s=100)
    _, second = sessions.issue(5, Audience.MEMBER, now_s=NOW, ttl_s=100)
    # When each one's CSRF token is checked against both
    token = sessions.csrf_token(first)
    # Then it is accepted for its own session only, and an empty one never
    assert sessions.csrf_ok(first, token)
    assert not sessions.csrf_ok(second, token)
    assert not sessions.csrf_ok(first, "")
    assert not sessions.csrf_ok(first, None)


def test_a_short_session_key_is_refused() -> None:
    # Given a key shorter than 32 bytes
    # When sessions are made with it
    # Then that is refused
    with pytest.raises(ValueError, match="32 bytes"):
        Sessions(b"short")
