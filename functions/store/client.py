"""boto3 DynamoDB clients for AWS or a local endpoint (which get placeholder credentials of
their own, so nothing is ever written to the environment).

Deployed code needs these (the webhook's update leases go through a boto3 client);
starting a local endpoint is local tooling's job (``local/endpoint.py``), which
never ships in a Lambda artifact.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import boto3  # type: ignore[import-untyped,unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = [
    "LOCAL_ACCESS_KEY_ID",
    "LOCAL_REGION",
    "LOCAL_SECRET_ACCESS_KEY",
    "DynamoDBClient",
    "dynamodb_client",
    "local_region",
]

LOCAL_REGION = "us-east-1"
# Dummies: local endpoints accept any credentials.
LOCAL_ACCESS_KEY_ID = "jifen-local"
LOCAL_SECRET_ACCESS_KEY = "jifen-local"


_sessions = threading.local()


def _session() -> Any:
    """One boto3 session per thread: a session loads the service model once (0.15–0.4 s),
    and sessions are not thread-safe; each client stays with its table instance."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = boto3.session.Session()
    return session


def local_region() -> str:
    """The region local clients use; it must agree with other clients' (moto keys tables by it)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION


def dynamodb_client(
    endpoint_url: str | None,
    *,
    region_name: str | None = None,
    max_attempts: int = 3,
    connect_timeout_s: float = 2.0,
    read_timeout_s: float = 10.0,
) -> DynamoDBClient:
    """A boto3 DynamoDB client for ``endpoint_url`` (None: real AWS, standard configuration).

    Local endpoints get dummy credentials, so boto3 never searches for (or sends) real
    ones. Timeouts are short so a dead endpoint fails fast instead of hanging a handler;
    "standard" retries back off on throttling and transient errors. botocore's own check
    of every request against the service model is off: the service checks each request
    again anyway, the store's requests are built by one codec the contract tests cover,
    and the check was the client's largest cost per write (a fifth of a settlement's
    client CPU, bench/local_settle.py under cProfile).
    """
    config = Config(
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        parameter_validation=False,
    )
    if endpoint_url is None:
        client: DynamoDBClient = _session().client(
            "dynamodb", region_name=region_name, config=config
        )
        return client
    local: DynamoDBClient = _session().client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=region_name or local_region(),
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        config=config,
    )
    return local
