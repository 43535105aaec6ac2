"""``jifen verify`` on a real (local) table: a clean history passes, any tampering is caught."""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from functions.cli import main
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.plan import Plan, load_plan_text
from functions.services.ledger import Ledger, request_id_for
from functions.services.settlement import run_settlement
from functions.services.verify import VerifyReport, verify
from functions.store.keyring import Keyring
from functions.store.ledger_store import LedgerStore
from functions.store.storage import dynamodb_ledger

Table = tuple[Any, str]

MIXED_PLAN = """
name: mixed
grant:
  tiers:
    - {name: junior, min: "100", multiplier: "2.5"}
release: {mode: daily, daily_rate: "0.10"}
share: ["0.50", "0.30"]
team:
  levels:
    - {name: bronze, min: "500", rate: "0.10"}
  peer_rate: "0.03"
valuation: {mode: fixed, price: "0.50"}
withdrawal: {fee_rate: "0.05", min_points: "1"}
deduction: {max_ratio: "0.50"}
commission:
  rates:
    - {default: "0.08", digital: "0.03"}
    - {default: "0.02"}
"""


def _plan() -> Plan:
    return load_plan_text(MIXED_PLAN)


def _cents(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _history(store: LedgerStore) -> Ledger:
    """Every kind of journal entry the services write, on a plan with commission and deduction."""
    ledger = Ledger(store, _plan(), clock=itertools.count(1).__next__)
    for member, referrer in [("A", None), ("B", "A"), ("C", "B"), ("D", "C"), ("E", "A")]:
        ledger.join(Join(member, referrer), f"join-{member}")
    for order, (member, amount, category) in enumerate(
        [("A", "200", None), ("B", "300", "digital"), ("C", "400", None), ("D", "100", None)]
    ):
        ledger.purchase(Purchase(member, f"o-{order}", _cents(amount), 0, category), f"p-{order}")
    ledger.purchase(Purchase("E", "o-e", _cents("150")), "p-e")
    run_settlement(ledger, "2026-01-01")
    run_settlement(ledger, "2026-01-02")
    ledger.purchase(Purchase("C", "o-deduct", _cents("200"), _cents("20")), "p-deduct")
    ledger.transfer(Transfer("B", "E", _cents("5")), "t-1")
    ledger.request_withdrawal(Withdraw("A", _cents("10")), "w-paid")
    ledger.decide_withdrawal(request_id_for("w-paid"), approve=True, operator="ops")
    ledger.mark_paid(request_id_for("w-paid"), operator="ops", reference="bank-1")
    ledger.request_withdrawal(Withdraw("B", _cents("5")), "w-rejected")
    ledger.decide_withdrawal(request_id_for("w-rejected"), approve=False, operator="ops")
    ledger.request_withdrawal(Withdraw("C", _cents("5")), "w-approved")
    ledger.decide_withdrawal(request_id_for("w-approved"), approve=True, operator="ops")
    ledger.request_withdrawal(Withdraw("E", _cents("2")), "w-pending")
    ledger.set_frozen("D", True, "f-1", operator="ops")
    ledger.set_frozen("E", True, "f-2", operator="ops")
    ledger.set_frozen("E", False, "f-3", operator="ops")
    ledger.adjust("D", _cents("3"), "goodwill", "adj-1", operator="ops")
    ledger.adjust("A", -_cents("1"), "correction", "adj-2", operator="ops")
    run_settlement(ledger, "2026-01-03")
    ledger.purchase(Purchase("D", "o-late", _cents("100")), "p-late")
    return ledger


@pytest.fixture(scope="module")
def history_items(dynamodb_endpoint: str) -> list[dict[str, Any]]:
    """The raw items of one history, built once: moto makes each history take seconds."""
    from functions.store.client import dynamodb_client
    from functions.store.table_definition import ensure_table

    client = dynamodb_client(dynamodb_endpoint)
    table_name = f"jifen-verify-{uuid.uuid4().hex[:12]}"
    ensure_table(client, table_name)
    try:
        _history(dynamodb_ledger(table_name, dynamodb_endpoint))
        pages = client.get_paginator("scan").paginate(TableName=table_name)
        return [item for page in pages for item in page["Items"]]
    finally:
        client.delete_table(TableName=table_name)


@pytest.fixture
def store(
    dynamodb_endpoint: str, dynamodb_table: Table, history_items: list[dict[str, Any]]
) -> LedgerStore:
    """A fresh table holding a copy of the history."""
    client, table_name = dynamodb_table
    for start in range(0, len(history_items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in history_items[start : start + 25]]
        client.batch_write_item(RequestItems={table_name: requests})
    return dynamodb_ledger(table_name, dynamodb_endpoint)


def _checks(report: VerifyReport, subject: str) -> set[tuple[str, str]]:
    return {(m.check, m.account) for m in report.mismatches if m.subject == subject}


def _key(member: str, seq: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"M#{member}"}, "sk": {"S": f"J#{seq:012d}"}}


def _sys(shard: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": shard}, "sk": {"S": "TOTALS"}}


def _account(member: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"M#{member}"}, "sk": {"S": "ACCOUNT"}}


def _raw_add(table: Table, key: dict[str, dict[str, str]], attribute: str, amount: int) -> None:
    """``ADD`` to a number in the raw table, as a writer with table access could."""
    client, table_name = table
    client.update_item(
        TableName=table_name,
        Key=key,
        UpdateExpression=f"ADD {attribute} :d",
        ExpressionAttributeValues={":d": {"N": str(amount)}},
    )


def _first_settlement(store: LedgerStore, member: str) -> int:
    return next(e.seq for e in store.journal(member) if e.kind == "settlement")


def _edit_settlement_postings(
    store: LedgerStore, table: Table, member: str, edit: Callable[[list[list[Any]]], None]
) -> int:
    """Rewrite the postings of ``member``'s first settlement entry in the raw table, as a
    writer with table access could (its hash left as it was); returns the entry's seq."""
    client, table_name = table
    seq = _first_settlement(store, member)
    item = client.get_item(TableName=table_name, Key=_key(member, seq))["Item"]
    postings = json.loads(item["postings"]["S"])
    edit(postings)
    client.update_item(
        TableName=table_name,
        Key=_key(member, seq),
        UpdateExpression="SET postings = :p",
        ExpressionAttributeValues={":p": {"S": json.dumps(postings, separators=(",", ":"))}},
    )
    return seq


def test_a_realistic_history_verifies_clean(store: LedgerStore) -> None:
    """Given joins, purchases with commission and deduction, three settlements, withdrawals
    requested/approved/rejected/paid, a transfer, freezes and adjustments,
    When the table is verified,
    Then nothing mismatches and every member, entry and chain was counted."""
    report = verify(store)
    assert report.ok, report.render()
    assert report.counts["members"] == 5
    assert report.counts["chains"] == 5
    assert report.counts["journal_entries"] == sum(
        record.journal_seq for record in store.iter_members()
    )
    assert report.counts["postings"] > report.counts["journal_entries"]
    totals = store.system_totals()
    assert (totals.paid_out > 0, totals.fees > 0, totals.burned > 0) == (True, True, True)


def test_scan_order_does_not_matter(store: LedgerStore) -> None:
    """Given the journal read in an order that interleaves members' entries,
    When verified,
    Then the chains are re-read whole and the result is still clean."""
    interleaved = sorted(store.scan_journal(), key=lambda item: (item.sk, item.pk))
    report = verify(store, journal=interleaved)
    assert report.ok, report.render()
    assert report.counts["chains"] == 5


def test_an_altered_posting_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given one settlement entry whose released amount was raised in the raw table,
    When verified,
    Then the member's chain breaks and its balances, statistics and the totals mismatch."""

    def raise_available(postings: list[list[Any]]) -> None:
        postings[1][2] += 100  # the available side only: one altered amount

    seq = _edit_settlement_postings(store, dynamodb_table, "B", raise_available)

    report = verify(store)

    assert not report.ok
    found = _checks(report, "B")
    assert ("chain", "journal") in found
    assert ("balance", "available") in found
    assert ("statistics", "released") in found
    assert ("zero_sum", "points") in _checks(report, f"B#{seq}")
    chain = [m for m in report.mismatches if m.check == "chain"]
    assert [m.detail for m in chain] == [f"entry {seq} was altered (hash mismatch)"]


def test_a_balanced_rewrite_still_breaks_the_chain(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given an entry rewritten consistently (both sides raised, so it still balances),
    When verified,
    Then the hash chain still exposes it, with the balance mismatch it causes."""

    def move_between_sides(postings: list[list[Any]]) -> None:
        postings[0][2] -= 100
        postings[1][2] += 100

    _edit_settlement_postings(store, dynamodb_table, "C", move_between_sides)

    report = verify(store)

    found = _checks(report, "C")
    assert {("chain", "journal"), ("balance", "available"), ("balance", "locked")} <= found
    assert not any(m.check == "zero_sum" for m in report.mismatches)


def test_a_deleted_entry_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given one of B's entries (its first settlement) deleted from the table,
    When verified,
    Then B's chain shows the gap and its balances no longer match."""
    client, table_name = dynamodb_table
    seq = _first_settlement(store, "B")
    client.delete_item(TableName=table_name, Key=_key("B", seq))

    report = verify(store)

    found = _checks(report, "B")
    assert ("chain", "journal") in found
    assert ("head", "journal_seq") in found
    assert ("balance", "available") in found
    assert any(f"found where {seq} was expected" in m.detail for m in report.mismatches)


def test_a_deleted_last_entry_is_caught_by_the_head(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given D's newest entry (a purchase) deleted, which leaves a chain that is valid as far
    as it goes,
    When verified,
    Then the member item's journal_seq/journal_head expose the missing tail."""
    client, table_name = dynamodb_table
    last = store.get_member("D")
    assert last is not None
    client.delete_item(TableName=table_name, Key=_key("D", last.journal_seq))

    report = verify(store)

    found = _checks(report, "D")
    assert {("head", "journal_seq"), ("head", "journal_head"), ("balance", "locked")} <= found
    assert ("chain", "journal") not in found


def test_a_changed_balance_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given C's stored available raised by 1.00 in the raw table (journal untouched),
    When verified,
    Then C's available, the statistics identity and circulating all mismatch, by that amount."""
    before = store.get_member("C")
    assert before is not None
    _raw_add(dynamodb_table, _account("C"), "available", 100)

    report = verify(store)

    balance = next(m for m in report.mismatches if (m.check, m.subject) == ("balance", "C"))
    assert (balance.account, _cents(balance.found) - _cents(balance.expected)) == (
        "available",
        100,
    )
    assert ("statistics", "released") in _checks(report, "C")
    assert any(m.check == "circulating" for m in report.mismatches)
    assert ("zero_sum", "points") in _checks(report, "stored")
    assert not any(m.check == "chain" for m in report.mismatches)


def test_a_changed_system_total_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given one shard of the platform totals with its platform cash raised in the raw table,
    When verified,
    Then the platform account (the sum over shards) mismatches."""
    client, table_name = dynamodb_table
    shard = next(
        key
        for key in (f"SYS#{n:03d}" for n in range(32))
        if "Item" in client.get_item(TableName=table_name, Key=_sys(key))
    )
    _raw_add(dynamodb_table, _sys(shard), "platform", 1)

    report = verify(store)

    assert ("system", "platform") in _checks(report, "@system")


def test_a_changed_statistic_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given A's stored transferred_in raised in the raw table (no balance touched),
    When verified,
    Then the replayed counter and the released identity both disagree, and nothing else."""
    _raw_add(dynamodb_table, _account("A"), "transferred_in", 7)

    report = verify(store)

    assert {(m.check, m.subject, m.account) for m in report.mismatches} == {
        ("statistics", "A", "transferred_in"),
        ("statistics", "A", "released"),
    }


def test_a_deleted_member_item_is_caught(store: LedgerStore, dynamodb_table: Table) -> None:
    """Given E's member item deleted while its journal and postings remain,
    When verified,
    Then E is reported as missing and circulating no longer adds up."""
    client, table_name = dynamodb_table
    client.delete_item(TableName=table_name, Key=_account("E"))

    report = verify(store)

    assert {m.detail for m in report.mismatches if m.subject == "E"} == {
        "postings name it",
        "it has journal entries",
    }
    assert any(m.check == "circulating" for m in report.mismatches)


def test_cli_exit_codes(
    store: LedgerStore,
    dynamodb_endpoint: str,
    dynamodb_table: Table,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given the clean history behind JIFEN_DYNAMODB_ENDPOINT,
    When `jifen verify` runs before and after tampering, and with no endpoint or table,
    Then it exits 0 when clean, 1 on a mismatch, 2 when it cannot audit."""
    _, table_name = dynamodb_table
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.delenv("JIFEN_USE_AWS", raising=False)
    monkeypatch.delenv("JIFEN_TABLE_NAME", raising=False)

    assert main(["verify", "--table", table_name]) == 0
    assert "OK" in capsys.readouterr().out

    monkeypatch.setenv("JIFEN_TABLE_NAME", table_name)
    assert main(["verify", "--json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert (clean["ok"], clean["mismatches"]) == (True, [])

    _raw_add(dynamodb_table, _account("A"), "commission", 1)
    assert main(["verify", "--json"]) == 1
    dirty = json.loads(capsys.readouterr().out)
    assert {
        "check": "balance",
        "subject": "A",
        "account": "commission",
        "expected": clean_commission(store, "A", minus=1),
        "found": clean_commission(store, "A"),
        "detail": "",
    } in dirty["mismatches"]
    assert main(["verify"]) == 1
    assert "MISMATCH" in capsys.readouterr().out

    assert main(["verify", "--table", "no-such-table"]) == 2
    assert "no table" in capsys.readouterr().err

    monkeypatch.delenv("JIFEN_DYNAMODB_ENDPOINT")
    assert main(["verify"]) == 2
    assert "JIFEN_DYNAMODB_ENDPOINT" in capsys.readouterr().err

    monkeypatch.delenv("JIFEN_TABLE_NAME")
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    assert main(["verify"]) == 2
    assert "--table" in capsys.readouterr().err


def clean_commission(store: LedgerStore, member: str, *, minus: int = 0) -> str:
    record = store.get_member(member)
    assert record is not None
    cents = record.commission - minus
    return f"{cents // 100}.{cents % 100:02d}"


# -- forgeries by someone who can write the table (but holds no chain key) -------------------


def _canonical(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _published_rehash(item: dict[str, Any], prev_hash: str) -> str:
    """The hash an attacker computes from the documented entry format, without any key."""
    body: dict[str, object] = {
        "member": item["member"]["S"],
        "seq": int(item["seq"]["N"]),
        "event_key": item["event_key"]["S"],
        "kind": item["entry_kind"]["S"],
        "postings": item["postings"]["S"],
        "details": item["details"]["S"],
        "at": int(item["at"]["N"]),
    }
    if "key_id" in item:
        body["key_id"] = item["key_id"]["S"]
    return hashlib.sha256((prev_hash + "\n" + _canonical(body)).encode("utf-8")).hexdigest()


def _rewrite_chain_from(client: Any, table_name: str, member: str, seq: int) -> None:
    """Re-hash ``member``'s entries from ``seq`` on and point the member's head at the last."""
    pages = client.get_paginator("query").paginate(
        TableName=table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :j)",
        ExpressionAttributeValues={":pk": {"S": f"M#{member}"}, ":j": {"S": "J#"}},
    )
    items = sorted(
        (item for page in pages for item in page["Items"]), key=lambda i: int(i["seq"]["N"])
    )
    prev = items[seq - 2]["hash"]["S"] if seq > 1 else ""
    for item in items[seq - 1 :]:
        digest = _published_rehash(item, prev)
        client.update_item(
            TableName=table_name,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="SET prev_hash = :p, #h = :h",
            ExpressionAttributeNames={"#h": "hash"},
            ExpressionAttributeValues={":p": {"S": prev}, ":h": {"S": digest}},
        )
        prev = digest
    client.update_item(
        TableName=table_name,
        Key=_account(member),
        UpdateExpression="SET journal_head = :h",
        ExpressionAttributeValues={":h": {"S": prev}},
    )


def test_forgery_rewritten_and_rehashed_history_is_caught(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given D's 3.00 goodwill adjustment rewritten in the raw table as 1003.00 (1000.00 points
    minted), every later entry of D re-hashed with the published algorithm, D's head, balance
    and statistics and the platform totals raised to match, so every sum agrees,
    When verified,
    Then the keyed chain exposes the rewritten entry (nobody without the key can re-hash)."""
    client, table_name = dynamodb_table
    seq = next(e.seq for e in store.journal("D") if e.event_key == "adj-1")
    minted = 100_000
    postings = [["@system", "issuance", -(300 + minted)], ["D", "available", 300 + minted]]
    details = json.loads(next(e.details for e in store.journal("D") if e.seq == seq))
    details["delta"] = "1003.00"
    client.update_item(
        TableName=table_name,
        Key=_key("D", seq),
        UpdateExpression="SET postings = :p, details = :d",
        ExpressionAttributeValues={
            ":p": {"S": json.dumps(postings, separators=(",", ":"))},
            ":d": {"S": _canonical(details)},
        },
    )
    _rewrite_chain_from(client, table_name, "D", seq)
    client.update_item(
        TableName=table_name,
        Key=_account("D"),
        UpdateExpression="ADD available :m, adjusted :m",
        ExpressionAttributeValues={":m": {"N": str(minted)}},
    )
    client.update_item(
        TableName=table_name,
        Key=_sys("SYS#000"),
        UpdateExpression="ADD issuance :burn, circulating :m",
        ExpressionAttributeValues={":burn": {"N": str(-minted)}, ":m": {"N": str(minted)}},
    )
    forged = store.get_member("D")
    assert forged is not None
    assert forged.available >= minted

    report = verify(store)

    assert not report.ok
    assert {(m.check, m.subject) for m in report.mismatches} == {("chain", "D")}
    assert f"entry {seq} was altered (hash mismatch)" in {m.detail for m in report.mismatches}


def test_forgery_raised_net_of_an_approved_withdrawal_is_caught(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given the approved withdrawal of C whose item's net was raised in the raw table to 24.25
    (the next payout report would pay it),
    When verified,
    Then the item disagrees with the journal entry that created it, on net only."""
    client, table_name = dynamodb_table
    request_id = request_id_for("w-approved")
    before = store.get_withdrawal(request_id)
    assert before is not None
    assert before.status == "approved"
    client.update_item(
        TableName=table_name,
        Key={"pk": {"S": f"W#{request_id}"}, "sk": {"S": "W"}},
        UpdateExpression="SET net = :n",
        ExpressionAttributeValues={":n": {"N": "2425"}},
    )

    report = verify(store)

    assert not report.ok
    assert [(m.check, m.subject, m.account, m.found) for m in report.mismatches] == [
        ("withdrawal", request_id, "net", "24.25")
    ]
    assert report.mismatches[0].expected == clean_cents(before.net)


def test_forgery_deleted_idempotency_record_and_replay_is_caught(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given a 10.00 transfer from C to E, then its idempotency record deleted in the raw table
    and the very same request sent again (so 10.00 moves twice, books still balanced),
    When verified,
    Then the two entries sharing one event key, and the entry left without its record,
    are reported."""
    client, table_name = dynamodb_table
    ledger = Ledger(store, _plan(), clock=itertools.count(10_000).__next__)
    ledger.transfer(Transfer("C", "E", _cents("10")), "t-twice")
    client.delete_item(TableName=table_name, Key={"pk": {"S": "IDEM#t-twice"}, "sk": {"S": "IDEM"}})
    ledger.transfer(Transfer("C", "E", _cents("10")), "t-twice")
    twice = [e for e in store.journal("C") if e.event_key == "t-twice"]
    assert len(twice) == 2

    report = verify(store)

    assert not report.ok
    checks = {(m.check, m.subject) for m in report.mismatches}
    assert ("event_key", "t-twice") in checks
    assert ("idempotency", f"C#{twice[0].seq}") in checks
    assert {m.check for m in report.mismatches} == {"event_key", "idempotency"}


def clean_cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def test_other_item_forgeries_are_caught_and_legitimate_extras_are_not(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given, in the raw table: the approved request moved to `batched` (legitimate: no entry of
    its own), the pending request marked approved, an order pointed at another purchase's key,
    an idempotency record naming no entry, and the bot's and notifier's own records,
    When verified,
    Then exactly the three forgeries are reported, each under its check."""
    client, table_name = dynamodb_table

    def set_item(pk: str, sk: str, name: str, value: str) -> None:
        client.update_item(
            TableName=table_name,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            UpdateExpression="SET #n = :v",
            ExpressionAttributeNames={"#n": name},
            ExpressionAttributeValues={":v": {"S": value}},
        )

    approved, pending = request_id_for("w-approved"), request_id_for("w-pending")
    set_item(f"W#{approved}", "W", "status", "batched")
    set_item(f"W#{pending}", "W", "status", "approved")
    set_item("ORDER#o-late", "ORDER", "event_key", "p-0")
    for key in ("forged", "tg-update:7", "notify:settlement:2026-01-01:A"):
        client.put_item(
            TableName=table_name,
            Item={
                "pk": {"S": f"IDEM#{key}"},
                "sk": {"S": "IDEM"},
                "kind": {"S": "idempotency"},
                "result": {"S": "{}"},
                "created_at": {"N": "1"},
            },
        )

    report = verify(store)

    late = next(e for e in store.journal("D") if e.event_key == "p-late")
    assert {(m.check, m.subject, m.account) for m in report.mismatches} == {
        ("withdrawal", pending, "status"),
        ("order", "o-late", "order"),
        ("order", "o-late", "member"),
        ("order", f"D#{late.seq}", "item"),
        ("idempotency", "forged", "entry"),
    }


def _keys(*ids: str) -> dict[str, bytes]:
    return {key_id: hashlib.sha256(key_id.encode()).digest() for key_id in ids}


def test_rotation_keeps_old_entries_verifiable(
    dynamodb_endpoint: str, dynamodb_table: Table
) -> None:
    """Given entries MACed under k1, then the keyring rotated to k2 (k1 kept) and more entries,
    When verified with both keys,
    Then everything is clean, each chain spans both keys, and no key is in the table;
    When verified with a keyring that lost k1,
    Then exactly the k1 entries are reported as unverifiable, and nothing else."""
    client, table_name = dynamodb_table
    keys = _keys("k1", "k2")
    store = dynamodb_ledger(table_name, dynamodb_endpoint, keyring=Keyring.of(keys, "k1"))
    clock = itertools.count(1).__next__
    ledger = Ledger(store, _plan(), clock=clock)
    ledger.join(Join("A", None), "j-a")
    ledger.join(Join("B", "A"), "j-b")
    ledger.purchase(Purchase("B", "o-1", _cents("200")), "p-1")
    ledger.adjust("A", _cents("50"), "welcome", "adj-a", operator="ops")
    under_k1 = [e.member for name in "AB" for e in store.journal(name)]

    store = dynamodb_ledger(table_name, dynamodb_endpoint, keyring=Keyring.of(keys, "k2"))
    ledger = Ledger(store, _plan(), clock=clock)
    ledger.transfer(Transfer("A", "B", _cents("20")), "t-1")
    ledger.purchase(Purchase("B", "o-2", _cents("100")), "p-2")

    report = verify(store)
    assert report.ok, report.render()
    assert {e.key_id for e in store.journal("A")} == {"k1", "k2"}
    assert {e.key_id for e in store.journal("B")} == {"k1", "k2"}
    raw = json.dumps(client.scan(TableName=table_name)["Items"])
    assert not any(key.hex() in raw for key in keys.values())

    lost_k1 = dynamodb_ledger(
        table_name, dynamodb_endpoint, keyring=Keyring.of({"k2": keys["k2"]}, "k2")
    )
    report = verify(lost_k1)
    assert {m.check for m in report.mismatches} == {"chain_key"}
    assert sorted(m.subject for m in report.mismatches) == sorted(under_k1)
    assert all("'k1'" in m.detail for m in report.mismatches)


def test_cli_needs_the_writers_chain_key(
    store: LedgerStore,
    dynamodb_endpoint: str,
    dynamodb_table: Table,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    """Given the clean history behind JIFEN_DYNAMODB_ENDPOINT,
    When `jifen verify` runs with another key file, with a missing one, and against AWS with
    no chain key parameter,
    Then another key makes every chain fail (exit 1), and no key at all cannot audit (exit 2)
    without creating a key file."""
    _, table_name = dynamodb_table
    monkeypatch.setenv("JIFEN_DYNAMODB_ENDPOINT", dynamodb_endpoint)
    monkeypatch.delenv("JIFEN_USE_AWS", raising=False)
    monkeypatch.delenv("JIFEN_CHAIN_KEY_PARAM", raising=False)
    other = tmp_path / "other-keys.json"
    other.write_text(Keyring.of(_keys("k1"), "k1").key_set().to_text())

    monkeypatch.setenv("JIFEN_CHAIN_KEY_FILE", str(other))
    assert main(["verify", "--table", table_name, "--json"]) == 1
    found = json.loads(capsys.readouterr().out)["mismatches"]
    assert {m["check"] for m in found} == {"chain"}
    assert {m["subject"] for m in found} == {"A", "B", "C", "D", "E"}

    missing = tmp_path / "none.json"
    monkeypatch.setenv("JIFEN_CHAIN_KEY_FILE", str(missing))
    assert main(["verify", "--table", table_name]) == 2
    assert "no chain key file" in capsys.readouterr().err
    assert not missing.exists()

    monkeypatch.delenv("JIFEN_DYNAMODB_ENDPOINT")
    monkeypatch.setenv("JIFEN_USE_AWS", "1")
    assert main(["verify", "--table", table_name]) == 2
    assert "JIFEN_CHAIN_KEY_PARAM" in capsys.readouterr().err


def test_inbox_references_deleted_raised_or_invented_are_caught(
    store: LedgerStore, dynamodb_table: Table
) -> None:
    """Given, in the raw table: E's reference to B's transfer deleted, A's commission reference
    to B's purchase raised, and a reference for D to an entry that never touched D,
    When verified,
    Then each is reported under check ``inbox`` (and nothing else is)."""
    client, table_name = dynamodb_table
    transfer = next(e for e in store.journal("B") if e.kind == "transfer")
    purchase = next(e for e in store.journal("B") if e.kind == "purchase")
    [to_e] = [r for r in store.inbox_page("E", limit=50) if r.seq == transfer.seq]
    [to_a] = [
        r for r in store.inbox_page("A", limit=50) if r.source == "B" and r.seq == purchase.seq
    ]

    def ref_key(member: str, at: int, source: str, seq: int) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"M#{member}"}, "sk": {"S": f"IN#{at:020d}#{source}#{seq:012d}"}}

    client.delete_item(TableName=table_name, Key=ref_key("E", to_e.at, "B", transfer.seq))
    _raw_add(dynamodb_table, ref_key("A", to_a.at, "B", purchase.seq), "commission", 100)
    invented = ref_key("D", transfer.at, "B", transfer.seq)
    client.put_item(
        TableName=table_name,
        Item={
            **invented,
            "kind": {"S": "inbox"},
            "member": {"S": "D"},
            "at": {"N": str(transfer.at)},
            "source": {"S": "B"},
            "entry_seq": {"N": str(transfer.seq)},
            "entry_kind": {"S": "transfer"},
            "available": {"N": "500"},
        },
    )

    report = verify(store)

    assert {(m.check, m.subject, m.account) for m in report.mismatches} == {
        ("inbox", f"E<-B#{transfer.seq}", "reference"),
        ("inbox", f"A<-B#{purchase.seq}", "commission"),
        ("inbox", f"D<-B#{transfer.seq}", "entry"),
    }
