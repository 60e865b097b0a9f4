"""Schema-driven fuzzing: Schemathesis reads the app's own /openapi.json and sends what it
allows (and what it forbids) to every route, public and staff (with an administrator's
token), over the app's HTTP gateway with DynamoDB and S3 under moto.

It fails on any 5xx, on a response the document does not describe (status, headers, body),
on a request the document allows that the server refuses, and on a request it forbids that
the server takes. Bounded here (``CIVICDESK_FUZZ_EXAMPLES`` per route, 12 by default) so it
fits ``make test``; ``make fuzz`` runs it deeper.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.api.openapi import HEADERS
from tests.conftest import START, TEST_SECRET, card_form, settings_for_tests
from tests.integration.conftest import Api

EXAMPLES = int(os.environ.get("CIVICDESK_FUZZ_EXAMPLES", "12"))
STAFF = "adm-dmitry"


def as_wsgi() -> Callable[..., Iterable[bytes]]:
    """The Chalice app behind its local API gateway (what ``make run`` serves), as a WSGI app
    Schemathesis can call in-process."""
    from chalice.config import Config
    from chalice.local import LocalGateway, LocalGatewayException

    from app import app as chalice_app

    gateway = LocalGateway(chalice_app, Config())

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The path as sent, escapes kept (an escaped "/" inside a parameter stays inside it).
        sent = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ["PATH_INFO"])
        path = sent.split("?", 1)[0]
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            answer = gateway.handle_request(
                method=environ["REQUEST_METHOD"], path=path, headers=headers, body=body
            )
            status, sent = answer["statusCode"], answer.get("body") or ""
            answer_headers = dict(answer.get("headers") or {})
            for name, values in (answer.get("multiValueHeaders") or {}).items():
                answer_headers[name] = ", ".join(values)
            content = base64.b64decode(sent) if answer.get("isBase64Encoded") else sent.encode()
        except LocalGatewayException as refused:  # what API Gateway itself answers
            status, answer_headers, content = refused.CODE, refused.headers, refused.body or b""
        start_response(f"{status} {HTTPStatus(status).phrase}", list(answer_headers.items()))
        return [content]

    return app


@pytest.fixture
def fuzz_api(make_api) -> Api:
    # One client address sends everything here: the limits per address are the subject of
    # their own tests, not of this one.
    from chalicelib.domain.rate_limits import Limits

    roomy = Limits.overridden(
        {
            name: [[3600, 1_000_000]]
            for name in ("writes", "new_requests", "access_codes", "codes_per_number")
        }
    )
    from chalicelib.adapters.memory_exports import ImmediateRunner

    # Exports are started, not run: the export function is not what is fuzzed here.
    api = make_api(limits=roomy, export_runner=ImmediateRunner(lambda job: None))
    # A card to aim at: paths with its number reach real work, not only 404s.
    api.post("/requests", card_form())
    return api


def _document() -> dict[str, Any]:
    """What ``/openapi.json`` serves (the town's codes filled in from the test directory)."""
    import app  # noqa: F401 - registers the routes the document describes
    from chalicelib.api.openapi import openapi_document

    return openapi_document(
        directory=StaticDirectory.from_file(), consent_version=settings_for_tests().consent_version
    )


schema = schemathesis.openapi.from_dict(_document())
# Each test's own container (``make_api`` installs it) answers what this app is sent.
schema.app = as_wsgi()


@schema.auth()
class StaffToken:
    """An administrator's token on every call: Schemathesis also sends calls without it, and
    checks they are refused."""

    def get(self, case: schemathesis.Case, context: Any) -> str:
        return _admin_token()

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _admin_token() -> str:
    from chalicelib.adapters import dev_tokens

    staff = StaticDirectory.from_file().staff_member(STAFF)
    assert staff is not None
    return dev_tokens.issue(
        dev_tokens.staff_claims(staff), secret=TEST_SECRET, now=START, ttl=timedelta(days=30)
    )


# Rules across fields that JSON Schema cannot state: a request the document allows may be
# refused for them (the document's descriptions say so), and only for them.
CROSS_FIELD = {
    ("POST", "/staff/exports"): "the period's end is not before its start",
    ("GET", "/staff/reports"): "the period's end is not before its start",
    ("POST", "/staff/calls"): "the essence and what was checked fit one description together",
    ("POST", "/admin/templates/preview"): "a source is a template of its kind (its blocks)",
    ("PUT", "/admin/routing/rules"): "each rule has its own id",
    ("GET", "/staff/search"): "the period's end is not before its start",
    ("POST", "/staff/bulk"): "each card is named once",
    ("GET", "/places/similar"): "latitude and longitude come together (parameters cannot say so)",
    ("GET", "/open311/v2/{document}"): "a range spans at most 90 days, ends after it starts; "
    "lat and long come together; valid dates and degrees besides their pattern",
}


def _must_be_taken(case: schemathesis.Case) -> bool:
    """Whether the document promises the server takes this request (when it is valid)."""
    if (case.operation.method.upper(), case.operation.path) in CROSS_FIELD:
        return False
    if (case.query or {}).get("cursor"):
        return False  # a cursor is the server's own token: none made up is one it returned
    # Seen with Schemathesis 4.32: a case marked valid whose JSON body is not the object the
    # operation's schema requires (e.g. the number 0); no such body is valid.
    return len(case.operation.body) == 0 or isinstance(case.body, dict)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_route_answers_within_its_document(case: schemathesis.Case, fuzz_api) -> None:
    checks = list(CHECKS)
    if _must_be_taken(case):
        checks.append(positive_data_acceptance)
    key = (case.headers or {}).get("Idempotency-Key")
    if key and re.fullmatch(HEADERS["Idempotency-Key"]["pattern"], key):
        # Each valid request its own key: a key the fuzzer already sent with another body is
        # refused (422), rightly, and proves nothing about the document.
        case.headers = {**(case.headers or {}), "Idempotency-Key": uuid.uuid4().hex}
    # Not checked: that the server refuses whatever the document forbids. It reads a few
    # forms leniently on purpose (0/1 for a boolean, a number for a date, query parameters it
    # does not know, which caches and trackers add) and is the stricter side everywhere else.
    case.call_and_validate(checks=checks)
