"""Powertools logger, tracer and metrics: one instance each per process.

Every Lambda entry point decorates with these, so logs are structured JSON
with the invocation's request id, traces go to X-Ray, and metrics land in
the ``Jifen`` CloudWatch namespace as embedded-metric-format log lines
(no PutMetricData calls, no extra latency). The service name comes from
``POWERTOOLS_SERVICE_NAME`` (the template sets it); outside Lambda the tracer
switches itself off, so importing this module is cheap and side-effect free.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "Jifen"
"""CloudWatch namespace of every business metric (counts only: money is never a float)."""

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)

__all__ = ["NAMESPACE", "logger", "metrics", "tracer"]
