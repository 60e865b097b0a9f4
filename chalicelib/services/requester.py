"""What a requester can do with their private status link: read, add details, attach files,
rate the service; and, having lost the link, open the request with a one-time code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain import lifecycle, satisfaction
from chalicelib.domain.access_tokens import StatusKey
from chalicelib.domain.card import AttachmentSource, Card
from chalicelib.domain.errors import (
    NotFound,
)
from chalicelib.domain.history import REQUESTER, HistoryEntry
from chalicelib.domain.public_view import CardPublicView, public_view
from chalicelib.domain.satisfaction import SurveyAnswer
from chalicelib.domain.signed_links import is_signed
from chalicelib.observability import logger
from chalicelib.ports import (
    AccessCodes,
    BlobStore,
    CardRepository,
    Clock,
    Directory,
    SurveyResults,
    Thumbnailer,
)
from chalicelib.services import access_codes
from chalicelib.services.attachments import (
    PendingUpload,
    download_link,
    finish_upload,
    start_upload,
)
from chalicelib.services.commands import (
    AttachmentRequest,
    MessageCreate,
    ObjectionCreate,
    SurveyCreate,
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
    district = card.location.district if card.location else None
    return public_view(
        card,
        history,
        category_label=directory.categories().label(card.category, locale),
        district=directory.territory().district_name(district, locale),
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


def object_to_resolution(
    number: str,
    key: StatusKey,
    objection: ObjectionCreate,
    *,
    cards: CardRepository,
    clock: Clock,
    notify: Notifier,
) -> Card:
    """The requester says the resolution did not solve it, before the card closes by itself:
    it is reopened with their words, and they are told it is back in work."""
    card = _authorized(number, key, cards)
    change = lifecycle.object_to_resolution(card, objection.text, at=clock.now())
    cards.save(change.card, change.entry, notify.for_change(card, change))
    logger.info("resolution objected to", extra={"reopen_count": change.card.reopen_count})
    return change.card


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
    return start_upload(card, request, blobs=blobs, policy=policy)


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
    thumbnails: Thumbnailer,
) -> Card:
    """Record an uploaded file on the card, with the size and sha256 storage actually holds."""
    card = _authorized(number, key, cards)
    change = finish_upload(
        card,
        attachment_id,
        filename,
        source=AttachmentSource.REQUESTER,
        actor=REQUESTER,
        blobs=blobs,
        clock=clock,
        policy=policy,
        thumbnails=thumbnails,
    )
    if change is None:
        return card
    cards.save(change.card, change.entry)
    return change.card


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


def file_link(
    number: str,
    key: StatusKey,
    attachment_id: str,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    policy: AttachmentPolicy,
    thumbnail: bool = False,
) -> str:
    """A short-lived download link for a file the requester may have: their own, or one the
    town sent with a reply (or its thumbnail). Any other id is "not found", like a wrong
    token."""
    card = _authorized(number, key, cards)
    found = next((a for a in card.public_files if a.id == attachment_id), None)
    if found is None:
        raise NotFound("no such file on this request")
    return download_link(found, blobs=blobs, policy=policy, thumbnail=thumbnail)


@dataclass(frozen=True)
class Requester:
    """The requester's use cases wired to their ports (built once by the container). Each takes
    the token the requester holds: their receipt's, or a signed one from a later message."""

    cards: CardRepository
    directory: Directory
    blobs: BlobStore
    surveys: SurveyResults
    codes: AccessCodes
    clock: Clock
    notify: Notifier
    attachments: AttachmentPolicy
    codes_sent: access_codes.CodeSender
    thumbnails: Thumbnailer
    # Looked up when a signed link or a code needs it: a status view by the receipt's own
    # token never fetches the secret.
    link_secret: Callable[[], bytes]

    def key(self, token: str | None) -> StatusKey:
        if token and is_signed(token):  # status and survey links of later messages
            return StatusKey(token, link_secret=self.link_secret(), now=self.clock.now())
        return StatusKey(token)

    def status(self, number: str, token: str | None, *, locale: str = "en") -> CardPublicView:
        return view_status(
            number, self.key(token), cards=self.cards, directory=self.directory, locale=locale
        )

    def add_message(self, number: str, token: str | None, message: MessageCreate) -> CardPublicView:
        key = self.key(token)
        add_message(number, key, message, cards=self.cards, clock=self.clock, notify=self.notify)
        return view_status(number, key, cards=self.cards, directory=self.directory)

    def object_to_resolution(
        self, number: str, token: str | None, objection: ObjectionCreate
    ) -> CardPublicView:
        key = self.key(token)
        object_to_resolution(
            number, key, objection, cards=self.cards, clock=self.clock, notify=self.notify
        )
        return view_status(number, key, cards=self.cards, directory=self.directory)

    def start_upload(
        self, number: str, token: str | None, request: AttachmentRequest
    ) -> PendingUpload:
        return request_upload(
            number,
            self.key(token),
            request,
            cards=self.cards,
            blobs=self.blobs,
            policy=self.attachments,
        )

    def finish_upload(
        self, number: str, token: str | None, attachment_id: str, filename: str
    ) -> CardPublicView:
        key = self.key(token)
        confirm_upload(
            number,
            key,
            attachment_id,
            filename,
            cards=self.cards,
            blobs=self.blobs,
            clock=self.clock,
            policy=self.attachments,
            thumbnails=self.thumbnails,
        )
        return view_status(number, key, cards=self.cards, directory=self.directory)

    def file_link(
        self, number: str, token: str | None, attachment_id: str, *, thumbnail: bool = False
    ) -> str:
        return file_link(
            number,
            self.key(token),
            attachment_id,
            cards=self.cards,
            blobs=self.blobs,
            policy=self.attachments,
            thumbnail=thumbnail,
        )

    def rate(self, number: str, token: str | None, survey: SurveyCreate) -> SurveyAnswer:
        return rate_service(
            number,
            self.key(token),
            survey,
            cards=self.cards,
            surveys=self.surveys,
            clock=self.clock,
        )

    def send_code(self, number: str) -> None:
        self.codes_sent.send(number)

    def open_with_code(self, number: str, code: str) -> access_codes.Access:
        return access_codes.open_with_code(
            number,
            code,
            cards=self.cards,
            codes=self.codes,
            clock=self.clock,
            link_secret=self.link_secret(),
        )
