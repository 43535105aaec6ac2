"""Lambda entry point of the web side (API Gateway HTTP API, payload v2).

Members' Mini App (``/app``), the operators' console (``/console``), the public board
(``/board``) and their assets (``/static``), routed by Powertools' resolver in
:mod:`web.app`. ``handle(runtime, event, context)`` is what ``jifen dev``, the demo
and the tests call with their own runtime; ``handler`` is the container's entry.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from functions.config import (
    ChainKeySettings,
    MerchantApiSettings,
    NotifySettings,
    PlanSettings,
    ScheduleSettings,
    StoreSettings,
    WebSettings,
)
from functions.observability import logger, metrics, tracer
from functions.runtime import Runtime, container_runtime

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (
        StoreSettings,
        PlanSettings,
        ScheduleSettings,
        ChainKeySettings,
        MerchantApiSettings,
        NotifySettings,
        WebSettings,
    ),
}
"""The settings each entry point reads (template.yaml must set their variables)."""


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route one HTTP request to its page (see :mod:`web.app`)."""
    from web.app import build

    return build(runtime).handle(event, context)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's entry (see :func:`handle`)."""
    return handle(container_runtime(), event, context)
