"""The operator's call card: record a call as a card, and the questions to ask per topic."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.public import idempotency_key
from chalicelib.api.schemas import CallScriptView, CardRead
from chalicelib.api.staff import WRITE_ERRORS, card_read
from chalicelib.api.staff import request_principal as _principal
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import calls as call_service
from chalicelib.services.commands import CallRecord

calls = Blueprint(__name__)
TAG = "Calls"


@route(
    calls,
    "/staff/calls",
    "POST",
    summary="Record a call as a card: consultation, card, or forwarded; missing details wait",
    tag=TAG,
    staff=True,
    request=CallRecord,
    response=CardRead,
    status=201,
    headers=("Idempotency-Key",),
    errors=WRITE_ERRORS,
)
def record() -> Response:
    c = bootstrap.container()
    principal = _principal()
    command = parse_body(calls.current_request, CallRecord, max_bytes=c.settings.max_body_bytes)
    card, history = call_service.record_call(
        principal,
        command,
        call_id=idempotency_key(calls.current_request.headers.get("idempotency-key")),
        ports=c.call_ports,
        policy=c.intake_policy,
    )
    response = card_read(principal, card, history, status=201)
    response.headers["Location"] = f"/staff/cards/{card.number}"
    return response


@route(
    calls,
    "/staff/calls/script",
    "GET",
    summary="What to ask a caller about a topic (?category=roads.potholes&locale=ru)",
    tag=TAG,
    staff=True,
    response=CallScriptView,
    errors=(400, 401, 403),
)
def script() -> Response:
    c = bootstrap.container()
    _principal()
    params = dict(calls.current_request.query_params or {})
    category = params.get("category") or ""
    locale = params.get("locale") or c.settings.default_locale
    if locale not in ("en", "ru"):
        raise ValidationFailed.single("locale", "en or ru")
    questions = call_service.call_script(
        category, locale, config=c.phone_config, directory=c.directory
    )
    return json_response(CallScriptView(category=category, locale=locale, questions=questions))
