"""Route registration for the blueprints: translates errors at the edge and records each
operation for the OpenAPI document."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalice.app import Blueprint, CognitoUserPoolAuthorizer, CORSConfig, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.errors import error_response, from_pydantic
from chalicelib.domain.errors import DomainError, PayloadTooLarge, ValidationFailed

M = TypeVar("M", bound=BaseModel)

# API Gateway verifies staff tokens against this pool. The CDK stack overrides the placeholder
# with the real pool's ARN in the packaged template.
USER_POOL_ARN_PLACEHOLDER = "arn:aws:cognito-idp:eu-central-1:000000000000:userpool/placeholder"
STAFF_AUTHORIZER = CognitoUserPoolAuthorizer(
    "StaffUserPool",
    provider_arns=[os.environ.get("CIVICDESK_USER_POOL_ARN", USER_POOL_ARN_PLACEHOLDER)],
)

PUBLIC_CORS = CORSConfig(
    allow_origin=os.environ.get("CIVICDESK_PORTAL_ORIGIN", "*"),
    allow_headers=["X-Access-Token", "Idempotency-Key", "Accept-Language"],
    max_age=600,
)


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    request: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    staff: bool
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=(400, 404))


OPERATIONS: list[Operation] = []


def route(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    tag: str,
    staff: bool = False,
    request: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    query: tuple[str, ...] = (),
    headers: tuple[str, ...] = (),
    errors: tuple[int, ...] = (400, 404),
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def translated(**kwargs: Any) -> Response:
            try:
                return view(**kwargs)
            except DomainError as error:
                return error_response(error)

        bp.route(
            path,
            methods=[method],
            authorizer=STAFF_AUTHORIZER if staff else None,
            cors=None if staff else PUBLIC_CORS,
        )(translated)
        OPERATIONS.append(
            Operation(
                path, method, summary, tag, request, response, status, staff, query, headers, errors
            )
        )
        return translated

    return decorate


def parse_body(request: Request, model: type[M], *, max_bytes: int) -> M:
    """The JSON body as ``model``; 413 when too large, 400 naming every bad field otherwise."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"the request body is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("body", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationFailed.single("body", "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_pydantic(error) from None


def json_response(
    body: BaseModel | dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    text = (
        body.model_dump_json(by_alias=True)
        if isinstance(body, BaseModel)
        else json.dumps(body, ensure_ascii=False)
    )
    return Response(
        body=text,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
