"""``jifen verify``: audit a live table (balances, totals and hash chains against the journal).

The chains are HMACs, so the audit needs the chain keyring the writers used:
``JIFEN_CHAIN_KEY_PARAM`` (or ``--chain-key-param``) names the SSM SecureString
in AWS; against a local endpoint the local key file is used
(``JIFEN_CHAIN_KEY_FILE``, default ``var/chain-keys.json``). Without a keyring
it cannot audit (exit 2).

Unlike ``scenario``, this verb never starts the embedded endpoint
(:mod:`functions.commands.existing_table` says why). Its parser is in :mod:`functions.cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from functions.services.proofs.audit import ProofAudit
    from functions.store.keyring import Keyring
    from functions.store.storage import Storage

EXIT_CLEAN = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2


def _fail(message: str) -> int:
    print(f"jifen verify: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """Resolve table, endpoint and chain keyring without side effects, then audit and report."""
    from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
        BotoCoreError,
        ClientError,
    )
    from pydantic import ValidationError

    from functions.config import ChainKeySettings
    from functions.runtime import chain_keyring
    from functions.store.keyring import KeyringError

    from .existing_table import TargetError, check_exists, locate

    try:
        target = locate(args.table)
        chain = ChainKeySettings()
    except TargetError as exc:
        return _fail(str(exc))
    except ValidationError as exc:
        return _fail(f"bad JIFEN_* setting: {exc.errors()[0]['msg']}")
    if args.chain_key_param:
        chain = chain.model_copy(update={"chain_key_param": args.chain_key_param})
    keyring = chain_keyring(chain, target.endpoint, target.region, create_local=False)
    try:
        keyring.key_set()
    except KeyringError as exc:
        return _fail(f"cannot verify the chains: {exc}")
    except (BotoCoreError, ClientError) as exc:
        return _fail(f"cannot read the chain keyring ({keyring.source}): {exc}")
    try:
        check_exists(target)
    except TargetError as exc:
        return _fail(str(exc))

    from functions.services.verify import verify
    from functions.store.storage import dynamodb_storage
    from functions.store.table import TableError

    storage = dynamodb_storage(
        target.table, endpoint=target.endpoint, region=target.region, keyring=keyring
    )
    try:
        audit = _proof_audit(storage, keyring, args, target.region)
        ledger = storage.ledger
        report = verify(
            ledger,
            journal=audit.journal(ledger.scan_journal()),
            members=audit.members(ledger.iter_members()),
        )
        audit.finish()
    except (BotoCoreError, ClientError, TableError) as exc:
        return _fail(f"reading {target.table!r} failed: {exc}")
    report.mismatches.extend(audit.mismatches)
    report.notes.extend(audit.notes)
    report.counts.update(proof_days=audit.days_checked, proof_leaves=audit.leaves_checked)
    if audit.days_checked:
        report.notes.append(
            f"proof of liabilities: {audit.days_checked} day(s) rebuilt from their stored "
            f"leaves and compared with the published records ({', '.join(audit.dates)})"
        )
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(report.render())
    return EXIT_CLEAN if report.ok else EXIT_MISMATCH


def _proof_audit(
    storage: Storage, keyring: Keyring, args: argparse.Namespace, region: str
) -> ProofAudit:
    """The proof days to check (``--proofs``), loaded and rebuilt before the ledger pass."""
    import boto3  # type: ignore[import-untyped,unused-ignore]

    from functions.config import ProofSettings
    from functions.runtime import record_publisher
    from functions.services.proofs import ProofService
    from functions.services.proofs.audit import ProofAudit
    from functions.services.proofs.daily import days_to_check

    publisher = record_publisher(ProofSettings(), lambda: boto3.client("s3", region_name=region))
    service = ProofService(storage.ledger, storage.proofs, None, keyring, publisher)
    dates = days_to_check(storage.proofs, args.proofs, [args.proof_date] if args.proof_date else [])
    audit = ProofAudit(service, dates)
    audit.load()
    return audit
