"""Staff replies to requesters (write, approve, reject), the files sent with them, and the
card's outgoing messages."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import (
    AttachmentConfirm,
    CardRead,
    OutboxMessagesView,
    OutboxMessageView,
    ReplyPreviewView,
    UploadTicketView,
)
from chalicelib.api.staff import STAFF_ERRORS, WRITE_ERRORS, card_number, card_read
from chalicelib.api.staff import request_principal as _principal
from chalicelib.domain import access
from chalicelib.domain.notifications import sms_segments
from chalicelib.services import replies as reply_service
from chalicelib.services import staff_files
from chalicelib.services.commands import AttachmentRequest, ReplyCreate, ReplyDecision

replies = Blueprint(__name__)
TAG = "Replies"


@route(
    replies,
    "/staff/cards/{number}/replies",
    "POST",
    summary="Reply to the requester: checked, then sent, or kept for the manager's approval",
    tag=TAG,
    staff=True,
    request=ReplyCreate,
    response=CardRead,
    status=201,
    errors=WRITE_ERRORS,
)
def write(number: str) -> Response:
    c = bootstrap.container()
    principal = _principal()
    command = parse_body(replies.current_request, ReplyCreate, max_bytes=c.settings.max_body_bytes)
    found, history = reply_service.write_reply(
        principal,
        card_number(number),
        command,
        cards=c.cards,
        directory=c.directory,
        clock=c.clock,
        notify=c.notifier,
    )
    return card_read(principal, found, history, status=201)


@route(
    replies,
    "/staff/cards/{number}/replies/preview",
    "POST",
    summary="The reply as the requester would read it, and whether it needs approval (no write)",
    tag=TAG,
    staff=True,
    request=ReplyCreate,
    response=ReplyPreviewView,
    errors=(400, 401, 403, 404, 413, 422),
)
def preview(number: str) -> Response:
    c = bootstrap.container()
    command = parse_body(replies.current_request, ReplyCreate, max_bytes=c.settings.max_body_bytes)
    shown = reply_service.preview_reply(
        _principal(),
        card_number(number),
        command,
        cards=c.cards,
        directory=c.directory,
        clock=c.clock,
        notify=c.notifier,
    )
    rendered = shown.rendered
    return json_response(
        ReplyPreviewView(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sms=rendered.sms,
            sms_segments=sms_segments(rendered.sms),
            approval_reasons=list(shown.approval_reasons),
            personal_data=list(shown.personal_data),
        )
    )


@route(
    replies,
    "/staff/cards/{number}/replies/{reply_id}/approve",
    "POST",
    summary="Approve a reply awaiting approval: it is sent at once (managers)",
    tag=TAG,
    staff=True,
    request=ReplyDecision,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def approve(number: str, reply_id: str) -> Response:
    c = bootstrap.container()
    principal = _principal()
    command = parse_body(
        replies.current_request, ReplyDecision, max_bytes=c.settings.max_body_bytes
    )
    found, history = reply_service.approve_reply(
        principal,
        card_number(number),
        reply_id,
        command,
        cards=c.cards,
        clock=c.clock,
        notify=c.notifier,
    )
    return card_read(principal, found, history)


@route(
    replies,
    "/staff/cards/{number}/replies/{reply_id}/reject",
    "POST",
    summary="Send a reply back to its author with what to change (managers)",
    tag=TAG,
    staff=True,
    request=ReplyDecision,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def reject(number: str, reply_id: str) -> Response:
    c = bootstrap.container()
    principal = _principal()
    command = parse_body(
        replies.current_request, ReplyDecision, max_bytes=c.settings.max_body_bytes
    )
    found, history = reply_service.reject_reply(
        principal, card_number(number), reply_id, command, cards=c.cards, clock=c.clock
    )
    return card_read(principal, found, history)


@route(
    replies,
    "/staff/cards/{number}/attachments",
    "POST",
    summary="Get a URL to upload a file to send with a reply (a plan, a photo of the work)",
    tag=TAG,
    staff=True,
    request=AttachmentRequest,
    response=UploadTicketView,
    status=201,
    errors=WRITE_ERRORS,
)
def upload(number: str) -> Response:
    c = bootstrap.container()
    body = parse_body(
        replies.current_request, AttachmentRequest, max_bytes=c.settings.max_body_bytes
    )
    pending = staff_files.start_staff_upload(
        _principal(),
        card_number(number),
        body,
        cards=c.cards,
        blobs=c.blobs,
        policy=c.attachment_policy,
    )
    return json_response(
        UploadTicketView.of(pending, f"/staff/cards/{number}/attachments"),
        status=201,
    )


@route(
    replies,
    "/staff/cards/{number}/attachments/{attachment_id}",
    "PUT",
    summary="Record an uploaded staff file on the card (the requester sees it only with a reply)",
    tag=TAG,
    staff=True,
    request=AttachmentConfirm,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def confirm_upload(number: str, attachment_id: str) -> Response:
    c = bootstrap.container()
    principal = _principal()
    body = parse_body(
        replies.current_request, AttachmentConfirm, max_bytes=c.settings.max_body_bytes
    )
    found, history = staff_files.finish_staff_upload(
        principal,
        card_number(number),
        attachment_id,
        body.filename,
        cards=c.cards,
        blobs=c.blobs,
        clock=c.clock,
        policy=c.attachment_policy,
    )
    return card_read(principal, found, history)


@route(
    replies,
    "/staff/cards/{number}/messages",
    "GET",
    summary="Messages sent to the requester about this card, and whether they arrived",
    tag=TAG,
    staff=True,
    response=OutboxMessagesView,
    errors=STAFF_ERRORS,
)
def messages(number: str) -> Response:
    c = bootstrap.container()
    principal = _principal()
    card = c.cards.get(card_number(number))
    access.require_view(principal, card)
    found = c.outbox.for_card(card.number)
    return json_response(OutboxMessagesView(messages=[OutboxMessageView.of(m) for m in found]))
