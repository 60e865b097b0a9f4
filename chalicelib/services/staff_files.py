"""Files staff add to a card (a plan, a photo of the repair, a signed decision): uploaded
straight to storage, recorded on the card, shown to the requester only when a sent reply
carries them."""

from __future__ import annotations

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.card import AttachmentSource
from chalicelib.ports import BlobStore, CardRepository, Clock
from chalicelib.services.attachments import PendingUpload, finish_upload, start_upload
from chalicelib.services.commands import AttachmentRequest
from chalicelib.services.policies import AttachmentPolicy
from chalicelib.services.staff import CardWithHistory, save


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
    )
    if change is None:
        return card, history
    return save(change, history, cards)
