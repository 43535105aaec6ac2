"""The daily proof of liabilities as a use case, on the in-memory twin: build after a
settlement, store, publish once, serve members' proofs later, and audit (``jifen verify``).

The plan grants locked points released daily, prices points by a reserve and pays cash
commissions, so every leaf field but ``payable`` moves; a withdrawal fills that one.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from functions.proofs.documents import FIELD_NAMES, record_name, verify_proof
from functions.proofs.encoding import ProofError
from functions.rewards.events import Join, Purchase, Withdraw
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger
from functions.services.proofs import (
    FolderRecordPublisher,
    ProofService,
    RecordConflict,
    publish_after_settlement,
)
from functions.services.proofs.audit import ProofAudit
from functions.services.settlement import run_settlement
from functions.services.settlement_fanout import settle_or_fan_out
from functions.services.settlement_notices import DiscardingQueue
from functions.store.items import journal_key, member_key, proof_day_key, proof_page_key
from functions.store.keyring import Keyring
from functions.store.storage import Storage, memory_storage
from functions.store.table import Delete, Put
from tests.support.books import ledger_for

PLAN = parse_plan(
    {
        "name": "proofs",
        "grant": {"ratio": "1.2"},
        "release": {"mode": "daily", "daily_rate": "0.1"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.05", "min_points": "1"},
        "commission": {"rates": [{"default": "0.05"}]},
    }
)
DAY1, DAY2 = "2026-05-01", "2026-05-02"


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.storage: Storage = memory_storage(Keyring.of({"k1": bytes(range(32))}, "k1"))
        self.ledger: Ledger = ledger_for(self.storage.ledger, PLAN)
        self.folder = tmp_path / "proofs"
        self.service = ProofService(
            self.storage.ledger,
            self.storage.proofs,
            PLAN,
            self.storage.ledger.keyring,
            FolderRecordPublisher(self.folder),
            clock=lambda: 1_777_680_000_000_000,
        )
        for name, referrer in (("A", None), ("B", "A"), ("C", "B"), ("D", "A")):
            self.ledger.join(Join(name, referrer), f"join-{name}")
        for n, (member, amount) in enumerate((("B", 300_000), ("C", 100_000), ("D", 50_000))):
            self.ledger.purchase(Purchase(member, f"o-{n}", amount), f"buy-{n}")

    def record(self, date: str = DAY1) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.folder / record_name(date)).read_text())
        return found

    def audit(self, dates: list[str]) -> ProofAudit:
        audit = ProofAudit(self.service, dates)
        audit.load()
        store = self.storage.ledger
        for _ in audit.journal(store.scan_journal()):
            pass
        for _ in audit.members(store.iter_members()):
            pass
        audit.finish()
        return audit


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_a_settled_day_is_stored_published_and_every_member_can_prove_their_balance(
    world: World,
) -> None:
    """Given four members settled on 1 May, When the day is published, Then the record in
    the folder is the stored one, its totals are the members' items and every member's
    proof holds against it."""
    run_settlement(world.ledger, DAY1)

    published = world.service.publish(DAY1)

    record = world.record()
    stored = world.storage.proofs.proof_day(DAY1)
    assert stored is not None
    assert stored.published
    assert published.built
    assert (world.folder / record_name(DAY1)).read_text() == stored.record
    items = list(world.storage.ledger.iter_members())
    assert record["members"] == len(items) == 4
    for field in FIELD_NAMES:
        assert record["root"]["sums"][field] == sum(getattr(m, field) for m in items)
    assert record["root"]["sums"]["locked"] > 0
    assert record["root"]["sums"]["commission"] > 0
    assert world.storage.proofs.latest_proof_date() == DAY1
    for member in items:
        found = world.service.member_proof(member.member)
        assert found is not None
        shown = verify_proof(json.loads(found.document), record)
        assert shown.balances["available"] == member.available
        assert found.points == member.available + member.locked + member.withdrawing
        assert found.points_total == record["totals"]["points"]


def test_the_reserve_figure_is_the_ledgers_reserve_and_covers_every_withdrawal(
    world: World,
) -> None:
    """Given a reserve-valued plan, When the day is published, Then the record's reserve is
    the platform's, circulating is the members' available points, and all of it
    withdrawn at the published price pays at most the reserve."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)

    solvency = world.record()["solvency"]
    totals = world.storage.ledger.system_totals()
    assert solvency["valuation"] == "reserve"
    assert solvency["reserve"] == totals.reserve > 0
    assert solvency["circulating"] == totals.circulating
    assert 0 < solvency["withdrawable"] <= solvency["reserve"]
    assert solvency["holds"] is True


def test_publishing_again_changes_nothing(world: World) -> None:
    """Given a published day, When it is published again, Then the same record stands and
    nothing is rebuilt."""
    run_settlement(world.ledger, DAY1)
    first = world.service.publish(DAY1)
    before = (world.folder / record_name(DAY1)).read_bytes()

    again = world.service.publish(DAY1)

    assert not again.built
    assert (again.root, again.location) == (first.root, first.location)
    assert (world.folder / record_name(DAY1)).read_bytes() == before


def test_an_unsettled_day_cannot_be_published(world: World) -> None:
    """Given no settlement of 1 May, When its proof is asked for, Then it is refused with a
    stable code and nothing is stored or published."""
    with pytest.raises(ProofError) as refused:
        world.service.publish(DAY1)
    assert refused.value.code == "proof_not_settled"
    assert world.storage.proofs.proof_day(DAY1) is None
    assert not world.folder.exists()


def test_a_day_is_too_late_to_build_once_a_later_settlement_moved_balances(
    world: World,
) -> None:
    """Given 1 May settled but not built, When 2 May is settled, Then 1 May can no longer
    be built (its balances are gone) and says so."""
    run_settlement(world.ledger, DAY1)
    run_settlement(world.ledger, DAY2)
    with pytest.raises(ProofError) as refused:
        world.service.publish(DAY1)
    assert refused.value.code == "proof_too_late"
    world.service.publish(DAY2)
    assert world.storage.proofs.latest_proof_date() == DAY2


def test_a_proof_is_served_as_of_its_day_whatever_happened_since(world: World) -> None:
    """Given 1 May published, When B withdraws and C buys afterwards, Then B's proof of 1 May
    still shows (and proves) B's balances of that day, and a member who joined later has
    no proof in it."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    b_then = world.storage.ledger.get_member("B")
    assert b_then is not None
    world.ledger.request_withdrawal(Withdraw("B", 1_000), "wd-B")
    world.ledger.purchase(Purchase("C", "o-late", 20_000), "buy-late")
    world.ledger.join(Join("E", "A"), "join-E")

    found = world.service.member_proof("B")

    assert found is not None
    shown = verify_proof(json.loads(found.document), world.record())
    assert shown.balances["available"] == b_then.available
    assert shown.balances["payable"] == 0
    assert world.service.member_proof("E") is None


def test_a_different_record_already_published_is_a_conflict_not_an_overwrite(
    world: World,
) -> None:
    """Given other bytes already under the day's name, When the day is published, Then it
    is refused as a conflict, the other bytes stay and the day is not marked published."""
    run_settlement(world.ledger, DAY1)
    (world.folder / "proof-of-liabilities").mkdir(parents=True)
    (world.folder / record_name(DAY1)).write_text("{}\n")

    with pytest.raises(RecordConflict):
        world.service.publish(DAY1)

    assert (world.folder / record_name(DAY1)).read_text() == "{}\n"
    stored = world.storage.proofs.proof_day(DAY1)
    assert stored is not None
    assert not stored.published
    assert world.storage.proofs.latest_proof_date() is None


def test_the_step_after_a_finished_run_publishes_and_reports_failures(world: World) -> None:
    """Given the settlement driver with the proof step after it, When 1 May is settled,
    Then its answer carries the published day; a step that fails is reported, not raised."""
    outcome = settle_or_fan_out(
        world.ledger,
        DAY1,
        queue=DiscardingQueue(),
        starter=None,
        after_finish=lambda done: publish_after_settlement(lambda: world.service, done),
    )
    assert outcome["status"] == "settled"
    assert outcome["after_finish"]["status"] == "published"
    assert outcome["after_finish"]["members"] == 4

    def broken() -> ProofService:
        raise RuntimeError("no bucket")

    failed = publish_after_settlement(broken, {"date": DAY2})
    assert (failed["status"], failed["code"]) == ("failed", "proof_error")
    too_early = publish_after_settlement(lambda: world.service, {"date": DAY2})
    assert (too_early["status"], too_early["code"]) == ("failed", "proof_not_settled")


# -- audit -----------------------------------------------------------------------------------


def test_the_audit_of_an_untouched_day_finds_nothing(world: World) -> None:
    """Given a published day and later activity, When it is audited, Then it is clean."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    world.ledger.purchase(Purchase("C", "o-late", 20_000), "buy-late")

    audit = world.audit([DAY1])

    assert audit.mismatches == []
    assert audit.days_checked == 1
    assert audit.leaves_checked == 2  # C and B (its commission) moved on; A and D did not


def _stored_page(world: World) -> tuple[Put, list[list[Any]]]:
    day = world.storage.proofs.proof_day(DAY1)
    assert day is not None
    item = world.storage.table.get(proof_page_key(DAY1, day.build_id, 0))
    assert item is not None
    payload = item["payload"]
    assert isinstance(payload, bytes)
    return Put(item), json.loads(zlib.decompress(payload))


def test_a_stored_balance_changed_after_publication_fails_the_audit(world: World) -> None:
    """Given a published day, When one stored leaf's balance is raised in the table,
    Then the day no longer rebuilds to its published root (proof_root)."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    put, rows = _stored_page(world)
    rows[0][1][0] += 100
    tampered = {**put.item, "payload": zlib.compress(json.dumps(rows).encode())}
    world.storage.table.write(Put(tampered))

    audit = world.audit([DAY1])

    assert {m.check for m in audit.mismatches} >= {"proof_root", "proof_stored"}


def test_a_member_item_changed_without_a_transaction_fails_the_audit(world: World) -> None:
    """Given a published day, When a member item's balance is raised at the same version,
    Then it disagrees with its published leaf (proof_leaf)."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    item = world.storage.table.get(member_key("A"))
    assert item is not None
    world.storage.table.write(Put({**item, "commission": int(str(item["commission"])) + 1}))

    audit = world.audit([DAY1])

    assert [(m.check, m.subject) for m in audit.mismatches] == [("proof_leaf", "A")]


def test_history_truncated_after_publication_fails_the_audit(world: World) -> None:
    """Given a published day, When a member's newest entry (the head it committed to) is
    deleted and the head rolled back, Then the published head is missing (proof_journal):
    the truncation the keyed chain alone cannot see."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    member = world.storage.ledger.get_member("C")
    assert member is not None
    newest = next(world.storage.ledger.journal("C", newest_first=True))
    world.storage.table.write(Delete(journal_key("C", newest.seq)))

    audit = world.audit([DAY1])

    assert ("proof_journal", f"C#{newest.seq}") in {(m.check, m.subject) for m in audit.mismatches}


def test_a_published_record_replaced_in_the_folder_fails_the_audit(world: World) -> None:
    """Given a published day, When the published file is replaced, Then proof_record."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    (world.folder / record_name(DAY1)).write_text("{}\n")

    audit = world.audit([DAY1])

    assert [m.check for m in audit.mismatches] == ["proof_record"]


def test_a_published_days_header_deleted_from_the_table_is_found(world: World) -> None:
    """Given a published day, When its header is deleted from the table (to hide the day),
    Then the audit finds the published record without its day, whichever days it checks."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    world.storage.table.write(Delete(proof_day_key(DAY1)))

    audit = world.audit([])

    assert [(m.check, m.subject, m.account) for m in audit.mismatches] == [
        ("proof_record", DAY1, "header")
    ]


def test_a_record_rewritten_with_its_header_marked_unpublished_is_still_found(
    world: World,
) -> None:
    """Given a published day, When its stored record is rewritten and the header set back
    to unpublished, Then the bucket's bytes still disagree with it (proof_record)."""
    run_settlement(world.ledger, DAY1)
    world.service.publish(DAY1)
    item = world.storage.table.get(proof_day_key(DAY1))
    assert item is not None
    forged = str(item["record"]).replace('"members": 4', '"members": 5')
    world.storage.table.write(Put({**item, "record": forged, "status": "stored"}))

    audit = world.audit([DAY1])

    assert ("proof_record", "bucket") in {(m.check, m.account) for m in audit.mismatches}
