"""Files on a card for staff: download links, and adding a file (sent with a later reply)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    STAFF_ERRORS,
    WRITE_ERRORS,
    body,
    card_number,
    card_read,
    json_response,
    principal,
    query,
    route,
)
from chalicelib.api.queries import FileQuery
from chalicelib.api.schemas import AttachmentConfirm, CardRead, DownloadLinkView, UploadTicketView
from chalicelib.bootstrap import container
from chalicelib.services.commands import AttachmentRequest

staff_files = Blueprint(__name__)
TAG = "Staff"


@route(
    staff_files,
    "/staff/cards/{number}/attachments/{attachment_id}",
    "GET",
    summary="A short-lived download link for one of the card's files",
    tag=TAG,
    staff=True,
    query=FileQuery,
    response=DownloadLinkView,
    errors=STAFF_ERRORS,
)
def download_link(number: str, attachment_id: str) -> Response:
    c = container()
    thumbnail = query(FileQuery).variant == "thumbnail"
    url = c.staff_files.download_link(
        principal(), card_number(number), attachment_id, thumbnail=thumbnail
    )
    return json_response(
        DownloadLinkView(url=url, expires_in=c.attachment_policy.download_url_ttl_seconds),
        headers={"Cache-Control": "no-store"},
    )


@route(
    staff_files,
    "/staff/cards/{number}/attachments",
    "POST",
    summary="Get a URL to upload a file to send with a reply (a plan, a photo of the work)",
    tag="Replies",
    staff=True,
    request=AttachmentRequest,
    response=UploadTicketView,
    status=201,
    errors=WRITE_ERRORS,
)
def upload(number: str) -> Response:
    pending = container().staff_files.start_upload(
        principal(), card_number(number), body(AttachmentRequest)
    )
    return json_response(
        UploadTicketView.of(pending, f"/staff/cards/{number}/attachments"), status=201
    )


@route(
    staff_files,
    "/staff/cards/{number}/attachments/{attachment_id}",
    "PUT",
    summary="Record an uploaded staff file on the card (the requester sees it only with a reply)",
    tag="Replies",
    staff=True,
    request=AttachmentConfirm,
    response=CardRead,
    errors=WRITE_ERRORS,
)
def confirm_upload(number: str, attachment_id: str) -> Response:
    filename = body(AttachmentConfirm).filename
    added = container().staff_files.finish_upload(
        principal(), card_number(number), attachment_id, filename
    )
    return card_read(added)
