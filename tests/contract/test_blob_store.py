"""One contract, every BlobStore: the in-memory twin and S3 under moto (uploads by POST)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests

from chalicelib.adapters.memory_blobs import InMemoryBlobStore
from chalicelib.adapters.s3_blobs import S3BlobStore
from chalicelib.domain.errors import NotFound
from chalicelib.ports import BlobStore, UploadTicket

PHOTO = b"\xff\xd8\xff\xe0" + b"pothole" * 100


@dataclass
class Store:
    blobs: BlobStore
    upload: Callable[[str, UploadTicket, bytes, str], bool]


@pytest.fixture(params=["memory", "s3"])
def store(request, settings) -> Iterator[Store]:
    if request.param == "memory":
        memory = InMemoryBlobStore()

        def put(key: str, ticket: UploadTicket, body: bytes, content_type: str) -> bool:
            try:
                memory.upload(key, body, content_type)
            except ValueError:
                return False
            return True

        yield Store(memory, put)
    else:
        aws = request.getfixturevalue("aws")

        def post(key: str, ticket: UploadTicket, body: bytes, content_type: str) -> bool:
            fields = {**ticket.fields, "Content-Type": content_type}
            response = requests.post(
                ticket.url,
                data=fields,
                files={"file": ("photo.jpg", body, content_type)},
                timeout=10,
            )
            return response.status_code < 300

        yield Store(S3BlobStore(aws["s3"], settings.attachments_bucket), post)


def test_an_uploaded_file_is_inspected_with_its_real_size_and_hash(store):
    key = "attachments/2026-000001/abc/photo.jpg"
    ticket = store.blobs.upload_ticket(
        key, content_type="image/jpeg", size=len(PHOTO), expires_in=300
    )
    assert ticket.expires_in == 300
    assert store.upload(key, ticket, PHOTO, "image/jpeg")
    stored = store.blobs.inspect(key)
    assert stored.size == len(PHOTO)
    assert stored.content_type == "image/jpeg"
    assert stored.sha256 == hashlib.sha256(PHOTO).hexdigest()


def test_a_missing_object_is_not_found_and_delete_removes(store):
    with pytest.raises(NotFound):
        store.blobs.inspect("attachments/none")
    key = "attachments/2026-000001/def/doc.pdf"
    ticket = store.blobs.upload_ticket(key, content_type="application/pdf", size=10, expires_in=60)
    assert store.upload(key, ticket, b"%PDF-1.7\n", "application/pdf")
    store.blobs.delete(key)
    with pytest.raises(NotFound):
        store.blobs.inspect(key)


def test_the_ticket_states_the_type_it_allows(store):
    ticket = store.blobs.upload_ticket(
        "attachments/x/y/z.png", content_type="image/png", size=100, expires_in=60
    )
    assert ticket.fields["Content-Type"] == "image/png"


def test_a_download_link_serves_the_file_as_an_attachment(store):
    key = "attachments/2026-000001/ghi/hole.jpg"
    ticket = store.blobs.upload_ticket(
        key, content_type="image/jpeg", size=len(PHOTO), expires_in=60
    )
    assert store.upload(key, ticket, PHOTO, "image/jpeg")
    url = store.blobs.download_url(key, filename="яма hole.jpg", expires_in=120)
    if url.startswith("memory://"):
        assert "expires_in=120" in url
        return
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == PHOTO
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_put_stores_what_the_system_received(store):
    stored = store.blobs.put("mail/2026-000001/a/photo.jpg", PHOTO, content_type="image/jpeg")
    assert stored.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert store.blobs.inspect("mail/2026-000001/a/photo.jpg") == stored


def test_read_gives_back_the_stored_bytes_and_a_missing_key_is_not_found(store):
    store.blobs.put("attachments/x/1/photo.jpg", b"\xff\xd8 photo bytes", content_type="image/jpeg")
    assert store.blobs.read("attachments/x/1/photo.jpg") == b"\xff\xd8 photo bytes"
    with pytest.raises(NotFound):
        store.blobs.read("attachments/x/1/nothing.jpg")
