"""API keys of the programs that file requests for people (Open311 clients): issued, listed and
revoked by an administrator. A key is shown once, when issued; only its hash is kept."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import STAFF_ERRORS, body, json_response, principal, route
from chalicelib.api.schemas import ApiKeysView, ApiKeyView, IssuedKeyView
from chalicelib.bootstrap import container
from chalicelib.services.commands import ApiKeyCreate

api_keys = Blueprint(__name__)
TAG = "Administration"


@route(
    api_keys,
    "/admin/api-keys",
    "POST",
    summary="Issue an API key to a client (shown once; only its hash is kept)",
    tag=TAG,
    staff=True,
    request=ApiKeyCreate,
    response=IssuedKeyView,
    status=201,
    errors=(400, 401, 403, 413),
)
def issue() -> Response:
    issued = container().api_key_admin.issue(principal(), body(ApiKeyCreate))
    return json_response(
        IssuedKeyView(key=issued.key, **ApiKeyView.of(issued.record).model_dump()), status=201
    )


@route(
    api_keys,
    "/admin/api-keys",
    "GET",
    summary="Every API key issued (revoked ones too), without the keys themselves",
    tag=TAG,
    staff=True,
    response=ApiKeysView,
    errors=STAFF_ERRORS,
)
def every() -> Response:
    keys = container().api_key_admin.every(principal())
    return json_response(ApiKeysView(keys=[ApiKeyView.of(k) for k in keys]))


@route(
    api_keys,
    "/admin/api-keys/{key_id}/revoke",
    "POST",
    summary="Revoke an API key: its client can no longer file requests",
    tag=TAG,
    staff=True,
    response=ApiKeyView,
    errors=STAFF_ERRORS,
)
def revoke(key_id: str) -> Response:
    return json_response(ApiKeyView.of(container().api_key_admin.revoke(principal(), key_id)))
