"""Serves the API's own OpenAPI document."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response

docs = Blueprint(__name__)


@docs.route("/openapi.json", methods=["GET"], cors=True)
def openapi() -> Response:
    from chalicelib.api.openapi import openapi_document

    return json_response(openapi_document())
