"""Administration of the outbox: the messages no channel took, and queueing them again once
the cause is fixed (the dead-letter place of outgoing messages)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import OutboxMessagesView, OutboxMessageView
from chalicelib.domain import access
from chalicelib.services.commands import OutboxRetry
from chalicelib.services.outbox_dispatch import retry_failed

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
    c = bootstrap.container()
    access.require_admin(current_principal(outbox_admin.current_request))
    found = c.outbox.failed(limit=LISTED)
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
)
def retry() -> Response:
    c = bootstrap.container()
    access.require_admin(current_principal(outbox_admin.current_request))
    command = parse_body(outbox_admin.current_request, OutboxRetry, max_bytes=4096)
    again = retry_failed(ports=c.dispatch_ports, limit=LISTED, card_number=command.card)
    return json_response(OutboxMessagesView(messages=[OutboxMessageView.of(m) for m in again]))
