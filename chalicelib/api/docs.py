"""Serves the API's own OpenAPI document."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response

docs = Blueprint(__name__)


@docs.route("/openapi.json", methods=["GET"], cors=True)
def openapi() -> Response:
    from chalicelib.bootstrap import container

    return json_response(container().api_document())
