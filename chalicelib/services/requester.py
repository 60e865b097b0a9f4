"""What a requester can do with their private status link: read, add details, attach files."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.domain import lifecycle, satisfaction
from chalicelib.domain.access_tokens import StatusKey
from chalicelib.domain.card import Card
from chalicelib.domain.errors import (
    NotFound,
    PayloadTooLarge,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.history import REQUESTER, HistoryEntry
from chalicelib.domain.public_view import CardPublicView, public_view
from chalicelib.domain.satisfaction import SurveyAnswer
from chalicelib.observability import logger
from chalicelib.ports import (
    BlobStore,
    CardRepository,
    Clock,
    Directory,
    SurveyResults,
    UploadTicket,
)
from chalicelib.services.attachments import stored_attachment
from chalicelib.services.commands import (
    AttachmentRequest,
    MessageCreate,
    SurveyCreate,
    safe_filename,
)
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import AttachmentPolicy

# One answer for "no such card" and "wrong token", so a token cannot be used to probe numbers.
_NO_ACCESS = "no request with this number and access token"


def view_status(
    number: str,
    key: StatusKey,
    *,
    cards: CardRepository,
    directory: Directory,
    locale: str = "en",
) -> CardPublicView:
    """The requester's status page. One read: card and history come back together."""
    card, history = _authorized_with_history(number, key, cards)
    return public_view(
        card, history, category_label=directory.categories().label(card.category, locale)
    )


def add_message(
    number: str,
    key: StatusKey,
    message: MessageCreate,
    *,
    cards: CardRepository,
    clock: Clock,
    notify: Notifier,
) -> Card:
    """The requester adds details; if the card was waiting for them, they are told it resumed."""
    card = _authorized(number, key, cards)
    change = lifecycle.requester_message(card, message.text, actor=REQUESTER, at=clock.now())
    cards.save(change.card, change.entry, notify.for_change(card, change))
    return change.card


@dataclass(frozen=True)
class PendingUpload:
    attachment_id: str
    ticket: UploadTicket


def request_upload(
    number: str,
    key: StatusKey,
    request: AttachmentRequest,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    policy: AttachmentPolicy,
) -> PendingUpload:
    """A short-lived URL to upload one file straight to storage, within the size and type rules."""
    card = _authorized(number, key, cards)
    _check_upload(card, request, policy)
    attachment_id = uuid.uuid4().hex
    ticket = blobs.upload_ticket(
        attachment_key(card.number, attachment_id, request.filename),
        content_type=request.content_type,
        size=request.size,
        expires_in=policy.upload_url_ttl_seconds,
    )
    return PendingUpload(attachment_id=attachment_id, ticket=ticket)


def confirm_upload(
    number: str,
    key: StatusKey,
    attachment_id: str,
    filename: str,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    clock: Clock,
    policy: AttachmentPolicy,
) -> Card:
    """Record an uploaded file on the card, with the size and sha256 storage actually holds."""
    card = _authorized(number, key, cards)
    if any(a.id == attachment_id for a in card.attachments):
        return card
    object_key = attachment_key(card.number, attachment_id, filename)
    stored = blobs.inspect(object_key)
    if stored.size > policy.max_bytes or stored.content_type not in policy.allowed_types:
        blobs.delete(object_key)
        raise ValidationFailed.single("file", "the uploaded file breaks the size or type rules")
    now = clock.now()
    attachment = stored_attachment(
        attachment_id, safe_filename(filename), object_key, stored, at=now
    )
    change = lifecycle.attach(card, (attachment,), actor=REQUESTER, at=now)
    cards.save(change.card, change.entry)
    return change.card


def attachment_key(number: str, attachment_id: str, filename: str) -> str:
    return f"attachments/{number}/{attachment_id}/{quote(safe_filename(filename))}"


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


def _authorized(number: str, key: StatusKey, cards: CardRepository) -> Card:
    try:
        card = cards.get(number)
    except NotFound:
        raise NotFound(_NO_ACCESS) from None
    return _check_key(card, key)


def _authorized_with_history(
    number: str, key: StatusKey, cards: CardRepository
) -> tuple[Card, list[HistoryEntry]]:
    try:
        card, history = cards.get_with_history(number)
    except NotFound:
        raise NotFound(_NO_ACCESS) from None
    return _check_key(card, key), history


def _check_key(card: Card, key: StatusKey) -> Card:
    if not key.opens(card.number, card.access_token_hash):
        raise NotFound(_NO_ACCESS)
    return card


def rate_service(
    number: str,
    key: StatusKey,
    survey: SurveyCreate,
    *,
    cards: CardRepository,
    surveys: SurveyResults,
    clock: Clock,
) -> SurveyAnswer:
    """The requester rates the handling of their request, once, after it is resolved."""
    try:
        card = cards.get(number)
    except NotFound:
        raise NotFound(_NO_ACCESS) from None
    if not key.may_rate(card.number, card.access_token_hash):
        raise NotFound(_NO_ACCESS)
    rated = satisfaction.answer(card, survey.rating, survey.comment, at=clock.now())
    surveys.record(rated)
    logger.info("service rated", extra={"rating": rated.rating, "department": rated.department})
    return rated
