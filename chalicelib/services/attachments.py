"""Files on cards: what storage holds becomes an Attachment, whichever channel brought it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.card import Attachment, AttachmentSource
from chalicelib.ports import StoredObject


def stored_attachment(
    attachment_id: str, filename: str, key: str, stored: StoredObject, *, at: datetime
) -> Attachment:
    """The requester's file as storage measured it (size and sha256 are never the client's)."""
    return Attachment(
        id=attachment_id,
        filename=filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        key=key,
        uploaded_at=at,
        source=AttachmentSource.REQUESTER,
    )
