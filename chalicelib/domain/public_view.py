"""What the requester sees: built from status changes and PublicMessages only.

This is the single place a card is turned into something that leaves the system, so internal
notes, staff identities and other people's data have no way in.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.card import Attachment, AttachmentSource, Card, ReplyStatus, Status
from chalicelib.domain.history import HistoryEntry, MessageAuthor


class PublicStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    status: Status | None
    message: str | None
    from_: MessageAuthor | None = Field(default=None, serialization_alias="from")


class PublicFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    filename: str
    content_type: str
    size: int
    thumbnail: bool = Field(
        default=False, description="A photo with a small preview: its link has ?variant=thumbnail."
    )


class PublicPlace(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str | None
    district: str | None = Field(description="The district's name in the asked language.")
    latitude: float | None
    longitude: float | None


class CardPublicView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    subject: str
    description: str = Field(description="What the requester wrote, as sent.")
    category: str
    place: PublicPlace | None
    status: Status
    status_since: datetime = Field(description="When the request reached its current status.")
    submitted_at: datetime
    updated_at: datetime
    first_response_due: datetime
    open_question: str | None
    reply_by: datetime | None = Field(
        description="While we wait for your answer: please answer by then; after it the "
        "request goes on without it (or is closed, as the town set)."
    )
    next_step: str | None = Field(description="What the town does next, from its last answer.")
    next_step_due: datetime | None = Field(description="When that next step is due.")
    resolution: str | None
    objection_until: datetime | None = Field(
        description="A resolved request: you may say it is not solved until then "
        "(POST .../objection); after it the request closes by itself."
    )
    duplicate_of: str | None = Field(
        default=None,
        description="Joined another request about the same problem: its number (its public "
        "page is /r/<number>); you are told of its progress.",
    )
    your_attachments: list[str]
    your_files: list[PublicFile] = Field(
        description="The files the requester added (photos with a preview), by their id."
    )
    town_files: list[PublicFile] = Field(
        description="Files the town sent with its answers; download each by its id."
    )
    steps: list[PublicStep]


def public_view(
    card: Card, history: list[HistoryEntry], *, category_label: str, district: str | None = None
) -> CardPublicView:
    changes = [entry.at for entry in history if entry.status_after is not None]
    answers = [r for r in card.replies if r.status == ReplyStatus.SENT and r.next_step]
    last = answers[-1] if answers and not card.status.is_final else None
    return CardPublicView(
        number=card.number,
        subject=card.subject,
        description=card.description,
        category=category_label,
        place=_place(card, district),
        status=card.status,
        status_since=changes[-1] if changes else card.created_at,
        submitted_at=card.created_at,
        updated_at=card.updated_at,
        first_response_due=card.first_response_due,
        open_question=card.open_question if card.status == Status.NEEDS_CLARIFICATION else None,
        reply_by=card.reply_by if card.status.waits_for_requester else None,
        next_step=last.next_step if last else None,
        next_step_due=last.next_step_due if last else None,
        resolution=card.resolution if card.status.is_final else None,
        objection_until=card.objection_until if card.status == Status.RESOLVED else None,
        duplicate_of=card.duplicate_of,
        your_attachments=[
            a.filename for a in card.attachments if a.source == AttachmentSource.REQUESTER
        ],
        your_files=[_file(a) for a in card.attachments if a.source == AttachmentSource.REQUESTER],
        town_files=[_file(a) for a in card.public_files if a.source == AttachmentSource.STAFF],
        steps=[_step(entry) for entry in history if entry.is_public],
    )


def _file(attachment: Attachment) -> PublicFile:
    return PublicFile(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        thumbnail=attachment.thumbnail_key is not None,
    )


def _place(card: Card, district: str | None) -> PublicPlace | None:
    where = card.location
    if where is None:
        return None
    return PublicPlace(
        address=where.address,
        district=district,
        latitude=where.latitude,
        longitude=where.longitude,
    )


def _step(entry: HistoryEntry) -> PublicStep:
    message = entry.public_message
    return PublicStep(
        at=entry.at,
        status=entry.status_after,
        message=message.text if message else None,
        from_=message.author if message else None,
    )


class PublicStatusStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    status: Status


def public_photos(card: Card) -> tuple[Attachment, ...]:
    """The photos anyone may see: the requester's own, as their thumbnails (re-encoded without
    metadata, so a mailed camera photo's location never leaves), unless staff hid them. Never
    a staff photo: the crew's pictures are the town's working papers."""
    return tuple(
        a
        for a in card.attachments
        if a.thumbnail_key and a.source == AttachmentSource.REQUESTER and not a.hidden_from_public
    )


def first_public_photo(card: Card) -> str | None:
    """The thumbnail key of the first public photo (the look-up lines and Open311 show one)."""
    shown = public_photos(card)
    return shown[0].thumbnail_key if shown else None


class PublicPage(BaseModel):
    """A request as anyone may see it (its page at /r/<number>, a pin on the map): the topic,
    the place, the status and when it changed, the requester's photos staff have not hidden.
    Nothing the requester or staff wrote, no person; a sensitive topic has no page at all
    (``public_page`` gives None)."""

    model_config = ConfigDict(frozen=True)

    number: str
    category: str
    topic: str
    status: Status
    status_since: datetime
    submitted_at: datetime
    address: str | None
    district: str | None = Field(description="The district's name in the asked language.")
    latitude: float | None
    longitude: float | None
    steps: list[PublicStatusStep]
    photos: list[str] = Field(
        default_factory=list,
        description="Short-lived links to the public photos' thumbnails (see public_photos).",
    )


def public_page(
    card: Card, history: list[HistoryEntry], *, topic: str, district: str | None
) -> PublicPage | None:
    if card.sensitive or card.is_subtask:
        return None
    changes = [
        PublicStatusStep(at=entry.at, status=entry.status_after)
        for entry in history
        if entry.status_after is not None
    ]
    where = card.location
    return PublicPage(
        number=card.number,
        category=card.category,
        topic=topic,
        status=card.status,
        status_since=changes[-1].at if changes else card.created_at,
        submitted_at=card.created_at,
        address=where.address if where else None,
        district=district,
        latitude=where.latitude if where else None,
        longitude=where.longitude if where else None,
        steps=changes,
    )
