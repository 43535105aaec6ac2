"""Lambda entry point of the daily proof of liabilities (the settlement state machine's last
state, after ``FinishRun``; or invoked with ``{"date": "YYYY-MM-DD"}`` by hand).

Builds the day from the members if it has no stored day yet, stores it and publishes its
record to the Object Lock bucket (:mod:`functions.services.proofs`). A run settled inline
does the same from the settlement function itself (``after_finish``). It never fails the
execution: a failure is answered ``failed`` with a stable code and counted as
``ProofsFailed``, which raises the proof alarm; ``jifen proof publish DATE`` redoes it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from functions.config import ChainKeySettings, PlanSettings, ProofSettings, StoreSettings
from functions.observability import logger
from functions.runtime import Runtime

from ._entry import entry
from ._events import FinishTask

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (StoreSettings, PlanSettings, ChainKeySettings, ProofSettings),
}
"""The settings each entry point reads (template.yaml must set their variables)."""


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Publish the proof of the date the event names (the finished run's date)."""
    task = parse(event=event, model=FinishTask)
    logger.append_keys(proof_date=task.date)
    outcome = runtime.after_settlement({"date": task.date})
    if outcome["status"] == "failed":
        logger.error("proof not published", extra={"outcome": outcome})
    else:
        logger.info("proof published", extra={"outcome": outcome})
    return outcome


handler = entry(handle)
"""The state machine's ``PublishProof`` state."""
