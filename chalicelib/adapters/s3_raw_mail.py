"""RawMailStore on the inbound S3 bucket; shelves are prefixes, reasons are object metadata."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError

from chalicelib.adapters.boto_calls import error_code
from chalicelib.domain.errors import NotFound, PayloadTooLarge
from chalicelib.ports import ShelvedMail

INBOUND = "inbound/"
# Metadata of a shelf entry that records a mail whose raw copy was never there.
RECORD_ONLY = "record-only"
MISSING = ("404", "NoSuchKey", "NotFound")


class S3RawMailStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def read(self, message_id: str, *, max_bytes: int) -> bytes:
        return self._read(INBOUND + message_id, max_bytes)

    def read_shelved(self, message_id: str, shelf: str, *, max_bytes: int) -> bytes:
        if self._record_only(f"{shelf}/{message_id}"):
            raise NotFound(f"mail {message_id} was never stored")
        return self._read(f"{shelf}/{message_id}", max_bytes)

    def _read(self, key: str, max_bytes: int) -> bytes:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) in MISSING:
                raise NotFound(f"no stored mail {key}") from error
            raise
        size = int(response["ContentLength"])
        if size > max_bytes:
            response["Body"].close()
            raise PayloadTooLarge(f"oversized: {size} bytes, limit {max_bytes}")
        return bytes(response["Body"].read())

    def shelve(self, message_id: str, shelf: str, *, reason: str, verdicts: dict[str, str]) -> None:
        metadata = {"reason": quote(reason[:1500]), "verdicts": json.dumps(verdicts)}
        try:
            self._move(INBOUND + message_id, f"{shelf}/{message_id}", metadata)
        except ClientError as error:
            if error_code(error) not in MISSING:
                raise
            # Nothing to move: an empty object records the mail, its reason and verdicts.
            self._s3.put_object(
                Bucket=self._bucket,
                Key=f"{shelf}/{message_id}",
                Body=b"",
                Metadata={**metadata, RECORD_ONLY: "true"},
            )

    def shelved(self, shelf: str) -> list[ShelvedMail]:
        found = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=f"{shelf}/"):
            for item in page.get("Contents", []):
                found.append(self._describe(item["Key"], shelf))
        return found

    def restore(self, message_id: str, shelf: str) -> ShelvedMail:
        key = f"{shelf}/{message_id}"
        described = self._describe(key, shelf)
        if self._record_only(key):
            self._s3.delete_object(Bucket=self._bucket, Key=key)
        else:
            self._move(key, INBOUND + message_id, {})
        return described

    def _record_only(self, key: str) -> bool:
        return bool(self._head(key).get("Metadata", {}).get(RECORD_ONLY) == "true")

    def _describe(self, key: str, shelf: str) -> ShelvedMail:
        metadata = self._head(key).get("Metadata", {})
        return ShelvedMail(
            message_id=key.split("/", 1)[1],
            shelf=shelf,
            reason=unquote(metadata.get("reason", "")),
            verdicts=json.loads(metadata.get("verdicts") or "{}"),
        )

    def _move(self, source: str, target: str, metadata: dict[str, str]) -> None:
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=target,
            MetadataDirective="REPLACE",
            Metadata=metadata,
            CopySource={"Bucket": self._bucket, "Key": source},
        )
        self._s3.delete_object(Bucket=self._bucket, Key=source)

    def _head(self, key: str) -> dict[str, Any]:
        try:
            return dict(self._s3.head_object(Bucket=self._bucket, Key=key))
        except ClientError as error:
            if error_code(error) in MISSING:
                raise NotFound(f"no stored mail {key}") from error
            raise
