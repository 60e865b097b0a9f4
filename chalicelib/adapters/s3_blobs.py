"""BlobStore on S3: browser uploads by presigned POST, whose policy bounds size and type."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from chalicelib.domain.errors import NotFound
from chalicelib.ports import StoredObject, UploadTicket

_CHUNK = 1024 * 1024


class S3BlobStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def upload_ticket(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTicket:
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            # The declared size is the ceiling: S3 rejects a larger body before storing it.
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
            ExpiresIn=expires_in,
        )
        return UploadTicket(url=post["url"], fields=dict(post["fields"]), expires_in=expires_in)

    def inspect(self, key: str) -> StoredObject:
        response = self._get(key, missing="no uploaded file for this attachment")
        digest = hashlib.sha256()
        body = response["Body"]
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            digest.update(chunk)
        return StoredObject(
            size=int(response["ContentLength"]),
            content_type=str(response.get("ContentType", "")).lower(),
            sha256=digest.hexdigest(),
        )

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        # Served as a download, never rendered inline: an uploaded HTML or SVG cannot run.
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return str(
            self._s3.generate_presigned_url(
                "get_object",
                ExpiresIn=expires_in,
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": disposition,
                },
            )
        )

    def put(self, key: str, content: bytes, *, content_type: str) -> StoredObject:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)
        return StoredObject(
            size=len(content), content_type=content_type, sha256=hashlib.sha256(content).hexdigest()
        )

    def read(self, key: str) -> bytes:
        content: bytes = self._get(key, missing="no stored file under this key")["Body"].read()
        return content

    def _get(self, key: str, *, missing: str) -> Any:
        try:
            return self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound(missing) from error
            raise

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)
