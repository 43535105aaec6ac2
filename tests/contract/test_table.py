"""The table port's contract: what both adapters accept, refuse and return, exactly alike.

Each case runs on the in-memory twin and on DynamoDB (the local endpoint), so the twin
the fast tests use cannot drift from the wire: conditions (including comparisons with
a missing attribute), all-or-nothing transactions that name their failed items,
request tokens, updates that create, key order, prefixes, bounds, limits and the index.
"""

from __future__ import annotations

import contextlib

import pytest

from functions.store.settlement_store import SequenceStatus
from functions.store.table import (
    Absent,
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Exists,
    HasAttr,
    Item,
    Key,
    LacksAttr,
    Put,
    Table,
    TransactionCancelled,
    TransactItem,
    Update,
    Value,
    all_of,
    any_of,
    eq,
)
from functions.store.table import Compare as Cmp

A = Key("P#1", "A")
B = Key("P#1", "B")


def item(key: Key, **attributes: Value) -> Item:
    return {"pk": key.pk, "sk": key.sk, "kind": "test", **attributes}


def test_put_then_get_returns_every_value_type_exactly(table: Table) -> None:
    # Given an item holding every kind of value we store
    stored = item(
        A,
        text="积分 ✓",
        cents=12_345_678_901_234,
        negative=-5,
        flag=True,
        blob=b"\x00\xff",
        nothing=None,
        grants=[{"seq": 1, "order": "o-1", "remaining": 7446}],
        nested={"a": [1, "two"]},
    )
    # When it is put and read back, alone and by the bulk reads (whose answers the
    # DynamoDB adapter parses itself)
    table.write(Put(stored))
    # Then every value comes back with its type (integers as int, never float/Decimal)
    assert table.get(A) == stored
    assert table.get(B) is None
    assert table.batch_get([A, B]) == [stored]
    assert list(table.query(A.pk)) == [stored]
    assert list(table.scan(["test"])) == [stored]


def test_a_put_that_must_create_refuses_an_existing_item(table: Table) -> None:
    # Given an item
    table.write(Put(item(A, n=1)))
    # When it is put again on condition that it is absent
    with pytest.raises(ConditionFailed):
        table.write(Put(item(A, n=2), Absent()))
    # Then it is unchanged
    assert table.get(A) == item(A, n=1)


def test_updates_add_set_and_remove_and_create_the_item(table: Table) -> None:
    # Given no item
    # When an update adds and sets
    table.write(Update(A, set={"status": "open", "gone": "x"}, add={"n": 5}))
    table.write(Update(A, set={"gone": None}, add={"n": -2, "m": 1}))
    # Then the item exists with the sums, and the removed attribute is gone
    assert table.get(A) == {"pk": A.pk, "sk": A.sk, "status": "open", "n": 3, "m": 1}


def test_an_update_that_requires_the_item_does_not_create_it(table: Table) -> None:
    with pytest.raises(ConditionFailed):
        table.write(Update(A, add={"n": 1}, condition=Exists()))
    assert table.get(A) is None


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (eq("n", 5), True),
        (eq("n", 6), False),
        (eq("n", "5"), False),  # a number never equals a string
        (Cmp("n", ">=", 5), True),
        (Cmp("n", "<", 5), False),
        (Cmp("s", "<", "b"), True),
        (Cmp("missing", "<", 10), False),  # a comparison with a missing attribute is false
        (Cmp("missing", "<>", 10), False),
        (Cmp("n", "<>", 4), True),
        (HasAttr("s"), True),
        (LacksAttr("s"), False),
        (LacksAttr("missing"), True),
        (any_of(LacksAttr("settled_seq"), Cmp("settled_seq", "<", 3)), True),
        (all_of(Exists(), eq("n", 5), Cmp("s", "=", "a")), True),
        (all_of(Exists(), eq("n", 5), Cmp("s", "=", "z")), False),
    ],
)
def test_conditions_evaluate_alike(table: Table, condition: Condition, holds: bool) -> None:
    # Given an item n=5, s="a"
    table.write(Put(item(A, n=5, s="a")))
    # When an update is conditioned on it
    write = Update(A, add={"hits": 1}, condition=condition)
    if holds:
        table.write(write)
    else:
        with pytest.raises(ConditionFailed):
            table.write(write)
    # Then it applied exactly when the condition holds
    found = table.get(A)
    assert found is not None
    assert found.get("hits", 0) == (1 if holds else 0)


def test_a_transaction_is_all_or_nothing_and_names_what_failed(table: Table) -> None:
    # Given A with 10 and B with 1
    table.write(Put(item(A, balance=10)))
    table.write(Put(item(B, balance=1)))
    # When a transaction moves 5 from both (B's guard fails) and creates C
    c = Key("P#2", "C")
    with pytest.raises(TransactionCancelled) as cancelled:
        table.transact(
            [
                Update(A, add={"balance": -5}, condition=Cmp("balance", ">=", 5), label="a"),
                Update(B, add={"balance": -5}, condition=Cmp("balance", ">=", 5), label="b"),
                Put(item(c), Absent(), "c"),
            ]
        )
    # Then only B is named, and nothing was written
    assert [(reason.label, reason.code) for reason in cancelled.value.reasons] == [
        ("b", "ConditionalCheckFailed")
    ]
    assert table.get(A) == item(A, balance=10)
    assert table.get(c) is None


def test_a_check_guards_a_transaction_without_writing(table: Table) -> None:
    gate = Key("SETTLE#SEQ", "SEQ")
    table.write(Put(item(gate, status="open")))
    with pytest.raises(TransactionCancelled) as cancelled:
        table.transact(
            [
                Check(gate, any_of(Absent(), eq("status", "done")), "gate"),
                Update(A, add={"n": 1}, label="a"),
            ]
        )
    assert [reason.label for reason in cancelled.value.reasons] == ["gate"]
    assert table.get(A) is None
    table.write(Update(gate, set={"status": "done"}))
    table.transact([Check(gate, eq("status", "done"), "gate"), Update(A, add={"n": 1})])
    assert table.get(A) == {"pk": A.pk, "sk": A.sk, "n": 1}


def test_a_repeated_request_is_never_applied_twice(table: Table) -> None:
    """DynamoDB (and the twin) answer a repeat with the same token as a success without
    applying it again; the local endpoint ignores tokens, and the transaction's own
    put-if-absent refuses the repeat. Either way: applied once. Every event transaction
    carries such a put (its journal entry at seq + 1), so the ledger relies on that."""
    # Given a transaction sent with a token (say, its answer was lost)
    writes: list[TransactItem] = [Update(A, add={"n": 1}), Put(item(B, x=1), Absent())]
    table.transact(writes, token="t" * 36)
    # When the same request is sent again with the same token
    with contextlib.suppress(TransactionCancelled):
        table.transact(writes, token="t" * 36)
    # Then it was applied once
    assert table.get(A) == {"pk": A.pk, "sk": A.sk, "n": 1}


def test_one_item_twice_in_a_transaction_is_refused(table: Table) -> None:
    with pytest.raises(ValueError, match=r"twice|multiple|same"):
        table.transact([Update(A, add={"n": 1}), Update(A, add={"m": 1})])
    assert table.get(A) is None


def test_deletes_are_conditional(table: Table) -> None:
    table.write(Put(item(A, result="sending")))
    with pytest.raises(ConditionFailed):
        table.write(Delete(A, eq("result", "sent")))
    table.write(Delete(A, eq("result", "sending")))
    assert table.get(A) is None
    table.write(Delete(A))  # deleting nothing is fine


def test_queries_keep_key_order_prefixes_bounds_and_limits(table: Table) -> None:
    # Given a partition with an account, edges and entries, and another partition
    pk = "M#m1"
    for sk in ("ACCOUNT", "CHILD#002", "CHILD#001", "J#000000000003", "J#000000000001"):
        table.write(Put({"pk": pk, "sk": sk, "kind": "test"}))
    table.write(Put({"pk": "M#m2", "sk": "J#000000000001", "kind": "test"}))

    def sks(
        prefix: str | None = None,
        below: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[str]:
        found = table.query(pk, prefix=prefix, below=below, newest_first=newest_first, limit=limit)
        return [str(entry["sk"]) for entry in found]

    # Then sort keys come in order, prefixes and bounds apply, newest first reverses
    assert sks() == ["ACCOUNT", "CHILD#001", "CHILD#002", "J#000000000001", "J#000000000003"]
    assert sks(prefix="J#") == ["J#000000000001", "J#000000000003"]
    assert sks(prefix="J#", newest_first=True, limit=1) == ["J#000000000003"]
    assert sks(prefix="J#", below="J#000000000003") == ["J#000000000001"]
    assert sks(prefix="J#", below="J#000000000003", newest_first=True, limit=1) == [
        "J#000000000001"
    ]
    assert sks(prefix="CHILD#", limit=1) == ["CHILD#001"]
    assert sks(prefix="X#") == []


def test_the_index_lists_only_items_with_its_keys_in_order(table: Table) -> None:
    for number, (queue, when) in enumerate(
        [("WQ#approved", 3), ("WQ#approved", 1), ("WQ#paid", 2)]
    ):
        key = Key(f"W#{number}", "W")
        table.write(Put(item(key, gsi1pk=queue, gsi1sk=f"{when:020d}#{number}")))
    table.write(Put(item(Key("W#none", "W"))))
    approved = [str(found["pk"]) for found in table.query_index("WQ#approved")]
    assert approved == ["W#1", "W#0"]
    assert [str(found["pk"]) for found in table.query_index("WQ#approved", limit=1)] == ["W#1"]
    before = table.query_index("WQ#approved", below=f"{2:020d}")
    assert [str(found["pk"]) for found in before] == ["W#1"]


def test_an_index_query_can_ask_for_some_attributes_only(table: Table) -> None:
    """Given an indexed item with a list of maps, a number and strings
    When the index is queried for three of its attributes (one absent)
    Then only those present come back, values intact (the compute step's projection)."""
    grants: Value = [{"seq": 1, "remaining": 500, "daily": 12}]
    table.write(
        Put(item(Key("M#a", "ACCOUNT"), gsi1pk="MEMBERS#000", gsi1sk="1#a", grants=grants, n=7))
    )
    (found,) = table.query_index("MEMBERS#000", attributes=("grants", "gsi1sk", "referrer"))
    assert found == {"grants": grants, "gsi1sk": "1#a"}


def test_batches_and_scans(table: Table) -> None:
    # Given 60 items put in one batch call (three requests of 25 on DynamoDB)
    items = [item(Key(f"B#{number:03d}", "X"), n=number) for number in range(60)]
    items.append({"pk": "OTHER", "sk": "X", "kind": "other"})
    table.batch_put(items)
    # When they are read in a batch of 110 keys (two requests) and scanned by kind
    keys = [Key(f"B#{number:03d}", "X") for number in range(55)] + [Key("B#999", "X")]
    found = table.batch_get(keys * 2)
    # Then every existing key comes back once, and the scan filters by kind
    assert sorted(int(str(entry["n"])) for entry in found) == list(range(55))
    assert len(list(table.scan(["test"]))) == 60
    assert [entry["pk"] for entry in table.scan(["other"])] == ["OTHER"]


def test_enum_values_are_stored_as_their_plain_strings(table: Table) -> None:
    # Given an item written with a StrEnum status (how the stores write statuses)
    table.write(Put(item(A, status=SequenceStatus.OPEN)))
    # When it is read back and compared with the plain string
    found = table.get(A)
    # Then it is the plain string, and conditions on the string hold
    assert found is not None
    assert type(found["status"]) is str
    assert found["status"] == "open"
    table.write(Update(A, set={"status": SequenceStatus.DONE}, condition=eq("status", "open")))
    assert table.get(A) == item(A, status="done")
