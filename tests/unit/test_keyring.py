"""The chain keyring: documents, sources, rotation, and the MAC it keys."""

from __future__ import annotations

import io
import json
import stat
import threading
from pathlib import Path

import pytest

from functions.store.journal import chain_problems, entry_mac
from functions.store.keyring import (
    Keyring,
    KeyringError,
    default_keyring,
    main,
    new_key_set,
    parse_keyring,
    rotated,
)

K1 = bytes(range(32))
K2 = bytes(range(1, 33))


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not JSON"),
        ('{"current": "k1"}', "must be"),
        ('{"current": "k2", "keys": {"k1": "' + K1.hex() + '"}}', "not in its keys"),
        ('{"current": "k1", "keys": {"k1": "abcd"}}', "shorter than 32 bytes"),
        ('{"current": "k1", "keys": {"k1": "zz"}}', "not hex"),
        ('{"current": "k 1", "keys": {"k 1": "' + K1.hex() + '"}}', "bad chain key id"),
    ],
)
def test_a_malformed_keyring_is_refused_with_the_reason(text: str, complaint: str) -> None:
    # Given a keyring document with one defect
    # When it is parsed
    # Then it is refused, saying what is wrong (and never echoing a key)
    with pytest.raises(KeyringError, match=complaint) as caught:
        parse_keyring(text)
    assert K1.hex() not in str(caught.value)


def test_rotation_adds_a_current_key_and_keeps_the_old_ones() -> None:
    # Given a keyring with k1
    keys = new_key_set()
    # When it is rotated, twice
    once = rotated(keys)
    twice = rotated(once)
    # Then k2 then k3 become current, and every older key is still there, unchanged
    assert (once.current, twice.current) == ("k2", "k3")
    assert twice.keys["k1"] == keys.keys["k1"]
    assert twice.keys["k2"] == once.keys["k2"]
    assert len(set(twice.keys.values())) == 3
    with pytest.raises(KeyringError):
        rotated(twice, "k1")


def test_the_rotate_command_reads_a_keyring_and_prints_it_rotated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a keyring document on stdin
    monkeypatch.setattr("sys.stdin", io.StringIO(Keyring.of({"k1": K1}, "k1").key_set().to_text()))
    # When `python -m functions.store.keyring rotate` runs
    assert main(["rotate"]) == 0
    # Then it prints a valid keyring with k1 kept and a new current key
    printed = parse_keyring(capsys.readouterr().out)
    assert printed.current == "k2"
    assert printed.keys["k1"] == K1


def test_the_local_key_file_is_created_once_private_and_shared(tmp_path: Path) -> None:
    # Given no key file yet
    path = tmp_path / "var" / "chain-keys.json"
    # When eight keyrings on that file are first used at the same moment
    found: list[tuple[str, bytes]] = []
    start = threading.Barrier(8)

    def use() -> None:
        start.wait()
        found.append(Keyring.local_file(path).current())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then one file exists, readable by its owner only, and they all use its one key
    assert len(set(found)) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert found[0] == Keyring.local_file(path).current()
    assert [p.name for p in path.parent.iterdir()] == ["chain-keys.json"]


def test_an_audit_never_creates_a_key_file(tmp_path: Path) -> None:
    # Given no key file
    path = tmp_path / "chain-keys.json"
    # When a non-creating keyring is used
    # Then it refuses and no file appears
    with pytest.raises(KeyringError, match="no chain key file"):
        Keyring.local_file(path, create=False).current()
    assert not path.exists()


def test_aws_without_a_configured_keyring_refuses_to_mac() -> None:
    # Given the keyring a store pointed at real AWS gets when none is given
    keyring = default_keyring(None)
    # When it is asked for the current key
    # Then it refuses, naming the setting to fix
    with pytest.raises(KeyringError, match="JIFEN_CHAIN_KEY_PARAM"):
        keyring.current()


def test_an_ssm_keyring_follows_a_rotation() -> None:
    # Given an SSM keyring whose parameter is rotated between two uses
    values = iter(
        [
            Keyring.of({"k1": K1}, "k1").key_set().to_text(),
            Keyring.of({"k1": K1, "k2": K2}, "k2").key_set().to_text(),
        ]
    )
    asked: list[str] = []

    def fetch(name: str) -> str:
        asked.append(name)
        return next(values)

    keyring = Keyring.ssm("/jifen/test/chain-key", fetch)
    # When it is used before and after
    # Then new entries switch to k2 while k1 stays known
    assert keyring.current() == ("k1", K1)
    assert keyring.current() == ("k2", K2)
    assert asked == ["/jifen/test/chain-key"] * 2


def _entry(key: bytes, key_id: str, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "member": "A",
        "seq": 1,
        "event_key": "j-a",
        "kind": "join",
        "postings": "[]",
        "details": "{}",
        "at": 1,
        "prev_hash": "",
    }
    mac = entry_mac(key, key_id=key_id, **fields)  # type: ignore[arg-type]
    return {**fields, "hash": mac, "key_id": key_id, **changes}


def test_the_mac_depends_on_the_key_and_covers_the_key_id() -> None:
    # Given one entry MACed under k1
    keyring = Keyring.of({"k1": K1, "k2": K2}, "k1")
    entry = _entry(K1, "k1")
    # When it is checked as is, relabelled as k2's, MACed with another key, or unlabelled
    # Then only the genuine one passes
    assert chain_problems([entry], keyring) == []
    assert [p.check for p in chain_problems([{**entry, "key_id": "k2"}], keyring)] == ["chain"]
    assert [p.check for p in chain_problems([_entry(K2, "k1")], keyring)] == ["chain"]
    assert [p.check for p in chain_problems([{**entry, "key_id": ""}], keyring)] == ["chain"]
    assert [p.check for p in chain_problems([_entry(K1, "k9")], keyring)] == ["chain_key"]
    assert json.loads(keyring.key_set().to_text())["current"] == "k1"
