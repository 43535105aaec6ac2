"""Who sent a merchant request: the HMAC signature, the clock window, and refusals as replies."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from .directory import Merchant, MerchantDirectory
from .replies import ApiError

MERCHANT_HEADER = "x-jifen-merchant"
TIMESTAMP_HEADER = "x-jifen-timestamp"
SIGNATURE_HEADER = "x-jifen-signature"
DEFAULT_TOLERANCE_S = 300
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{64}")


def sign(key: bytes | str, timestamp: str, body: bytes) -> str:
    """The ``X-Jifen-Signature`` value for ``body`` sent at ``timestamp``."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


_DECOY_KEY = secrets.token_bytes(32)
"""Unknown merchants are checked against this, so they cost as much as known ones."""


def authenticate(
    directory: MerchantDirectory,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now_s: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> Merchant:
    """The merchant that signed this request, or :class:`ApiError` (401, or 403 if refused).

    ``headers`` must have lower-case names (HTTP API v2 delivers them so).
    """
    merchant_id = headers.get(MERCHANT_HEADER, "").strip()
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not (merchant_id and timestamp and signature):
        raise ApiError(
            401,
            "missing_credentials",
            "X-Jifen-Merchant, X-Jifen-Timestamp and X-Jifen-Signature are required",
        )
    if not _TIMESTAMP_RE.fullmatch(timestamp) or abs(now_s - int(timestamp)) > tolerance_s:
        raise ApiError(
            401,
            "stale_request",
            f"X-Jifen-Timestamp must be Unix seconds within {tolerance_s}s of now",
        )
    key = directory.key_of(merchant_id)
    expected = sign(key if key is not None else _DECOY_KEY, timestamp, body)
    matches = hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("utf-8"))
    if key is None or not matches or not _SIGNATURE_RE.fullmatch(signature):
        raise ApiError(401, "bad_signature", "the signature does not match")
    refused = directory.refused.get(merchant_id)
    if refused is not None:
        raise ApiError(
            403,
            "merchant_refused",
            "this merchant's configuration is refused by the platform; contact the operator",
        )
    return directory.merchants[merchant_id]
