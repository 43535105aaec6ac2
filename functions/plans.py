"""The one plan loader: where a plan file is, and reading it into a validated :class:`Plan`.

A relative ``JIFEN_PLAN_PATH`` (the template's ``infra/plans/<name>.yaml``) names a
file shipped beside the code, so it is resolved against the package root rather
than the working directory; command-line arguments are resolved by the command
line itself, against the working directory, before they get here.
"""

from __future__ import annotations

from pathlib import Path

from functions.rewards.plan import Plan, load_plan_text

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""The repository locally; the function's code directory (``/var/task``) in Lambda."""
PLANS_DIR = PACKAGE_ROOT / "infra" / "plans"
"""The preset plans (``dividend``, ``value``, ``commission``, ``demo``)."""


def plan_file(path: Path | str) -> Path:
    """``path`` itself when absolute, else the file of that name inside the package."""
    path = Path(path)
    return path if path.is_absolute() else PACKAGE_ROOT / path


def preset(name: str) -> Path:
    """The preset plan called ``name`` (``infra/plans/<name>.yaml``)."""
    return PLANS_DIR / f"{name}.yaml"


def load_plan(path: Path | str) -> Plan:
    """Read and validate the plan at ``path`` (see :func:`plan_file`).

    Raises :class:`~functions.rewards.plan.PlanError` naming the bad key, or OSError.
    """
    return load_plan_text(plan_file(path).read_text(encoding="utf-8"))
