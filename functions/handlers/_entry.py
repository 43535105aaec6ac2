"""The AWS entry of a scheduled or state-machine step: Powertools around ``handle(runtime, …)``.

Each Lambda module defines ``handle(runtime, event, context)`` (what tests, ``jifen dev``
and the demo call with their own runtime) and exposes ``handler = entry(handle)`` for
AWS, which logs the event, traces, flushes metrics and hands over the container's
runtime (built from the environment on first use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.observability import logger, metrics, tracer
from functions.runtime import Runtime, container_runtime

R = TypeVar("R")
Handle = Callable[[Runtime, dict[str, Any], LambdaContext], R]


def entry(handle: Handle[R], *, cold_start_metric: bool = False) -> Callable[..., R]:
    """``handle`` as a Lambda handler on the container's runtime."""

    @logger.inject_lambda_context(log_event=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=cold_start_metric)
    def handler(event: dict[str, Any], context: LambdaContext) -> R:
        return handle(container_runtime(), event, context)

    handler.__doc__ = f"The AWS entry of :func:`{handle.__name__}` (the container's runtime)."
    return handler
