"""``jifen proof``: publish a day's proof of liabilities, export or verify a member's proof.

* ``publish DATE``: build the day from the table (if it has no stored day yet), store it
  and publish its record, exactly as the step after a settlement does. A day can still be
  built until a later settlement moves balances (``proof_too_late``).
* ``member MEMBER [--date DATE]``: print a member's proof file (what ``/proof`` sends).
* ``verify FILE [--record RECORD]``: rebuild both roots from the proof and compare them
  with the published record: the file or URL given, else the one the configured
  publisher holds (the local folder, or ``JIFEN_PROOF_BUCKET``). Needs no table.

The table verbs never start the embedded endpoint (:mod:`functions.commands.existing_table`).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from functions.runtime import Runtime

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"jifen proof: {message}", file=sys.stderr)
    return code


def _runtime(table: str | None) -> Runtime:
    """The runtime of the existing table (settings otherwise from the environment)."""
    from functions.config import Settings
    from functions.runtime import Runtime

    from .existing_table import resolve

    target = resolve(table)
    store: dict[str, Any] = {"table_name": target.table, "region": target.region}
    store["create_table"] = False
    if target.endpoint is None:
        store["use_aws"] = True
    else:
        store["dynamodb_endpoint"] = target.endpoint
    return Runtime(Settings.from_environment().replace(store=store))


def publish(args: argparse.Namespace) -> int:
    """``jifen proof publish DATE``."""
    from functions.proofs.encoding import ProofError, date_bytes
    from functions.services.proofs import RecordConflict

    from .existing_table import TargetError

    try:
        date_bytes(args.date)
        runtime = _runtime(args.table)
    except (ProofError, TargetError) as exc:
        return _fail(str(exc))
    try:
        published = runtime.proofs.publish(args.date)
    except ProofError as exc:
        return _fail(f"{exc.code}: {exc.message}", EXIT_FAILED)
    except RecordConflict as exc:
        return _fail(f"{RecordConflict.code}: {exc}", EXIT_FAILED)
    print(json.dumps(published.as_json(), indent=2))
    return EXIT_OK


def member(args: argparse.Namespace) -> int:
    """``jifen proof member MEMBER``: the proof file on standard output."""
    from functions.proofs.encoding import ProofError

    from .existing_table import TargetError

    try:
        runtime = _runtime(args.table)
        found = runtime.proofs.member_proof(args.member, args.date)
    except TargetError as exc:
        return _fail(str(exc))
    except ProofError as exc:
        return _fail(f"{exc.code}: {exc.message}", EXIT_FAILED)
    if found is None:
        return _fail(f"no published proof holds {args.member!r}", EXIT_FAILED)
    sys.stdout.write(found.document.decode("utf-8"))
    return EXIT_OK


def _load(where: str) -> Any:
    if where.startswith(("https://", "http://")):
        with urllib.request.urlopen(where, timeout=30) as response:
            return json.loads(response.read())
    return json.loads(Path(where).read_text(encoding="utf-8"))


def _published_record(name: str) -> tuple[Any, str] | None:
    """The record the configured publisher holds under ``name`` (folder or bucket)."""
    from functions.config import Settings
    from functions.runtime import Runtime

    runtime = Runtime(Settings.from_environment())
    body = runtime.record_publisher.read(name)
    return (json.loads(body), runtime.record_publisher.location(name)) if body else None


def verify(args: argparse.Namespace) -> int:
    """``jifen proof verify FILE``: exit 0 when the proof holds against the published root."""
    from functions.proofs.documents import verify_proof
    from functions.proofs.encoding import ProofError
    from functions.rewards.money import format_cents

    try:
        proof = _load(args.file)
        if args.record:
            record, source = _load(args.record), args.record
        else:
            found = _published_record(str(proof.get("record", "")))
            if found is None:
                return _fail(
                    f"no published record {proof.get('record')!r} here: give it with --record "
                    "FILE or URL (the board lists every day's record)"
                )
            record, source = found
    except (OSError, ValueError, AttributeError) as exc:
        return _fail(f"cannot read: {exc}")
    try:
        shown = verify_proof(proof, record)
    except ProofError as exc:
        print(f"FAILED ({exc.code}): {exc.message}")
        return EXIT_FAILED
    print(
        f"OK: {shown.member}'s {format_cents(shown.points)} points are included in the "
        f"{format_cents(shown.points_total)} published for {shown.date} "
        f"({shown.members} members, root {shown.root_hash}, record {source})"
    )
    return EXIT_OK
