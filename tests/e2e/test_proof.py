"""Proof of liabilities end to end: settle, publish, /proof over HTTP, the standalone
verifier, then a stored balance tampered with and ``jifen verify`` failing."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from functions.cli import main
from functions.config import REPO_ROOT
from functions.proofs.documents import record_name
from functions.rewards.events import Purchase
from functions.services.proofs import FolderRecordPublisher, ProofService
from functions.services.settlement import run_settlement
from functions.store.items import proof_page_key
from functions.store.storage import Storage
from functions.store.table import Put

from .conftest import ALICE, BOB, CAROL, PHONES, VALUE, MakeBot, member_of

DATE = "2026-05-01"
VERIFIER = REPO_ROOT / "verifier" / "jifen_proof_verify.py"


def standalone(proof: Path, record: Path) -> subprocess.CompletedProcess[str]:
    """The member's verifier, as they run it: one file, isolated from our packages."""
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(proof), "--record", str(record)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def tamper_stored_balance(storage: Storage, member: str, delta: int) -> None:
    """Raise ``member``'s stored ``available`` in the day's leaves, straight in the table."""
    day = storage.proofs.proof_day(DATE)
    assert day is not None
    key = proof_page_key(DATE, day.build_id, 0)
    item = storage.table.get(key)
    assert item is not None
    payload = item["payload"]
    assert isinstance(payload, bytes)
    rows: list[list[Any]] = json.loads(zlib.decompress(payload))
    [row] = [row for row in rows if row[0] == member]
    row[1][0] += delta
    storage.table.write(Put({**item, "payload": zlib.compress(json.dumps(rows).encode())}))


def test_a_member_proves_their_balance_and_tampering_with_it_is_caught(
    make_bot: MakeBot,
    storage: Storage,
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given Alice and Bob who bought points (reserve valuation), When 1 May is settled and
    published and Alice sends /proof, Then she gets a JSON file whose summary states her
    points inside the published total, and the standalone verifier confirms it against the
    published record; When a stored balance is then changed in the table, Then
    ``jifen verify`` fails and the bot no longer serves a proof from the forged leaves."""
    folder = tmp_path / "proofs"
    service = ProofService(
        storage.ledger,
        storage.proofs,
        VALUE,
        storage.ledger.keyring,
        FolderRecordPublisher(folder),
    )
    bot = make_bot(VALUE, proofs=service)
    bot.register(ALICE, PHONES[ALICE.id])
    bot.register(BOB, PHONES[BOB.id])
    alice, bob = member_of(ALICE), member_of(BOB)
    bot.ledger.purchase(Purchase(alice, "o-alice", 100_000), "o-alice")
    bot.ledger.purchase(Purchase(bob, "o-bob", 250_000), "o-bob")
    assert "No proof is published yet" in bot.command(ALICE, "/proof").text

    run_settlement(bot.ledger, DATE)
    service.publish(DATE)
    sent = bot.command(ALICE, "/proof")

    [call] = sent.of("sendDocument")
    upload = call.files["document"]
    assert upload.filename == f"jifen-proof-{DATE}.json"
    summary = str(call.params["caption"]).splitlines()[0]
    assert summary == f"Your 300.00 points are included in the 1,050.00 published for {DATE}."
    proof_file = tmp_path / upload.filename
    proof_file.write_bytes(upload.content)
    record_file = folder / record_name(DATE)
    checked = standalone(proof_file, record_file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(
        f"VERIFIED: {alice}'s 300.00 points are included in the 1,050.00 published for {DATE}"
    )
    assert main(["proof", "verify", str(proof_file), "--record", str(record_file)]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {alice}'s 300.00 points are included")

    _, table = dynamodb_table
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.setenv("JIFEN_PROOF_DIR", str(folder))
    monkeypatch.delenv("JIFEN_USE_AWS", raising=False)
    assert main(["verify", "--table", table]) == 0
    assert "1 day(s) rebuilt from their stored leaves" in capsys.readouterr().out

    tamper_stored_balance(storage, bob, 100_000)

    assert main(["verify", "--table", table, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {"proof_root", "proof_stored"} <= {m["check"] for m in report["mismatches"]}
    assert bot.command(BOB, "/proof").text == "暂时无法生成您的证明，请稍后再试。"
    assert standalone(proof_file, record_file).returncode == 0  # what was published stands


def test_a_member_who_joined_after_the_last_published_day_is_told_so(
    make_bot: MakeBot, storage: Storage, tmp_path: Path
) -> None:
    """Given 1 May published with Alice only, When Carol joins afterwards and sends /proof,
    Then she is told she is not in the last published proof yet (and gets no file)."""
    service = ProofService(
        storage.ledger,
        storage.proofs,
        VALUE,
        storage.ledger.keyring,
        FolderRecordPublisher(tmp_path),
    )
    bot = make_bot(VALUE, proofs=service)
    bot.register(ALICE, PHONES[ALICE.id])
    run_settlement(bot.ledger, DATE)
    service.publish(DATE)
    bot.register(CAROL, PHONES[CAROL.id])

    answer = bot.command(CAROL, "/proof")

    assert answer.of("sendDocument") == []
    assert f"not in the last published proof ({DATE})" in answer.text
