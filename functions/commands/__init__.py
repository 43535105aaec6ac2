"""``jifen`` sub-commands beyond scenario/demo, one module each.

Each module in :data:`MODULES` exposes ``register(commands)``, adding its
parser to the ``argparse`` sub-parsers and setting ``handler`` (a function of
the parsed namespace returning the exit code). Modules are imported lazily by
name so a verb's heavy dependencies load only when it is used.
"""

from __future__ import annotations

MODULES: tuple[str, ...] = (
    "functions.commands.verify",
    "functions.commands.settlement",
    "functions.commands.bot",
    "functions.commands.dev",
)
