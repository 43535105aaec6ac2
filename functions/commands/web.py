"""``jifen web``: the web side's maintenance verbs.

* ``index-names``: file every member under their display name (``NAME#…`` items,
  docs/storage.md) for the console's search by name. Registration files each new member;
  this covers members registered before the index existed and any entry a crash between
  the join and the index write lost. It reads the member listing once (the ``gsi1``
  shards, never a scan) and writes one idempotent item per named member: safe to rerun.
"""

from __future__ import annotations

import argparse
import sys

from .proof import _runtime


def index_names(args: argparse.Namespace) -> int:
    """``jifen web index-names [--table T]``."""
    from .existing_table import TargetError

    try:
        runtime = _runtime(args.table)
    except TargetError as exc:
        print(f"jifen web: {exc}", file=sys.stderr)
        return 2
    bot_store = runtime.bot_store
    named = 0
    for record in runtime.ledger.store.iter_members():
        if record.display_name:
            bot_store.index_name(record.member, record.display_name)
            named += 1
    print(f"indexed {named} member names")
    return 0
