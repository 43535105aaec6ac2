"""The bot's catalogs and pure helpers: parity of languages, phones, amounts, QR PNG bytes."""

from __future__ import annotations

import string
import zlib

import pytest

from bot.qr import png_bytes
from bot.texts import CATALOGS, clip, language_for, t
from functions.rewards.errors import RejectCode, Rejected
from functions.services.members import (
    INVITE_CODE_RE,
    new_invite_code,
    normalize_phone,
    parse_points,
)
from functions.store.records import EntryKind


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    """Given zh, zh-hant and en, then every key exists in each with the same placeholders."""
    en = CATALOGS["en"]

    assert set(CATALOGS) == {"zh", "zh-hant", "en"}
    for language, catalog in CATALOGS.items():
        assert set(catalog) == set(en), language
        for key in en:
            assert _placeholders(catalog[key]) == _placeholders(en[key]), (language, key)


def test_traditional_catalog_is_traditional() -> None:
    """Given the Traditional catalog, then it is not the Simplified one under another name:
    common simplified characters are gone and the language names itself."""
    hant = CATALOGS["zh-hant"]

    assert hant["language.name"] == "繁體中文"
    assert hant["history.title"] != CATALOGS["zh"]["history.title"]
    simplified_only = set("积户现转规则团队结锁释")
    assert not [key for key, text in hant.items() if simplified_only & set(text)]


def test_every_rejection_code_has_a_text() -> None:
    """Given the stable rejection codes, then each has a member-facing reason in each language."""
    for catalog in CATALOGS.values():
        for code in RejectCode:
            assert f"reject.{code.value}" in catalog


def test_every_entry_kind_has_a_history_text() -> None:
    """Given the journal's entry kinds, then the history screen names each in each language
    (it shows the stored text only for kinds this code does not know)."""
    for catalog in CATALOGS.values():
        for kind in EntryKind:
            assert f"history.kind.{kind.value}" in catalog


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh-hans", "zh"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh-hant"),
        ("zh-hk", "zh-hant"),
        ("zh-Hant", "zh-hant"),
        ("zh_MO", "zh-hant"),
        ("en", "en"),
        ("fr", "en"),
        (None, "zh"),
        ("", "zh"),
    ],
)
def test_language_from_telegram_code(code: str | None, language: str) -> None:
    assert language_for(code) == language


def test_one_resolver_serves_the_notification_sender_with_its_default() -> None:
    """Given the sender's configured default, then it applies only to members without a
    language; stored tags resolve as the bot resolves Telegram's."""
    assert language_for(None, "en") == "en"
    assert language_for("", "en") == "en"
    assert language_for("zh-hans", "en") == "zh"
    assert language_for("en-US", "zh") == "en"


def test_notices_come_from_the_same_catalogs_in_each_language() -> None:
    """Given a settlement notice, then it renders from the bot's catalogs, zeros left out."""
    from bot.texts.notices import renderer
    from functions.services.notifications import SettlementNotice

    notice = SettlementNotice.model_validate(
        {
            "kind": "settlement",
            "date": "2026-01-01",
            "member": "m",
            "statement": {
                "static": "36.00",
                "share": ["18.00"],
                "team": "0.00",
                "peer": "0.00",
                "paid": "18.00",
                "forfeited": "0.00",
            },
        }
    )
    render = renderer("zh")
    assert render(notice, None).splitlines()[0] == t(
        "zh", "settled.header", date="2026-01-01", points=5_400
    )
    assert render(notice, "en").splitlines() == [
        "📊 Settlement of 2026-01-01: +54.00 points credited",
        "• Daily release of your locked points: +36.00",
        "• Share from your generation 1: +18.00",
    ]
    assert render(notice, "zh-TW").splitlines()[0] == "📊 2026-01-01 結算：入帳 +54.00 積分"


def test_t_fills_values_and_falls_back_to_chinese() -> None:
    assert t("en", "transfer.done", points=100, name="Bob") == "✅ Sent 1.00 points to Bob."
    assert t("xx", "yes") == "是"


def test_amounts_reach_the_texts_in_cents_and_are_formatted_there() -> None:
    """Given amounts in cents, when a text shows them, then they read as decimals (signed
    where the text shows a change)."""
    assert t("en", "withdraw.requested", number="W-1", points=10_000, net=2_400, fee=600) == (
        "Withdrawal W-1 requested: 100.00 points for ¥24.00 (fee ¥6.00).\n"
        "An operator will review it; I will tell you the result. /withdrawals shows its status."
    )
    assert t("zh", "balance.title", points=20_400_000) == "💰 我的积分：204,000.00 积分"
    assert t("en", "shop.package", amount=5_100_000, points=20_400_000) == (
        "• ¥51,000.00 → 204,000.00 points"
    )
    assert t("zh", "admin.adjusted", member="tg1", delta=-5) == "已为 tg1 调整 -0.05 积分。"
    assert [t("en", "history.available", points=cents) for cents in (250, -250, 0)] == [
        "available +2.50",
        "available -2.50",
        "available 0.00",
    ]


@pytest.mark.parametrize("value", ["1.00", 1.0, True, None])
def test_an_amount_placeholder_refuses_anything_but_cents(value: object) -> None:
    """Given a pre-formatted string, a float, a flag or nothing for an amount, then t refuses."""
    with pytest.raises(TypeError):
        t("en", "transfer.done", points=value)


def test_catalogs_format_each_placeholder_the_same_way() -> None:
    """Given zh and en, then a placeholder is an amount (or not) in both languages alike."""

    def fields(template: str) -> set[tuple[str, str]]:
        return {
            (name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name
        }

    for key, template in CATALOGS["en"].items():
        for language in ("zh", "zh-hant"):
            assert fields(CATALOGS[language][key]) == fields(template), (language, key)
        assert {spec for _, spec in fields(template)} <= {"", "money", "+money"}, key


def test_clip_counts_utf16_units() -> None:
    """Given astral characters (2 UTF-16 units each), then the cut respects Telegram's measure."""
    clipped = clip("🙂" * 3000)

    assert len(clipped.encode("utf-16-le")) // 2 <= 4096
    assert clipped.endswith("…")
    assert clip("short") == "short"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("8613800000001", "+8613800000001"),
        ("+86 138-0000-0001", "+8613800000001"),
        ("0085251234567", "+85251234567"),
        ("＋８６１３８０００００００１", "+8613800000001"),  # full-width
        ("12345", None),
        ("+0123456789", None),
        ("not a phone", None),
        ("+١٢٣٤٥٦٧٨٩٠", None),  # Arabic-Indic digits are not E.164 digits
    ],
)
def test_phone_normalisation(raw: str, e164: str | None) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(("text", "cents"), [("100", 10_000), ("１２.５", 1_250), ("+3", 300)])
def test_points_typed_by_members(text: str, cents: int) -> None:
    assert parse_points(text) == cents


@pytest.mark.parametrize("text", ["0", "-1", "1.234", "1e3", "", "十", "NaN"])
def test_points_refused(text: str) -> None:
    with pytest.raises(Rejected) as refused:
        parse_points(text)
    assert refused.value.code is RejectCode.INVALID_AMOUNT


def test_invite_codes_are_valid_deep_link_payloads_and_distinct() -> None:
    codes = {new_invite_code() for _ in range(1_000)}

    assert len(codes) == 1_000
    assert all(INVITE_CODE_RE.fullmatch(code) and len(code) == 12 for code in codes)


def test_png_rows_encode_modules_at_scale() -> None:
    """Given a 2×2 checker, then a 4×4 1-bit PNG whose rows decode back to it."""
    png = png_bytes([[True, False], [False, True]], scale=2)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    start = png.index(b"IDAT") + 4
    length = int.from_bytes(png[start - 8 : start - 4], "big")
    rows = zlib.decompress(png[start : start + length])
    dark_light, light_dark = 0b0011_0000, 0b1100_0000  # dark is 0; rows padded to a byte
    assert rows == bytes([0, dark_light, 0, dark_light, 0, light_dark, 0, light_dark])
