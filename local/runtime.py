"""Runtimes for local tools: the functions' composition root, on the embedded endpoint if need be.

``jifen dev``, ``jifen bot``, the demo and ``jifen scenario --backend dynamodb`` run on
a :class:`~functions.runtime.Runtime` like the functions do. The only local part is
where DynamoDB is: when the settings name neither an endpoint nor AWS, the embedded
endpoint is started here and handed to the runtime as an explicit endpoint, through the
same resolver the functions use (:func:`functions.runtime.resolve_endpoint`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from functions.config import Settings
from functions.runtime import MetricsSink, Runtime, resolve_endpoint


def with_endpoint(settings: Settings) -> Settings:
    """``settings`` with the DynamoDB endpoint decided: the embedded one when none is named."""
    from local.endpoint import embedded_endpoint

    endpoint = resolve_endpoint(settings.store, embedded=embedded_endpoint)
    if endpoint is None:  # AWS itself
        return settings
    return settings.replace(store={"dynamodb_endpoint": endpoint})


def local_runtime(
    settings: Settings,
    *,
    metrics: MetricsSink | None = None,
    clock: Callable[[], int] | None = None,
) -> Runtime:
    """A runtime on ``settings``, the embedded endpoint standing in for a missing one."""
    return Runtime(with_endpoint(settings), metrics=metrics, clock=clock)


@contextlib.contextmanager
def handler_logs(level: str) -> Iterator[None]:
    """The handlers' Powertools logs at ``level`` while the block runs (local tools keep
    their own output readable; in Lambda the level comes from ``POWERTOOLS_LOG_LEVEL``)."""
    from functions.observability import logger

    before = logger.log_level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
