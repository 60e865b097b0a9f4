"""Per-request observability: one structured log line per request, with no personal data."""

from __future__ import annotations

import time
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.observability import annotate, logger


def observe_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
    context = request.context or {}
    logger.set_correlation_id(context.get("requestId"))
    started = time.perf_counter()
    try:
        response = get_response(request)
    finally:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    route = context.get("resourcePath", "")
    annotate("route", route)
    # The route template, not the path: paths carry card numbers, which go in card_number.
    logger.info(
        "request handled",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": elapsed_ms,
        },
    )
    logger.remove_keys(["card_number"])
    return response
