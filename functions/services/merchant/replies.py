"""How the merchant API answers: a status and a JSON body, refusals with a stable code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status, JSON body and extra headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """A refused request: ``{"error": {"code", "message"[, "field"]}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field_name = field_name
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        error: dict[str, str] = {"code": self.code, "message": self.message}
        if self.field_name is not None:
            error["field"] = self.field_name
        return Reply(self.status, {"error": error}, self.headers)


def error_reply(status: int, code: str, message: str) -> Reply:
    return ApiError(status, code, message).reply()


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic validation error as the reply's message (no library jargon)."""
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "string_type":
        return 'must be a string (amounts are strings like "12.34")'
    return str(error["msg"]).removeprefix("Value error, ")
