"""Exports on demand: managers ask for a period and fetch the files when they are ready."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.auth import current_principal
from chalicelib.api.http import json_response, parse_body, route
from chalicelib.api.schemas import ExportView, ReportView
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import exports as export_service
from chalicelib.services import reports as report_service
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


@route(
    exports,
    "/staff/reports",
    "GET",
    summary="A period's figures: received, closed, reply and resolution times, overdue share, "
    "districts, channels, repeats, satisfaction; and the workload now",
    tag=TAG,
    staff=True,
    response=ReportView,
    query=("from", "to", "department"),
    errors=(400, 401, 403),
)
def figures() -> Response:
    c = bootstrap.container()
    params: dict[str, str] = dict(exports.current_request.query_params or {})
    start, end = _day(params, "from"), _day(params, "to")
    found = report_service.report(
        current_principal(exports.current_request),
        start,
        end,
        params.get("department") or None,
        store=c.export_store,
        cards=c.cards,
        directory=c.directory,
    )
    return json_response(ReportView.model_validate(found), headers={"Cache-Control": "no-store"})


def _day(params: dict[str, str], name: str) -> date:
    try:
        return date.fromisoformat(params.get(name) or "")
    except ValueError:
        raise ValidationFailed.single(name, "a date like 2026-03-31") from None


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
