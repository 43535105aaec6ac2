"""Proof of liabilities on the web (in-memory twin): the board's history of published roots,
the day's record, the verifier, and a member's own proof in the Mini App."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import texts as bot_texts
from functions.services.members import Members
from functions.services.proofs import FolderRecordPublisher
from functions.services.settlement import run_settlement
from functions.store.proof_store import ProofStore
from tests.support.web import MEMBER_TELEGRAM, Browser, memory_runtime, register, text_of
from tests.unit.test_proofs import load_verifier
from web.proofs import VERIFIER

DAYS = ("2026-01-01", "2026-01-02")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, Any]:
    """Alice invited Bob; both bought; two days settled and their proofs published."""
    runtime = memory_runtime()
    runtime.memo("record_publisher", lambda: FolderRecordPublisher(tmp_path / "records"))
    members = Members(runtime.ledger, runtime.bot_store)
    code = register(runtime, MEMBER_TELEGRAM, name="Alice Wong")
    register(runtime, MEMBER_TELEGRAM + 1, invite=code, name="Bob Li")
    alice = members.by_telegram(MEMBER_TELEGRAM)
    bob = members.by_telegram(MEMBER_TELEGRAM + 1)
    assert alice is not None
    assert bob is not None
    members.pay(alice, 900_000, 0, "charge-a")
    members.pay(bob, 300_000, 0, "charge-b")
    for day in DAYS:
        run_settlement(runtime.ledger, day)
        runtime.proofs.publish(day)
    return runtime, alice


def test_the_board_lists_the_published_roots_newest_first_without_personal_data(
    world: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two published days, and a proof store that refuses to list its index
    runtime, _ = world
    store = runtime.stores.proofs
    days = [store.proof_day(day) for day in reversed(DAYS)]

    def refused(*_: object) -> Any:
        raise AssertionError("the board read the index of every day")

    monkeypatch.setattr(ProofStore, "proof_dates", refused)
    # When a visitor opens the history
    answer = Browser(runtime).get("/board/proofs")
    # Then both days are there, newest first, each with both roots and its member count
    assert answer["statusCode"] == 200
    assert "public" in answer["headers"]["Cache-Control"]
    page = text_of(answer)
    positions = [page.index(f'id="day-{day.date}"') for day in days]
    assert positions == sorted(positions)
    for day in days:
        assert day.root in page
        assert day.journal_root in page
        assert f'href="/board/proofs/{day.date}.json"' in page
    # And no member id, name or phone appears
    for record in runtime.ledger.store.get_members([world[1].member]).values():
        for value in (record.member, record.display_name, record.phone, str(record.telegram_id)):
            assert value not in page


def test_the_days_record_is_served_byte_for_byte(world: tuple[Any, Any]) -> None:
    # Given a published day
    runtime, _ = world
    day = runtime.stores.proofs.proof_day(DAYS[0])
    # When its record, an unpublished date's and a malformed name are fetched
    found = Browser(runtime).get(f"/board/proofs/{DAYS[0]}.json")
    missing = Browser(runtime).get("/board/proofs/2025-01-01.json")
    malformed = Browser(runtime).get("/board/proofs/nope")
    # Then the first is the stored record exactly, the others are not found
    assert found["statusCode"] == 200
    assert text_of(found) == day.record
    assert [missing["statusCode"], malformed["statusCode"]] == [404, 404]


def test_the_verify_page_serves_the_standalone_verifier_as_it_is(world: tuple[Any, Any]) -> None:
    # Given the board
    runtime, _ = world
    visitor = Browser(runtime)
    # When the verify page and its verifier are fetched
    page = text_of(visitor.get("/board/verify"))
    script = visitor.get(f"/board/verify/{VERIFIER.name}")
    # Then the page links the verifier, which is the repository's file
    assert f'href="/board/verify/{VERIFIER.name}"' in page
    assert "/static/verify.js" in page
    assert text_of(script) == VERIFIER.read_text(encoding="utf-8")


def test_a_member_gets_their_proof_and_it_verifies_against_the_published_record(
    world: tuple[Any, Any],
) -> None:
    # Given Alice signed in to the Mini App
    runtime, alice = world
    member = Browser(runtime)
    assert member.member_sign_in()["statusCode"] == 200
    # When she opens "My proof" and downloads the file it offers
    page = text_of(member.get("/app/proof"))
    found = runtime.proofs.member_proof(alice.member)
    assert found is not None
    download = member.get(f"/app/proof/{found.filename}")
    other = member.get("/app/proof/jifen-proof-2026-01-01-someone.json")
    # Then the page states her points and holds the same proof as the bot's /proof
    summary = bot_texts.t(
        "en", "proof.summary", points=found.points, total=found.points_total, date=DAYS[1]
    )
    assert summary in page
    assert 'id="proof-document"' in page
    assert download["statusCode"] == 200
    assert "attachment" in download["headers"]["Content-Disposition"]
    assert download["body"].encode() == found.document
    assert other["statusCode"] == 404
    # And the standalone verifier finds it under the day's published record
    record = text_of(Browser(runtime).get(f"/board/proofs/{DAYS[1]}.json"))
    checked = load_verifier().verify_json(download["body"], record)
    assert checked["ok"] is True
    assert checked["member"] == alice.member


def test_before_any_publication_my_proof_says_so(tmp_path: Path) -> None:
    # Given a member and no published day
    runtime = memory_runtime()
    register(runtime, MEMBER_TELEGRAM, name="Alice")
    member = Browser(runtime)
    member.member_sign_in()
    # When she opens "My proof"
    answer = member.get("/app/proof")
    # Then the page says none is published yet (the bot's words), with no file offered
    assert answer["statusCode"] == 200
    assert "No proof is published yet." in text_of(answer)
    assert 'id="proof-document"' not in text_of(answer)
    # And the board's history says there is none in the period
    assert "No proof is published in this period." in text_of(Browser(runtime).get("/board/proofs"))


def test_the_history_pages_by_windows_of_dates(world: tuple[Any, Any]) -> None:
    # Given days published on 2026-01-01 and 2026-01-02
    runtime, _ = world
    # When the window before 2026-01-02 is asked for
    page = text_of(Browser(runtime).get("/board/proofs?before=2026-01-02"))
    newest = text_of(Browser(runtime).get("/board/proofs"))
    # Then it holds only the older day, and the first page links the window below it
    assert 'id="day-2026-01-01"' in page
    assert 'id="day-2026-01-02"' not in page
    assert "/board/proofs?before=2025-12-04" in newest
    assert json.loads(runtime.stores.proofs.proof_day("2026-01-01").record)["date"] == "2026-01-01"


def test_a_visitor_gets_no_members_proof(world: tuple[Any, Any]) -> None:
    # Given Alice's published proof, and a visitor with no session
    runtime, alice = world
    found = runtime.proofs.member_proof(alice.member)
    assert found is not None
    visitor = Browser(runtime)
    # When the visitor asks for the Mini App's proof page and Alice's file by its name
    page = visitor.get("/app/proof")
    download = visitor.get(f"/app/proof/{found.filename}")
    # Then both are refused (the sign-in page), and neither holds the proof
    for answer in (page, download):
        assert answer["statusCode"] == 401
        assert found.document.decode() not in text_of(answer)
        assert alice.member not in text_of(answer)
