"""Where daily records are published: an Object Lock bucket in AWS, a folder locally.

A record is written once and never replaced: the bucket (template.yaml, ``ProofBucket``)
keeps every object under compliance-mode retention (default seven years), which not even
the account's root user can shorten, and the functions may only put and read (no delete,
no retention calls). Publishing the same day again is harmless: the object already
holds these bytes. Different bytes under a day's name are :class:`RecordConflict`,
never an overwrite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class RecordConflict(Exception):
    """A different record is already published under this name (stable code below)."""

    code = "proof_conflict"


class RecordPublisher(Protocol):
    def publish(self, name: str, body: bytes) -> str:
        """Write ``body`` under ``name`` unless it is there; return where it is.

        Raises :class:`RecordConflict` when ``name`` holds other bytes."""
        ...

    def read(self, name: str) -> bytes | None: ...

    def names(self, prefix: str) -> list[str]:
        """Every published name under ``prefix``, sorted."""
        ...

    def location(self, name: str) -> str: ...


class S3RecordPublisher:
    """Records as objects of the locked bucket; retention comes from its default rule."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def publish(self, name: str, body: bytes) -> str:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=name,
                Body=body,
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",  # Object Lock buckets require an integrity check
                IfNoneMatch="*",
            )
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"PreconditionFailed", "412"}:
                raise
            if self.read(name) != body:
                raise RecordConflict(f"{self.location(name)} holds another record") from exc
        return self.location(name)

    def read(self, name: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=name)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def names(self, prefix: str) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            found += [str(item["Key"]) for item in page.get("Contents", [])]
        return sorted(found)

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{name}"


class FolderRecordPublisher:
    """Records as files under a folder (``jifen dev``, tests); never replaced either."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def publish(self, name: str, body: bytes) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as out:
                out.write(body)
        except FileExistsError:
            if path.read_bytes() != body:
                raise RecordConflict(f"{path} holds another record") from None
        return self.location(name)

    def read(self, name: str) -> bytes | None:
        path = self.root / name
        return path.read_bytes() if path.exists() else None

    def names(self, prefix: str) -> list[str]:
        if not self.root.exists():
            return []
        found = (path.relative_to(self.root).as_posix() for path in self.root.rglob("*"))
        return sorted(name for name in found if name.startswith(prefix))

    def location(self, name: str) -> str:
        return str(self.root / name)
