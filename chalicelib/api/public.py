"""Citizen-facing routes: submit a request, follow it with the private token, add details."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import (
    AccessCodeSentView,
    AccessGrantedView,
    AttachmentConfirm,
    CategoriesView,
    DownloadLinkView,
    IntakeReceiptView,
    UploadTicketView,
)
from chalicelib.domain.access_tokens import StatusKey
from chalicelib.domain.card import is_card_number
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.public_view import CardPublicView
from chalicelib.domain.satisfaction import SurveyAnswer
from chalicelib.domain.signed_links import is_signed
from chalicelib.services import access_codes, intake, requester
from chalicelib.services.commands import (
    AccessCodeCheck,
    AttachmentRequest,
    CardCreate,
    MessageCreate,
    SurveyCreate,
)

public = Blueprint(__name__)
TAG = "Requesters"
TOKEN_HEADER = "X-Access-Token"  # noqa: S105 - a header name, not a secret
MAX_IDEMPOTENCY_KEY = 128
# The same words whether or not the number exists: the answer must not reveal requests.
CODE_SENT = (
    "If a request has this number, a code is on its way to the email or phone it was "
    "registered with. It works for 10 minutes."
)


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
    c = bootstrap.container()
    return json_response(CategoriesView.of(c.directory.categories(), c.settings.consent_version))


@route(
    public,
    "/requests",
    "POST",
    summary="Submit a request (web form)",
    tag=TAG,
    request=CardCreate,
    response=IntakeReceiptView,
    status=201,
    headers=("Idempotency-Key",),
    errors=(400, 413, 422),
)
def submit() -> Response:
    c = bootstrap.container()
    form = parse_body(public.current_request, CardCreate, max_bytes=c.settings.max_body_bytes)
    key = idempotency_key(public.current_request.headers.get("idempotency-key"))
    receipt = intake.submit_request(
        form,
        idempotency_key=key,
        cards=c.cards,
        directory=c.directory,
        clock=c.clock,
        telemetry=c.telemetry,
        policy=c.intake_policy,
        route=c.router,
        receipt=c.notifier.receipt,
    )
    card = receipt.card
    view = IntakeReceiptView(
        number=card.number,
        status=card.status,
        access_token=receipt.access_token,
        status_url=f"{c.settings.public_base_url}/status.html?n={card.number}"
        f"#t={receipt.access_token}",
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
    c = bootstrap.container()
    locale = _locale(public.current_request.headers.get("accept-language"))
    view = requester.view_status(
        _number(number), _key(), cards=c.cards, directory=c.directory, locale=locale
    )
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
    c = bootstrap.container()
    message = parse_body(public.current_request, MessageCreate, max_bytes=c.settings.max_body_bytes)
    key = _key()
    requester.add_message(
        _number(number), key, message, cards=c.cards, clock=c.clock, notify=c.notifier
    )
    view = requester.view_status(number, key, cards=c.cards, directory=c.directory)
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
    c = bootstrap.container()
    body = parse_body(
        public.current_request, AttachmentRequest, max_bytes=c.settings.max_body_bytes
    )
    pending = requester.request_upload(
        _number(number), _key(), body, cards=c.cards, blobs=c.blobs, policy=c.attachment_policy
    )
    return json_response(
        UploadTicketView.of(pending, f"/requests/{number}/attachments"),
        status=201,
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
    c = bootstrap.container()
    body = parse_body(
        public.current_request, AttachmentConfirm, max_bytes=c.settings.max_body_bytes
    )
    key = _key()
    requester.confirm_upload(
        _number(number),
        key,
        attachment_id,
        body.filename,
        cards=c.cards,
        blobs=c.blobs,
        clock=c.clock,
        policy=c.attachment_policy,
    )
    return json_response(requester.view_status(number, key, cards=c.cards, directory=c.directory))


@route(
    public,
    "/requests/{number}/files/{attachment_id}",
    "GET",
    summary="A short-lived link to download a file of your request (yours, or one we sent)",
    tag=TAG,
    response=DownloadLinkView,
    headers=(TOKEN_HEADER,),
)
def file_link(number: str, attachment_id: str) -> Response:
    c = bootstrap.container()
    policy = c.attachment_policy
    url = requester.file_link(
        _number(number), _key(), attachment_id, cards=c.cards, blobs=c.blobs, policy=policy
    )
    return json_response(
        DownloadLinkView(url=url, expires_in=policy.download_url_ttl_seconds),
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
    c = bootstrap.container()
    survey = parse_body(public.current_request, SurveyCreate, max_bytes=c.settings.max_body_bytes)
    answered = requester.rate_service(
        _number(number), _key(), survey, cards=c.cards, surveys=c.surveys, clock=c.clock
    )
    return json_response(answered, status=201)


@route(
    public,
    "/requests/{number}/access-code",
    "POST",
    summary="Lost the link? Get a one-time code at the contact the request was registered with",
    tag=TAG,
    response=AccessCodeSentView,
    status=202,
    errors=(404, 409, 429),
)
def send_access_code(number: str) -> Response:
    c = bootstrap.container()
    access_codes.send_code(
        _number(number),
        cards=c.cards,
        codes=c.access_codes,
        outbox=c.outbox,
        notify=c.notifier,
        clock=c.clock,
    )
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
    c = bootstrap.container()
    body = parse_body(public.current_request, AccessCodeCheck, max_bytes=c.settings.max_body_bytes)
    granted = access_codes.open_with_code(
        _number(number),
        body.code,
        cards=c.cards,
        codes=c.access_codes,
        clock=c.clock,
        link_secret=c.link_secret,
    )
    return json_response(
        AccessGrantedView(
            access_token=granted.token,
            status_url=f"{c.settings.public_base_url}/status.html?n={number}#t={granted.token}",
            expires_at=granted.expires_at,
        ),
        headers={"Cache-Control": "no-store"},
    )


def _number(number: str) -> str:
    if not is_card_number(number):
        raise NotFound("no request with this number and access token")
    return number


def _key() -> StatusKey:
    """The token the requester sent: their receipt's, or a signed one from a later message."""
    c = bootstrap.container()
    token = public.current_request.headers.get(TOKEN_HEADER.lower())
    if token and is_signed(token):  # status and survey links of later messages
        return StatusKey(token, link_secret=c.link_secret, now=c.clock.now())
    return StatusKey(token)


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header, checked (a client's retry key, or a call's id)."""
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationFailed.single(
            "Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"
        )
    return key


def _locale(accept_language: str | None) -> str:
    return "ru" if (accept_language or "").lower().startswith("ru") else "en"
