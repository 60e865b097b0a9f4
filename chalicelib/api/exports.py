"""Exports on demand: managers ask for a period and fetch the files when they are ready."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import ExportView
from chalicelib.services import exports as export_service
from chalicelib.services.commands import ExportCommand

exports = Blueprint(__name__)
TAG = "Reports"


@route(
    exports,
    "/staff/exports",
    "POST",
    summary="Export the requests received in a period (CSV and Parquet); runs in the background",
    tag=TAG,
    staff=True,
    request=ExportCommand,
    response=ExportView,
    status=202,
    errors=(400, 401, 403, 413),
)
def start() -> Response:
    c = bootstrap.container()
    command = parse_body(exports.current_request, ExportCommand, max_bytes=4096)
    job = export_service.request_export(
        current_principal(exports.current_request),
        command,
        store=c.export_store,
        runner=c.export_runner,
        clock=c.clock,
    )
    response = json_response(view(job), status=202)
    response.headers["Location"] = f"/staff/exports/{job['export_id']}"
    return response


@route(
    exports,
    "/staff/exports/{export_id}",
    "GET",
    summary="An export's status and, when done, short-lived links to its files",
    tag=TAG,
    staff=True,
    response=ExportView,
    errors=(401, 403, 404),
)
def status(export_id: str) -> Response:
    c = bootstrap.container()
    found = export_service.export_status(
        current_principal(exports.current_request), export_id, store=c.export_store
    )
    return json_response(view(found), headers={"Cache-Control": "no-store"})


def view(job: dict[str, Any]) -> ExportView:
    return ExportView(
        export_id=job["export_id"],
        status=job["status"],
        period_from=job["from"],
        period_to=job["to"],
        formats=job["formats"],
        requested_at=job["requested_at"],
        rows=job.get("rows"),
        finished_at=job.get("finished_at"),
        reason=job.get("reason"),
        links=job.get("links", {}),
        links_expire_in=job.get("links_expire_in"),
    )
