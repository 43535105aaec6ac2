"""``jifen proof`` as an operator and a member run it, on the local endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions.cli import main
from functions.config import REPO_ROOT
from functions.plans import load_plan
from functions.rewards.events import Join, Purchase
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.store.keyring import default_keyring
from functions.store.storage import dynamodb_storage

DATE = "2026-05-01"
PLAN = REPO_ROOT / "infra" / "plans" / "dividend.yaml"


@pytest.fixture
def table(
    dynamodb_endpoint: str,
    dynamodb_table: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> str:
    """Two members settled on 1 May; the environment a local operator has."""
    _, name = dynamodb_table
    storage = dynamodb_storage(
        name, endpoint=dynamodb_endpoint, keyring=default_keyring(dynamodb_endpoint)
    )
    ledger = Ledger(storage.ledger, load_plan(PLAN))
    for member in ("ann", "ben"):
        ledger.join(Join(member), f"join:{member}")
        ledger.purchase(Purchase(member, f"o-{member}", 300_000), f"o:{member}")
    run_settlement(ledger, DATE)
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.setenv("JIFEN_TABLE_NAME", name)
    monkeypatch.setenv("JIFEN_PLAN_PATH", str(PLAN))
    monkeypatch.setenv("JIFEN_PROOF_DIR", str(tmp_path / "proofs"))
    monkeypatch.delenv("JIFEN_USE_AWS", raising=False)
    monkeypatch.delenv("JIFEN_PROOF_BUCKET", raising=False)
    return name


def test_publish_export_and_verify_a_members_proof(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a settled day, When the operator publishes it (twice) and exports Ann's proof,
    Then the day is built once, and `jifen proof verify` finds the published record itself
    and confirms Ann's points; a doctored file is refused with exit 1."""
    assert main(["proof", "publish", DATE]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["proof", "publish", DATE]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (first["status"], first["built"], first["members"]) == ("published", True, 2)
    assert (again["built"], again["root"]) == (False, first["root"])
    assert (tmp_path / "proofs" / "proof-of-liabilities" / f"{DATE}.json").exists()

    assert main(["proof", "member", "ann"]) == 0
    proof_file = tmp_path / "ann.json"
    proof_file.write_text(capsys.readouterr().out)
    assert main(["proof", "verify", str(proof_file)]) == 0
    assert capsys.readouterr().out.startswith("OK: ann's ")

    doctored = json.loads(proof_file.read_text())
    doctored["leaf"]["balances"]["locked"] += 100
    proof_file.write_text(json.dumps(doctored))
    assert main(["proof", "verify", str(proof_file)]) == 1
    assert capsys.readouterr().out.startswith("FAILED (proof_mismatch)")


def test_refusals_have_stable_codes_and_exit_codes(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a settled 1 May only, When an unsettled day is published, a member without a
    proof is exported, a bad date given, or a proof checked with no record anywhere,
    Then each exits non-zero saying why."""
    assert main(["proof", "publish", "2026-05-02"]) == 1
    assert "proof_not_settled" in capsys.readouterr().err
    assert main(["proof", "member", "ann"]) == 1
    assert "no published proof" in capsys.readouterr().err
    assert main(["proof", "publish", "2026-13-01"]) == 2
    capsys.readouterr()
    lone = tmp_path / "lone.json"
    lone.write_text(json.dumps({"record": "proof-of-liabilities/1999-01-01.json"}))
    assert main(["proof", "verify", str(lone)]) == 2
    assert "--record" in capsys.readouterr().err
