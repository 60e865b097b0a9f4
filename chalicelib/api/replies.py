"""Staff replies to requesters: write, preview, approve, reject."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    body,
    card_action,
    card_number,
    card_read,
    json_response,
    principal,
    route,
)
from chalicelib.api.schemas import ReplyPreviewView
from chalicelib.bootstrap import container
from chalicelib.domain.notifications import sms_segments
from chalicelib.services.commands import ReplyCreate, ReplyDecision

replies = Blueprint(__name__)
TAG = "Replies"


@card_action(
    replies,
    "/staff/cards/{number}/replies",
    summary="Reply to the requester: checked, then sent, or kept for the manager's approval",
    tag=TAG,
    request=ReplyCreate,
    status=201,
)
def write(number: str) -> Response:
    written = container().replies.write(principal(), card_number(number), body(ReplyCreate))
    return card_read(written, status=201)


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
    shown = container().replies.preview(principal(), card_number(number), body(ReplyCreate))
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


@card_action(
    replies,
    "/staff/cards/{number}/replies/{reply_id}/approve",
    summary="Approve a reply awaiting approval: it is sent at once (managers)",
    tag=TAG,
    request=ReplyDecision,
)
def approve(number: str, reply_id: str) -> Response:
    approved = container().replies.approve(
        principal(), card_number(number), reply_id, body(ReplyDecision)
    )
    return card_read(approved)


@card_action(
    replies,
    "/staff/cards/{number}/replies/{reply_id}/reject",
    summary="Send a reply back to its author with what to change (managers)",
    tag=TAG,
    request=ReplyDecision,
)
def reject(number: str, reply_id: str) -> Response:
    rejected = container().replies.reject(
        principal(), card_number(number), reply_id, body(ReplyDecision)
    )
    return card_read(rejected)
