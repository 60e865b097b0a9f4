"""Per-request observability: one structured log line per request, with no personal data.

The card number is the correlation id, so every line about a card can be found by its number;
requests that name no card fall back to API Gateway's request id.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib.observability import annotate, logger


def observe_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
    context = request.context or {}
    number = (request.uri_params or {}).get("number")
    logger.set_correlation_id(number or context.get("requestId"))
    logger.append_keys(request_id=context.get("requestId"))
    started = time.perf_counter()
    try:
        response = get_response(request)
    finally:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    route = context.get("resourcePath", "")
    annotate("route", route)
    # The route template, not the path; the number is already the correlation id.
    logger.info(
        "request handled",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": elapsed_ms,
        },
    )
    logger.remove_keys(["request_id"])
    logger.set_correlation_id(None)
    return response
