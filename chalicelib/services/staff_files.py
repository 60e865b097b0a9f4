"""Files staff add to a card (a plan, a photo of the repair, a signed decision): uploaded
straight to storage, recorded on the card, shown to the requester only when a sent reply
carries them."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.card import AttachmentSource
from chalicelib.domain.errors import NotFound
from chalicelib.ports import BlobStore, CardRepository, Clock, Thumbnailer
from chalicelib.services.attachments import (
    PendingUpload,
    download_link,
    finish_upload,
    start_upload,
)
from chalicelib.services.card_changes import CardShowing, CardWithHistory, StaffCard, save
from chalicelib.services.commands import AttachmentRequest
from chalicelib.services.policies import AttachmentPolicy


def attachment_link(
    principal: Principal,
    number: str,
    attachment_id: str,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    policy: AttachmentPolicy,
    thumbnail: bool = False,
) -> str:
    """A short-lived download link for one of the card's files (or a photo's thumbnail), for
    staff who may see the card."""
    card = cards.get(number)
    access.require_personal_data(principal, card)
    attachment = next((a for a in card.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(f"card {number} has no attachment {attachment_id}")
    return download_link(attachment, blobs=blobs, policy=policy, thumbnail=thumbnail)


def start_staff_upload(
    principal: Principal,
    number: str,
    request: AttachmentRequest,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    policy: AttachmentPolicy,
) -> PendingUpload:
    card = cards.get(number)
    access.require_working_on(principal, card, "add files")
    return start_upload(card, request, blobs=blobs, policy=policy)


def finish_staff_upload(
    principal: Principal,
    number: str,
    attachment_id: str,
    filename: str,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    clock: Clock,
    policy: AttachmentPolicy,
    thumbnails: Thumbnailer,
) -> CardWithHistory:
    card, history = cards.get_with_history(number)
    access.require_working_on(principal, card, "add files")
    change = finish_upload(
        card,
        attachment_id,
        filename,
        source=AttachmentSource.STAFF,
        actor=principal.actor,
        blobs=blobs,
        clock=clock,
        policy=policy,
        thumbnails=thumbnails,
    )
    if change is None:
        return card, history
    return save(change, history, cards)


@dataclass(frozen=True)
class StaffFiles:
    """The staff file use cases wired to their ports (built once by the container)."""

    cards: CardRepository
    blobs: BlobStore
    clock: Clock
    policy: AttachmentPolicy
    show: CardShowing
    thumbnails: Thumbnailer

    def download_link(
        self, principal: Principal, number: str, attachment_id: str, *, thumbnail: bool = False
    ) -> str:
        return attachment_link(
            principal,
            number,
            attachment_id,
            cards=self.cards,
            blobs=self.blobs,
            policy=self.policy,
            thumbnail=thumbnail,
        )

    def start_upload(
        self, principal: Principal, number: str, request: AttachmentRequest
    ) -> PendingUpload:
        return start_staff_upload(
            principal, number, request, cards=self.cards, blobs=self.blobs, policy=self.policy
        )

    def finish_upload(
        self, principal: Principal, number: str, attachment_id: str, filename: str
    ) -> StaffCard:
        changed = finish_staff_upload(
            principal,
            number,
            attachment_id,
            filename,
            cards=self.cards,
            blobs=self.blobs,
            clock=self.clock,
            policy=self.policy,
            thumbnails=self.thumbnails,
        )
        return self.show(principal, changed)
