"""Files on cards: a short-lived upload straight to storage, then what storage holds becomes an
Attachment, whoever brought it (the requester, staff, or the mail channel)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from chalicelib.domain import lifecycle
from chalicelib.domain.card import Attachment, AttachmentSource, Card, safe_filename
from chalicelib.domain.errors import (
    NotFound,
    PayloadTooLarge,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.history import Actor
from chalicelib.observability import logger
from chalicelib.ports import BlobStore, Clock, StoredObject, Thumbnailer, UploadTicket
from chalicelib.services.commands import AttachmentRequest
from chalicelib.services.policies import AttachmentPolicy


@dataclass(frozen=True)
class PendingUpload:
    attachment_id: str
    ticket: UploadTicket


def stored_attachment(
    attachment_id: str,
    filename: str,
    key: str,
    stored: StoredObject,
    *,
    at: datetime,
    source: AttachmentSource = AttachmentSource.REQUESTER,
) -> Attachment:
    """A file as storage measured it (size and sha256 are never the client's)."""
    return Attachment(
        id=attachment_id,
        filename=filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        key=key,
        uploaded_at=at,
        source=source,
    )


def attachment_key(number: str, attachment_id: str, filename: str) -> str:
    return f"attachments/{number}/{attachment_id}/{quote(safe_filename(filename))}"


def thumbnail_key(attachment: Attachment) -> str:
    """Beside the photo's folder, named by its id alone: a public photo's link must not carry
    the name the requester gave the file ("Anna's flat 12.jpg")."""
    folder = attachment.key.rsplit("/", 1)[0]
    return f"{folder}.thumbnail.jpg"


PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})


def with_thumbnail(
    attachment: Attachment,
    *,
    blobs: BlobStore,
    thumbnails: Thumbnailer,
    content: bytes | None = None,
) -> Attachment:
    """A photo gets its thumbnail stored beside it, once; a picture that cannot be read keeps
    no thumbnail (the file itself stays). ``content``: the photo's bytes when already at hand."""
    if attachment.content_type not in PHOTO_TYPES or attachment.thumbnail_key:
        return attachment
    photo = blobs.read(attachment.key) if content is None else content
    small = thumbnails.thumbnail(photo, attachment.content_type)
    if small is None:
        logger.warning("no thumbnail: the picture could not be read", extra={"id": attachment.id})
        return attachment
    key = thumbnail_key(attachment)
    blobs.put(key, small, content_type="image/jpeg")
    return attachment.model_copy(update={"thumbnail_key": key})


def start_upload(
    card: Card, request: AttachmentRequest, *, blobs: BlobStore, policy: AttachmentPolicy
) -> PendingUpload:
    """A short-lived URL to upload one file straight to storage, within the size and type rules."""
    _check_upload(card, request, policy)
    attachment_id = uuid.uuid4().hex
    ticket = blobs.upload_ticket(
        attachment_key(card.number, attachment_id, request.filename),
        content_type=request.content_type,
        size=request.size,
        expires_in=policy.upload_url_ttl_seconds,
    )
    return PendingUpload(attachment_id=attachment_id, ticket=ticket)


def finish_upload(
    card: Card,
    attachment_id: str,
    filename: str,
    *,
    source: AttachmentSource,
    actor: Actor,
    blobs: BlobStore,
    clock: Clock,
    policy: AttachmentPolicy,
    thumbnails: Thumbnailer,
) -> lifecycle.Change | None:
    """The uploaded file recorded on the card (None: it already is), measured by storage,
    a photo with its thumbnail; a file breaking the rules is deleted and refused."""
    if any(a.id == attachment_id for a in card.attachments):
        return None
    object_key = attachment_key(card.number, attachment_id, filename)
    stored = blobs.inspect(object_key)
    if stored.size > policy.max_bytes or stored.content_type not in policy.allowed_types:
        blobs.delete(object_key)
        raise ValidationFailed.single("file", "the uploaded file breaks the size or type rules")
    now = clock.now()
    attachment = stored_attachment(
        attachment_id, safe_filename(filename), object_key, stored, at=now, source=source
    )
    attachment = with_thumbnail(attachment, blobs=blobs, thumbnails=thumbnails)
    return lifecycle.attach(card, (attachment,), actor=actor, at=now)


def download_link(
    attachment: Attachment, *, blobs: BlobStore, policy: AttachmentPolicy, thumbnail: bool
) -> str:
    """A short-lived link to the file, or to its thumbnail (a file without one: not found)."""
    if not thumbnail:
        return blobs.download_url(
            attachment.key, filename=attachment.filename, expires_in=policy.download_url_ttl_seconds
        )
    if attachment.thumbnail_key is None:
        raise NotFound("this file has no preview")
    return blobs.download_url(
        attachment.thumbnail_key,
        filename=attachment.filename.rsplit(".", 1)[0] + "-small.jpg",
        expires_in=policy.download_url_ttl_seconds,
    )


# A public photo's link outlives the public page's cache (a minute) with room to spare.
PUBLIC_PHOTO_SECONDS = 300


def public_photo_link(
    thumbnail_key: str, *, blobs: BlobStore, expires_in: int = PUBLIC_PHOTO_SECONDS
) -> str:
    """A short-lived link to a public photo's thumbnail (``public_view.public_photos``), under a
    name that says nothing about the request or its sender."""
    return blobs.download_url(thumbnail_key, filename="photo.jpg", expires_in=expires_in)


def _check_upload(card: Card, request: AttachmentRequest, policy: AttachmentPolicy) -> None:
    if card.status.is_final:
        raise TransitionForbidden(
            "files cannot be added to a resolved or closed request", field="number"
        )
    if request.size > policy.max_bytes:
        raise PayloadTooLarge(f"size: files are limited to {policy.max_bytes} bytes")
    if request.content_type not in policy.allowed_types:
        allowed = ", ".join(sorted(policy.allowed_types))
        raise ValidationFailed.single("content_type", f"not accepted; use one of: {allowed}")
    if len(card.attachments) >= policy.max_per_card:
        raise ValidationFailed.single("file", f"at most {policy.max_per_card} files per request")
