"""What the requester sees: built from status changes and PublicMessages only.

This is the single place a card is turned into something that leaves the system, so internal
notes, staff identities and other people's data have no way in.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.card import AttachmentSource, Card, Status
from chalicelib.domain.history import HistoryEntry, MessageAuthor


class PublicStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    status: Status | None
    message: str | None
    from_: MessageAuthor | None = Field(default=None, serialization_alias="from")


class CardPublicView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    subject: str
    category: str
    status: Status
    submitted_at: datetime
    updated_at: datetime
    first_response_due: datetime
    open_question: str | None
    resolution: str | None
    your_attachments: list[str]
    steps: list[PublicStep]


def public_view(card: Card, history: list[HistoryEntry], *, category_label: str) -> CardPublicView:
    return CardPublicView(
        number=card.number,
        subject=card.subject,
        category=category_label,
        status=card.status,
        submitted_at=card.created_at,
        updated_at=card.updated_at,
        first_response_due=card.first_response_due,
        open_question=card.open_question if card.status == Status.NEEDS_CLARIFICATION else None,
        resolution=card.resolution if card.status.is_final else None,
        your_attachments=[
            a.filename for a in card.attachments if a.source == AttachmentSource.REQUESTER
        ],
        steps=[_step(entry) for entry in history if entry.is_public],
    )


def _step(entry: HistoryEntry) -> PublicStep:
    message = entry.public_message
    return PublicStep(
        at=entry.at,
        status=entry.status_after,
        message=message.text if message else None,
        from_=message.author if message else None,
    )
