"""Reports and exports: a period's figures, repeated missed deadlines, and exports on demand
(managers ask for a period and fetch the files when they are ready)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import STAFF_ERRORS, body, json_response, principal, query, route
from chalicelib.api.queries import BreachReviewQuery, PeriodQuery
from chalicelib.api.schemas import (
    BreachGroupView,
    ExportView,
    RefreshView,
    RepeatedBreachesView,
    ReportView,
)
from chalicelib.bootstrap import container
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
    body_limit=4096,
)
def start() -> Response:
    job = container().exports.request(principal(), body(ExportCommand))
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
    found = container().exports.status(principal(), export_id)
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
    query=PeriodQuery,
    errors=(400, 401, 403),
)
def figures() -> Response:
    who = principal()
    period = query(PeriodQuery)
    found = container().reports.report(who, period.start, period.end, period.department)
    return json_response(ReportView.model_validate(found), headers={"Cache-Control": "no-store"})


@route(
    exports,
    "/staff/reports/refresh",
    "POST",
    summary="Recompute the report figures now (the nightly aggregation, without its files); "
    "once in ten minutes for the town, else 429 with Retry-After",
    tag=TAG,
    staff=True,
    response=RefreshView,
    status=202,
    errors=(401, 403, 429),
)
def refresh_figures() -> Response:
    started = container().reports.refresh(principal())
    return json_response(RefreshView.model_validate(started), status=202)


@route(
    exports,
    "/staff/reports/repeated-breaches",
    "GET",
    summary="Categories with repeated missed deadlines in an ISO week (default: last week)",
    tag=TAG,
    staff=True,
    response=RepeatedBreachesView,
    query=BreachReviewQuery,
    errors=STAFF_ERRORS,
)
def repeated_breaches() -> Response:
    who = principal()
    asked = query(BreachReviewQuery)
    week, groups = container().sla.repeated_breaches(who, asked.week, locale=asked.locale)
    return json_response(
        RepeatedBreachesView(
            week=week,
            categories=[
                BreachGroupView(
                    category=g.category, label=g.label, count=g.count, numbers=list(g.numbers)
                )
                for g in groups
            ],
        )
    )


def view(job: dict[str, Any]) -> ExportView:
    return ExportView(
        export_id=job["export_id"],
        status=job["status"],
        period_from=job["from"],
        period_to=job["to"],
        formats=job["formats"],
        departments=job.get("departments"),
        requested_at=job["requested_at"],
        rows=job.get("rows"),
        finished_at=job.get("finished_at"),
        reason=job.get("reason"),
        links=job.get("links", {}),
        links_expire_in=job.get("links_expire_in"),
    )
