"""Administration of the outbox: the messages no channel took, and queueing them again once
the cause is fixed (the dead-letter place of outgoing messages)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import body, json_response, principal, route
from chalicelib.api.schemas import OutboxMessagesView, OutboxMessageView
from chalicelib.bootstrap import container
from chalicelib.services.commands import OutboxRetry

outbox_admin = Blueprint(__name__)
TAG = "Administration"
LISTED = 200


@route(
    outbox_admin,
    "/admin/outbox/failed",
    "GET",
    summary="Messages to requesters that no channel took, with the last error (administrators)",
    tag=TAG,
    staff=True,
    response=OutboxMessagesView,
    errors=(401, 403),
)
def failed() -> Response:
    found = container().outbox_dispatch.failed(principal(), limit=LISTED)
    return json_response(OutboxMessagesView(messages=[OutboxMessageView.of(m) for m in found]))


@route(
    outbox_admin,
    "/admin/outbox/retry",
    "POST",
    summary="Queue failed messages again (all, or one card's), from the preferred channel",
    tag=TAG,
    staff=True,
    request=OutboxRetry,
    response=OutboxMessagesView,
    errors=(400, 401, 403, 409),
    body_limit=4096,
)
def retry() -> Response:
    who = principal()
    command = body(OutboxRetry)
    again = container().outbox_dispatch.retry(who, limit=LISTED, card_number=command.card)
    return json_response(OutboxMessagesView(messages=[OutboxMessageView.of(m) for m in again]))
