"""Staff replies to requesters (write, approve, reject) and the card's outgoing messages."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import CardRead, OutboxMessagesView, OutboxMessageView
from chalicelib.api.staff import STAFF_ERRORS, WRITE_ERRORS, card_number, card_read
from chalicelib.api.staff import request_principal as _principal
from chalicelib.domain import access
from chalicelib.services import replies as reply_service
from chalicelib.services.commands import ReplyCreate, ReplyDecision

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
