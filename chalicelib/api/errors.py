"""The one table from domain errors to HTTP, and the error body every client sees.

Body: ``{"error": {"code", "message", "fields": [{"field", "problem", "code"}],
"current_version"?}}``; a field problem's ``code`` is stable (clients translate it).
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.domain import errors as e

HTTP_STATUS: dict[type[e.DomainError], int] = {
    e.ValidationFailed: 400,
    e.Unauthenticated: 401,
    e.PermissionDenied: 403,
    e.NotFound: 404,
    e.ConflictError: 409,
    e.PayloadTooLarge: 413,
    e.TransitionForbidden: 422,
    e.IdempotencyMismatch: 422,
    e.TooManyRequests: 429,
}


def status_for(error: e.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]  # type: ignore[index]
    return 400


def error_body(error: e.DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message, "fields": []}
    if isinstance(error, e.ValidationFailed):
        body["fields"] = [
            {"field": p.field, "problem": p.problem, "code": p.code} for p in error.problems
        ]
    if isinstance(error, e.TransitionForbidden) and error.field:
        body["fields"] = [
            {"field": error.field, "problem": error.message, "code": error.field_code}
        ]
    if isinstance(error, e.ConflictError):
        body["current_version"] = error.current_version
    return {"error": body}


def error_response(error: e.DomainError, headers: dict[str, str] | None = None) -> Response:
    extra = dict(headers or {})
    if isinstance(error, e.Unauthenticated):
        extra["WWW-Authenticate"] = "Bearer"
    if isinstance(error, e.TooManyRequests):
        extra["Retry-After"] = str(error.retry_after)
    return Response(
        body=json.dumps(error_body(error), ensure_ascii=False),
        status_code=status_for(error),
        headers={"Content-Type": "application/json", **extra},
    )


# Pydantic's error types, as the stable codes clients translate (its wording never reaches a
# citizen: the portal shows its own sentence per code).
PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "too_short": "too_few",
    "too_long": "too_many",
    "string_pattern_mismatch": "bad_format",
    "enum": "not_one_of",
    "literal_error": "not_one_of",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "extra_forbidden": "unknown_field",
    "timezone_aware": "needs_time_zone",
}
WRONG_TYPE_SUFFIXES = ("_type", "_parsing", "_from_datetime_inexact")


def from_pydantic(error: ValidationError, prefix: str = "") -> e.ValidationFailed:
    """Every problem pydantic found, each named by its dotted field path, with its code."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        field = f"{prefix}.{path}" if prefix and path != "body" else (prefix or path)
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(e.FieldProblem(field=field, problem=message, code=_code(item)))
    return e.ValidationFailed(problems)


def _code(item: Any) -> str:
    kind = str(item["type"])
    if kind in PYDANTIC_CODES:
        return PYDANTIC_CODES[kind]
    if kind.endswith(WRONG_TYPE_SUFFIXES):
        return "wrong_type"
    # A validator of ours names its problem (PydanticCustomError's type), else "invalid".
    return kind if kind not in ("value_error", "assertion_error") else "invalid"
