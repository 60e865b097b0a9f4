"""What every route shares, in one place: registration (errors translated at the edge, each
operation recorded for the OpenAPI document), reading the request being answered (``body``,
``query``, ``header``, ``principal``, ``idempotency_key``, ``card_number``) and rendering a card
for staff (``card_read``). A route is then: parse, call one use case of the container, render.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

from chalice.app import Blueprint, CognitoUserPoolAuthorizer, CORSConfig, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.api.auth import SignedIn, signed_in
from chalicelib.api.errors import error_response, from_pydantic
from chalicelib.domain.access import Principal
from chalicelib.domain.card import is_card_number
from chalicelib.domain.errors import (
    DomainError,
    FieldProblem,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from chalicelib.domain.rate_limits import ClientLimit
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.services.card_changes import StaffCard

M = TypeVar("M", bound=BaseModel)
Q = TypeVar("Q", bound="QueryParams")

# The HTTP statuses a route may answer besides success, for the OpenAPI document.
STAFF_ERRORS = (400, 401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
MAX_IDEMPOTENCY_KEY = 128

# API Gateway verifies staff tokens against this pool. The CDK stack overrides the placeholder
# with the real pool's ARN in the packaged template.
USER_POOL_ARN_PLACEHOLDER = "arn:aws:cognito-idp:eu-central-1:000000000000:userpool/placeholder"
STAFF_AUTHORIZER = CognitoUserPoolAuthorizer(
    "StaffUserPool",
    provider_arns=[os.environ.get("CIVICDESK_USER_POOL_ARN", USER_POOL_ARN_PLACEHOLDER)],
)

PUBLIC_CORS = CORSConfig(
    allow_origin=os.environ.get("CIVICDESK_PORTAL_ORIGIN", "*"),
    allow_headers=["X-Access-Token", "X-Unfollow-Token", "Idempotency-Key", "Accept-Language"],
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
    query: type[QueryParams] | None = None
    headers: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=(400, 404))
    # An operation whose contract no pydantic model states (Open311: JSON and XML, the
    # standard's errors): its OpenAPI operation object, written out.
    document: dict[str, Any] | None = None


OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class _Answering:
    """The request a route is answering, the body size its route allows, and on a staff
    route who is calling (checked once, before the view runs)."""

    request: Request
    body_limit: int | None
    caller: SignedIn | None = None


_ANSWERING: ContextVar[_Answering] = ContextVar("answering")


class QueryParams(BaseModel):
    """A route's query string, validated like a body: list fields take a parameter repeated
    or comma-separated; unknown parameters are ignored (caches and trackers add their own)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


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
    query: type[QueryParams] | None = None,
    headers: tuple[str, ...] = (),
    errors: tuple[int, ...] = (400, 404),
    body_limit: int | None = None,
    limits: tuple[ClientLimit, ...] = (),
    before_second_factor: bool = False,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register ``view``; ``body_limit`` overrides the settings' body size for this route;
    ``limits`` are the client limits the route counts against besides the one every public
    write counts against (``ClientLimit.WRITES``, implied). A staff route refuses a caller
    whose role needs a second factor they have not set up, unless ``before_second_factor``
    (the console must learn who is signed in to send them to set it up)."""
    public_write = not staff and method != "GET"
    admitted = ((ClientLimit.WRITES,) if public_write else ()) + limits
    if admitted and 429 not in errors:
        errors = (*errors, 429)

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def translated(**kwargs: Any) -> Response:
            answering = None
            try:
                signed = (
                    signed_in(bp.current_request, before_second_factor=before_second_factor)
                    if staff
                    else None
                )
                answering = _ANSWERING.set(_Answering(bp.current_request, body_limit, signed))
                if admitted:
                    admit(bp.current_request, admitted)
                return view(**kwargs)
            except DomainError as error:
                return error_response(error)
            except ValidationError as error:
                # A use case refused input the route's model let through: the fields are
                # named to the client; values are never logged (they are the person's words).
                refused = from_pydantic(error)
                logger.warning(
                    "input refused past the edge",
                    extra={"fields": [p.field for p in refused.problems]},
                )
                return error_response(refused)
            finally:
                if answering is not None:
                    _ANSWERING.reset(answering)

        bp.route(
            path,
            methods=[method],
            authorizer=STAFF_AUTHORIZER if staff else None,
            cors=None if staff else PUBLIC_CORS,
        )(translated)
        OPERATIONS.append(
            Operation(
                path,
                method,
                summary,
                tag,
                request,
                response,
                status,
                staff,
                query,
                headers,
                errors,
            )
        )
        return translated

    return decorate


def admit(request: Request, kinds: tuple[ClientLimit, ...]) -> None:
    """Count the request against its client's limits, before any work (a refused request,
    even a malformed one, costs the town nothing more)."""
    from chalicelib.bootstrap import container

    identity = (request.context or {}).get("identity") or {}
    container().admission.admit(str(identity.get("sourceIp") or "unknown"), kinds)


def card_action(
    bp: Blueprint,
    path: str,
    *,
    summary: str,
    tag: str,
    request: type[BaseModel],
    status: int = 200,
    headers: tuple[str, ...] = (),
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A staff action on a card (POST), answered with the card as the caller may see it."""
    from chalicelib.api.schemas import CardRead

    return route(
        bp,
        path,
        "POST",
        summary=summary,
        tag=tag,
        staff=True,
        request=request,
        response=CardRead,
        status=status,
        headers=headers,
        errors=WRITE_ERRORS,
    )


def parse_body(request: Request, model: type[M], *, max_bytes: int) -> M:
    """The JSON body as ``model``; 413 when too large, 400 naming every bad field otherwise."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"the request body is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("body", "is not valid JSON", "not_json") from None
    except RecursionError:
        # Thousands of nested brackets: no request of ours nests more than a few levels.
        raise ValidationFailed.single("body", "is nested too deeply", "too_deep") from None
    if not isinstance(data, dict):
        raise ValidationFailed.single("body", "must be a JSON object", "not_an_object")
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


def current_request() -> Request:
    """The request the running route answers."""
    return _ANSWERING.get().request


def body(model: type[M]) -> M:
    """The request's JSON body as ``model``, within the route's size limit."""
    from chalicelib.bootstrap import container

    limit = _ANSWERING.get().body_limit or container().settings.max_body_bytes
    return parse_body(current_request(), model, max_bytes=limit)


def query(model: type[Q]) -> Q:
    """The query string as ``model``; 400 naming every bad parameter."""
    params: Any = current_request().query_params or {}
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in params:
            continue
        if get_origin(info.annotation) in (list, tuple) or _is_list(info.annotation):
            raw = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
            values[key] = [v.strip() for item in raw for v in item.split(",") if v.strip()]
        else:
            values[key] = params[key]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _by_parameter(from_pydantic(error)) from None


def header(name: str) -> str | None:
    return current_request().headers.get(name.lower())


def principal() -> Principal:
    """The signed-in staff member making the request (staff routes only)."""
    return caller().principal


def caller() -> SignedIn:
    """Who makes the request and where they stand with a second factor (staff routes only)."""
    signed = _ANSWERING.get().caller
    if signed is None:
        raise RuntimeError("principal() is for staff routes: register the route with staff=True")
    return signed


def idempotency_key(name: str = "Idempotency-Key") -> str | None:
    """The client's retry key (or a call's id), checked."""
    value = header(name)
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationFailed.single(
            name, f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters", "bad_format"
        )
    return key


def card_number(number: str, *, unknown: str | None = None) -> str:
    """A card number from the path; anything else is a card that does not exist."""
    if not is_card_number(number):
        raise NotFound(unknown or f"no card {number}")
    return number


def card_read(shown: StaffCard, status: int = 200) -> Response:
    """A card as a staff member may see it (a ``StaffCard`` from casework), with its ETag."""
    from chalicelib.api.schemas import CardRead
    from chalicelib.bootstrap import container

    view = CardRead.of_card(shown, container().directory.categories())
    return json_response(view, status=status, headers={"ETag": f'"{view.version}"'})


def _is_list(annotation: Any) -> bool:
    """``list[X] | None`` and the like."""
    return any(get_origin(arg) in (list, tuple) for arg in get_args(annotation))


def _by_parameter(invalid: ValidationFailed) -> ValidationFailed:
    """Query parameters are flat: a problem names its parameter (``status``, not ``status.1``)."""
    seen: dict[str, FieldProblem] = {}
    for problem in invalid.problems:
        name = problem.field.split(".")[0]
        seen.setdefault(name, FieldProblem(name, problem.problem, problem.code))
    return ValidationFailed(list(seen.values()))
