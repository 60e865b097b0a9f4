"""The one table from domain errors to HTTP, and the error body every client sees.

Body: ``{"error": {"code", "message", "fields": [{"field", "problem"}], "current_version"?}}``
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
        body["fields"] = [{"field": p.field, "problem": p.problem} for p in error.problems]
    if isinstance(error, e.TransitionForbidden) and error.field:
        body["fields"] = [{"field": error.field, "problem": error.message}]
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


def from_pydantic(error: ValidationError, prefix: str = "") -> e.ValidationFailed:
    """Every problem pydantic found, each named by its dotted field path."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        field = f"{prefix}.{path}" if prefix and path != "body" else (prefix or path)
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(e.FieldProblem(field=field, problem=message))
    return e.ValidationFailed(problems)
