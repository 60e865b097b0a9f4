"""In-memory BlobStore; ``upload`` stands in for the client's direct upload."""

from __future__ import annotations

import hashlib

from chalicelib.domain.errors import NotFound
from chalicelib.ports import StoredObject, UploadTicket


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.tickets: dict[str, tuple[str, int]] = {}

    def upload_ticket(
        self, key: str, *, content_type: str, size: int, expires_in: int
    ) -> UploadTicket:
        self.tickets[key] = (content_type, size)
        return UploadTicket(
            url=f"memory://uploads/{key}",
            fields={"key": key, "Content-Type": content_type},
            expires_in=expires_in,
        )

    def upload(self, key: str, body: bytes, content_type: str) -> None:
        """Upload as a client would, refusing what the ticket does not allow (as S3 does)."""
        allowed_type, max_size = self.tickets[key]
        if content_type != allowed_type or not 1 <= len(body) <= max_size:
            raise ValueError("upload refused by the ticket's policy")
        self.objects[key] = (body, content_type)

    def inspect(self, key: str) -> StoredObject:
        if key not in self.objects:
            raise NotFound("no uploaded file for this attachment")
        body, content_type = self.objects[key]
        return StoredObject(
            size=len(body), content_type=content_type, sha256=hashlib.sha256(body).hexdigest()
        )

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        return f"memory://downloads/{key}?filename={filename}&expires_in={expires_in}"

    def put(self, key: str, content: bytes, *, content_type: str) -> StoredObject:
        self.objects[key] = (content, content_type)
        return self.inspect(key)

    def read(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound("no stored file under this key")
        return self.objects[key][0]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)
