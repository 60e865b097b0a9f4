"""Citizen-facing routes: submit a request, follow it with the private token, add details."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    body,
    card_number,
    header,
    idempotency_key,
    json_response,
    query,
    route,
)
from chalicelib.api.queries import FileQuery
from chalicelib.api.schemas import (
    AccessCodeSentView,
    AccessGrantedView,
    AttachmentConfirm,
    CategoriesView,
    DownloadLinkView,
    IntakeReceiptView,
    UploadTicketView,
)
from chalicelib.bootstrap import container
from chalicelib.domain.public_view import CardPublicView
from chalicelib.domain.rate_limits import ClientLimit
from chalicelib.domain.satisfaction import SurveyAnswer
from chalicelib.domain.signed_links import status_page_url
from chalicelib.services.commands import (
    AccessCodeCheck,
    AttachmentRequest,
    MessageCreate,
    ObjectionCreate,
    RequestCreate,
    SurveyCreate,
)

public = Blueprint(__name__)
TAG = "Requesters"
TOKEN_HEADER = "X-Access-Token"  # noqa: S105 - a header name, not a secret
# The same words whether or not the number exists: the answer must not reveal requests.
CODE_SENT = (
    "If a request has this number, a code is on its way to the email or phone it was "
    "registered with. It works for 10 minutes."
)
NO_ACCESS = "no request with this number and access token"


@route(
    public,
    "/categories",
    "GET",
    summary="The two-level category tree for the form",
    tag=TAG,
    response=CategoriesView,
    errors=(),
)
def categories() -> Response:
    c = container()
    return json_response(CategoriesView.of(c.directory.categories(), c.settings.consent_version))


@route(
    public,
    "/requests",
    "POST",
    summary="Submit a request (web form)",
    tag=TAG,
    request=RequestCreate,
    response=IntakeReceiptView,
    status=201,
    headers=("Idempotency-Key",),
    errors=(400, 413, 422),
    limits=(ClientLimit.NEW_REQUESTS,),
)
def submit() -> Response:
    c = container()
    receipt = c.intake.submit(body(RequestCreate).as_card(), key=idempotency_key())
    card = receipt.card
    view = IntakeReceiptView(
        number=card.number,
        status=card.status,
        access_token=receipt.access_token,
        status_url=status_page_url(c.settings.public_base_url, card.number, receipt.access_token),
        submitted_at=card.created_at,
        first_response_due=card.first_response_due,
    )
    return json_response(
        view,
        status=200 if receipt.replayed else 201,
        headers={"Idempotent-Replayed": "true"} if receipt.replayed else None,
    )


@route(
    public,
    "/requests/{number}",
    "GET",
    summary="Status of a request (needs its token)",
    tag=TAG,
    response=CardPublicView,
    headers=(TOKEN_HEADER,),
)
def status(number: str) -> Response:
    locale = _locale(header("accept-language"))
    view = container().requester.status(_number(number), header(TOKEN_HEADER), locale=locale)
    return json_response(view, headers={"Cache-Control": "no-store"})


@route(
    public,
    "/requests/{number}/messages",
    "POST",
    summary="Add details to your request",
    tag=TAG,
    request=MessageCreate,
    response=CardPublicView,
    status=201,
    headers=(TOKEN_HEADER,),
    errors=(400, 404, 413, 422),
)
def add_message(number: str) -> Response:
    view = container().requester.add_message(
        _number(number), header(TOKEN_HEADER), body(MessageCreate)
    )
    return json_response(view, status=201)


@route(
    public,
    "/requests/{number}/objection",
    "POST",
    summary="Say the resolution did not solve it: the request is reopened",
    tag=TAG,
    request=ObjectionCreate,
    response=CardPublicView,
    status=201,
    headers=(TOKEN_HEADER,),
    errors=(400, 404, 413, 422),
)
def object_to_resolution(number: str) -> Response:
    view = container().requester.object_to_resolution(
        _number(number), header(TOKEN_HEADER), body(ObjectionCreate)
    )
    return json_response(view, status=201)


@route(
    public,
    "/requests/{number}/attachments",
    "POST",
    summary="Get a URL to upload one file to your request",
    tag=TAG,
    request=AttachmentRequest,
    response=UploadTicketView,
    status=201,
    headers=(TOKEN_HEADER,),
    errors=(400, 404, 413, 422),
)
def request_upload(number: str) -> Response:
    pending = container().requester.start_upload(
        _number(number), header(TOKEN_HEADER), body(AttachmentRequest)
    )
    return json_response(
        UploadTicketView.of(pending, f"/requests/{number}/attachments"), status=201
    )


@route(
    public,
    "/requests/{number}/attachments/{attachment_id}",
    "PUT",
    summary="Record an uploaded file on your request",
    tag=TAG,
    request=AttachmentConfirm,
    response=CardPublicView,
    headers=(TOKEN_HEADER,),
)
def confirm_upload(number: str, attachment_id: str) -> Response:
    filename = body(AttachmentConfirm).filename
    view = container().requester.finish_upload(
        _number(number), header(TOKEN_HEADER), attachment_id, filename
    )
    return json_response(view)


@route(
    public,
    "/requests/{number}/files/{attachment_id}",
    "GET",
    summary="A short-lived link to download a file of your request (yours, or one we sent)",
    tag=TAG,
    query=FileQuery,
    response=DownloadLinkView,
    headers=(TOKEN_HEADER,),
)
def file_link(number: str, attachment_id: str) -> Response:
    c = container()
    thumbnail = query(FileQuery).variant == "thumbnail"
    url = c.requester.file_link(
        _number(number), header(TOKEN_HEADER), attachment_id, thumbnail=thumbnail
    )
    return json_response(
        DownloadLinkView(url=url, expires_in=c.attachment_policy.download_url_ttl_seconds),
        headers={"Cache-Control": "no-store"},
    )


@route(
    public,
    "/requests/{number}/survey",
    "POST",
    summary="Rate how your request was handled (once, after it is resolved)",
    tag=TAG,
    request=SurveyCreate,
    response=SurveyAnswer,
    status=201,
    headers=(TOKEN_HEADER,),
    errors=(400, 404, 409, 413, 422),
)
def rate(number: str) -> Response:
    answered = container().requester.rate(_number(number), header(TOKEN_HEADER), body(SurveyCreate))
    return json_response(answered, status=201)


@route(
    public,
    "/requests/{number}/access-code",
    "POST",
    summary="Lost the link? Get a one-time code at the contact the request was registered with",
    tag=TAG,
    response=AccessCodeSentView,
    status=202,
    errors=(404, 409),
    limits=(ClientLimit.ACCESS_CODES,),
)
def send_access_code(number: str) -> Response:
    container().requester.send_code(_number(number))
    return json_response(AccessCodeSentView(message=CODE_SENT), status=202)


@route(
    public,
    "/requests/{number}/access-code/check",
    "POST",
    summary="Exchange the one-time code for a status key (valid for a day)",
    tag=TAG,
    request=AccessCodeCheck,
    response=AccessGrantedView,
    errors=(400, 404, 409, 413),
)
def check_access_code(number: str) -> Response:
    c = container()
    granted = c.requester.open_with_code(_number(number), body(AccessCodeCheck).code)
    return json_response(
        AccessGrantedView(
            access_token=granted.token,
            status_url=status_page_url(c.settings.public_base_url, number, granted.token),
            expires_at=granted.expires_at,
        ),
        headers={"Cache-Control": "no-store"},
    )


def _number(number: str) -> str:
    return card_number(number, unknown=NO_ACCESS)


def _locale(accept_language: str | None) -> str:
    return "ru" if (accept_language or "").lower().startswith("ru") else "en"
