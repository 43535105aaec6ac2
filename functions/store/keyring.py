"""The journal chain's keys: where they live, how they are read, how they rotate.

The chain is an HMAC (:mod:`functions.store.journal`), so rewriting history
needs a key that is never in the table. A keyring is JSON::

    {"current": "k2", "keys": {"k1": "<64+ hex digits>", "k2": "<64+ hex digits>"}}

New entries are MACed with ``current``; every entry records the id of its key,
so entries made before a rotation stay verifiable as long as their key stays
in the keyring.

Where the JSON comes from:

* AWS: a SecureString SSM parameter (template parameter ``ChainKeyParameter``,
  ``JIFEN_CHAIN_KEY_PARAM``), re-read at most every :data:`SSM_MAX_AGE_S`
  seconds so a rotation reaches warm containers without a deploy;
* locally: a file beside the local state (``var/chain-keys.json``, or
  ``JIFEN_CHAIN_KEY_FILE``), generated with one fresh key on first use, mode 0600;
* tests: :meth:`Keyring.of`.

A store pointed at real AWS with no keyring gets :meth:`Keyring.unconfigured`,
which refuses to MAC anything: a Lambda must never invent a key of its own.

``python -m functions.store.keyring new`` prints a fresh keyring;
``... rotate < old.json`` prints it with a new current key added
(docs/operations.md, "The chain key").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

KEY_FILE_ENV = "JIFEN_CHAIN_KEY_FILE"
DEFAULT_KEY_FILE = Path(__file__).resolve().parents[2] / "var" / "chain-keys.json"
SSM_MAX_AGE_S = 300
"""How long a fetched keyring is trusted (as for the other SSM secrets)."""
MIN_KEY_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class KeyringError(Exception):
    """The keyring is missing, unreadable or malformed (configuration, not data)."""


@dataclass(frozen=True, slots=True)
class KeySet:
    """One parsed keyring document."""

    current: str
    keys: Mapping[str, bytes]

    def to_text(self) -> str:
        return json.dumps(
            {"current": self.current, "keys": {k: v.hex() for k, v in sorted(self.keys.items())}},
            indent=2,
            sort_keys=True,
        )


def parse_keyring(text: str) -> KeySet:
    """Validate a keyring document: known current id, hex keys of at least 32 bytes."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise KeyringError("the chain keyring is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise KeyringError('the chain keyring must be {"current": id, "keys": {id: hex}}')
    keys: dict[str, bytes] = {}
    for key_id, value in data["keys"].items():
        if not _KEY_ID.fullmatch(key_id):
            raise KeyringError(f"bad chain key id {key_id!r} (letters, digits, _ . -; 1-32)")
        try:
            key = bytes.fromhex(str(value))
        except ValueError:
            raise KeyringError(f"chain key {key_id!r} is not hex") from None
        if len(key) < MIN_KEY_BYTES:
            raise KeyringError(f"chain key {key_id!r} is shorter than {MIN_KEY_BYTES} bytes")
        keys[key_id] = key
    current = data.get("current")
    if not isinstance(current, str) or current not in keys:
        raise KeyringError(f"the chain keyring's current key {current!r} is not in its keys")
    return KeySet(current, keys)


def new_key_set(key_id: str = "k1") -> KeySet:
    return KeySet(key_id, {key_id: secrets.token_bytes(MIN_KEY_BYTES)})


def rotated(keys: KeySet, key_id: str | None = None) -> KeySet:
    """``keys`` plus a fresh key made current; old keys stay (their entries stay verifiable)."""
    if key_id is None:
        taken = {int(k[1:]) for k in keys.keys if re.fullmatch(r"k\d+", k)}
        key_id = f"k{max(taken, default=0) + 1}"
    if key_id in keys.keys or not _KEY_ID.fullmatch(key_id):
        raise KeyringError(f"cannot add chain key {key_id!r}: taken or malformed")
    return KeySet(key_id, {**keys.keys, key_id: secrets.token_bytes(MIN_KEY_BYTES)})


class Keyring:
    """The chain keys the store MACs with and the audit verifies with.

    ``load`` returns the keyring document each time it is asked (sources cache
    as they see fit); the parsed form is kept while the text is unchanged.
    """

    def __init__(self, load: Callable[[], str], source: str) -> None:
        self._load = load
        self.source = source
        self._lock = threading.Lock()
        self._parsed: tuple[str, KeySet] | None = None

    def key_set(self) -> KeySet:
        text = self._load()
        with self._lock:
            if self._parsed is None or self._parsed[0] != text:
                self._parsed = (text, parse_keyring(text))
            return self._parsed[1]

    def current(self) -> tuple[str, bytes]:
        """``(key id, key)`` new entries are MACed with."""
        keys = self.key_set()
        return keys.current, keys.keys[keys.current]

    def key(self, key_id: str) -> bytes | None:
        """The key an entry names, or None when this keyring lacks it."""
        return self.key_set().keys.get(key_id)

    # -- sources -----------------------------------------------------------
    @classmethod
    def of(cls, keys: Mapping[str, bytes], current: str) -> Keyring:
        """A fixed keyring (tests, tools)."""
        text = KeySet(current, dict(keys)).to_text()
        parse_keyring(text)
        return cls(lambda: text, "given")

    @classmethod
    def local_file(cls, path: Path | None = None, *, create: bool = True) -> Keyring:
        """The local key file, created with one fresh key (mode 0600) when absent, unless
        ``create`` is False (the audit: a new key would only make every entry look forged)."""
        where = path or default_key_file()
        cache: list[str] = []

        def load() -> str:
            if not cache:
                if not create and not where.exists():
                    raise KeyringError(f"no chain key file at {where} (the writers' keyring)")
                cache.append(_read_or_create(where))
            return cache[0]

        return cls(load, f"file {where}")

    @classmethod
    def ssm(cls, parameter: str, fetch: Callable[[str], str]) -> Keyring:
        """A SecureString parameter; ``fetch(name)`` returns its decrypted value."""
        return cls(lambda: fetch(parameter), f"SSM parameter {parameter}")

    @classmethod
    def unconfigured(cls, why: str) -> Keyring:
        """A keyring that refuses every use, saying ``why``."""

        def load() -> str:
            raise KeyringError(why)

        return cls(load, "none")


def default_key_file() -> Path:
    override = os.environ.get(KEY_FILE_ENV)
    return Path(override) if override else DEFAULT_KEY_FILE


def default_keyring(host: str | None) -> Keyring:
    """What a store gets when none is given: the local key file for a local endpoint."""
    if host is None:
        return Keyring.unconfigured(
            "no chain key: set JIFEN_CHAIN_KEY_PARAM to the SSM SecureString holding the "
            "keyring (docs/operations.md, 'The chain key')"
        )
    return Keyring.local_file()


def _read_or_create(path: Path) -> str:
    """Read the key file; if absent, create it atomically so concurrent first uses agree."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".chain-keys-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_key_set().to_text())
        with contextlib.suppress(FileExistsError):  # another process won: use its keys
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text(encoding="utf-8")


def ssm_fetcher(region: str, max_age_s: float = SSM_MAX_AGE_S) -> Callable[[str], str]:
    """Decrypted SSM parameter values, cached per name for ``max_age_s`` seconds."""
    lock = threading.Lock()
    cache: dict[str, tuple[float, str]] = {}
    clients: list[object] = []

    def fetch(name: str) -> str:
        with lock:
            hit = cache.get(name)
            if hit is not None and time.monotonic() - hit[0] < max_age_s:
                return hit[1]
            if not clients:
                import boto3  # type: ignore[import-untyped,unused-ignore]

                clients.append(boto3.client("ssm", region_name=region))
            client = clients[0]
            answer = client.get_parameter(Name=name, WithDecryption=True)  # type: ignore[attr-defined]
            value = str(answer["Parameter"]["Value"])
            cache[name] = (time.monotonic(), value)
            return value

    return fetch


def main(argv: Sequence[str] | None = None) -> int:
    """``new``: print a fresh keyring; ``rotate``: read one on stdin, print it rotated."""
    parser = argparse.ArgumentParser(prog="python -m functions.store.keyring")
    parser.add_argument("action", choices=["new", "rotate"])
    parser.add_argument("--id", help="id of the new key (default k1, or the next kN)")
    args = parser.parse_args(argv)
    try:
        keys = (
            new_key_set(args.id or "k1")
            if args.action == "new"
            else rotated(parse_keyring(sys.stdin.read()), args.id)
        )
    except KeyringError as exc:
        print(f"keyring: {exc}", file=sys.stderr)
        return 2
    print(keys.to_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
