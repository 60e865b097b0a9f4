"""The operator's call card: record a call as a card, and the questions to ask per topic."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import (
    body,
    card_action,
    card_read,
    idempotency_key,
    json_response,
    principal,
    query,
    route,
)
from chalicelib.api.queries import CallScriptQuery
from chalicelib.api.schemas import CallScriptView
from chalicelib.bootstrap import container
from chalicelib.services.commands import CallRecord

calls = Blueprint(__name__)
TAG = "Calls"


@card_action(
    calls,
    "/staff/calls",
    summary="Record a call as a card: consultation, card, or forwarded; missing details wait",
    tag=TAG,
    request=CallRecord,
    status=201,
    headers=("Idempotency-Key",),
)
def record() -> Response:
    recorded = container().calls.record(principal(), body(CallRecord), call_id=idempotency_key())
    response = card_read(recorded, status=201)
    response.headers["Location"] = f"/staff/cards/{recorded.card.number}"
    return response


@route(
    calls,
    "/staff/calls/script",
    "GET",
    summary="What to ask a caller about a topic (?category=roads.potholes&locale=ru)",
    tag=TAG,
    staff=True,
    response=CallScriptView,
    query=CallScriptQuery,
    errors=(400, 401, 403),
)
def script() -> Response:
    c = container()
    principal()
    asked = query(CallScriptQuery)
    locale = asked.locale or c.settings.default_locale
    questions = c.calls.script(asked.category, locale)
    return json_response(
        CallScriptView(category=asked.category, locale=locale, questions=questions)
    )
