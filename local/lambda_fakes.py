"""What AWS hands a function, made locally: Lambda contexts and the events of each trigger.

Shared by the tests, ``jifen dev`` (HTTP requests become API Gateway events for the
real handlers) and the demo (scheduler events for the settlement and payout handlers).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "000000000000"
REGION = "us-east-1"


@dataclass
class LambdaContext:
    """The parts of a Lambda context the handlers and Powertools read.

    ``remaining_ms`` is what ``get_remaining_time_in_millis`` answers, fixed (a test
    chooses how much time the invocation has left).
    """

    function_name: str = "jifen-local"
    remaining_ms: int = 60_000
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class CountdownContext(LambdaContext):
    """A context whose remaining time runs down with the wall clock from its creation."""

    deadline_s: float = 0.0

    def __post_init__(self) -> None:
        self.deadline_s = time.time() + self.remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline_s - time.time()) * 1000))


def http_api_event(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What API Gateway (HTTP API, payload 2.0) would hand the function for this request."""
    now = now or dt.datetime.now(dt.UTC)
    split = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    query = {key: ",".join(values) for key, values in parse_qs(split.query).items()}
    try:
        text: str = body.decode("utf-8")
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    path = unquote(split.path) or "/"
    route = "POST /orders" if (method, path) == ("POST", "/orders") else "$default"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": split.query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": joined.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if query:
        event["queryStringParameters"] = query
    if "cookie" in joined:  # HTTP API v2 hands cookies over as a list, not as the header
        event["cookies"] = [
            part.strip() for part in joined.pop("cookie").split(";") if part.strip()
        ]
    if body:
        event["body"] = text
    return event


def sqs_event(bodies: Sequence[Mapping[str, Any] | str]) -> dict[str, Any]:
    """An SQS batch as Lambda delivers it, one record per body (a mapping is sent as JSON)."""
    sent = str(int(time.time() * 1000))
    records = []
    for body in bodies:
        text = (
            body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, sort_keys=True)
        )
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"local-{uuid.uuid4().hex}",
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "jifen-local",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(text.encode("utf-8")).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:jifen-local-notifications",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def scheduled_event(fire: dt.datetime) -> dict[str, Any]:
    """What EventBridge Scheduler hands a function at ``fire`` (a zone-aware time)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT,
        "time": fire.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/jifen"],
        "detail": {},
    }
