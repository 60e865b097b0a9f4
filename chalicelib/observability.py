"""Powertools Logger, Metrics and Tracer for every entry point.

Logs carry the card number as correlation key and never personal data: ids, numbers, channels
and categories, never names, contacts or free text.

Metrics and the tracer are built on first use, not at import: the X-Ray SDK alone costs about
as much to import as boto3, and a process with tracing disabled should not pay for it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

SERVICE = "civicdesk"
NAMESPACE = "CivicDesk"

logger = Logger(service=SERVICE)


def metrics_namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower()
    in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ
    return in_lambda and disabled not in ("1", "true", "yes", "on")


@cache
def tracer() -> Any | None:
    """The Powertools tracer (patching boto3 for X-Ray), or None where tracing is off."""
    if not tracing_enabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


Handler = TypeVar("Handler", bound=Callable[..., Any])


def entrypoint(handler: Handler) -> Handler:
    """What every Lambda handler in ``functions/`` wears: Powertools' log context (function,
    request id, cold start; state cleared between invocations) and, where tracing is on, the
    tracer's capture of the invocation (its cold start, its answer or error; boto3's calls
    below it are patched when the tracer is built). The tracer is built on the first call, not
    at import, so a process without tracing never loads the X-Ray SDK."""
    logged = logger.inject_lambda_context(handler, clear_state=True)

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        active = tracer()
        if active is None:
            return logged(event, context)
        return _traced(logged, active)(event, context)

    return run  # type: ignore[return-value]


@cache
def _traced(handler: Callable[..., Any], active: Any) -> Callable[..., Any]:
    # capture_response=False: answers carry card numbers and counts, and sometimes more.
    return active.capture_lambda_handler(handler, capture_response=False)  # type: ignore[no-any-return]


def annotate(key: str, value: str) -> None:
    active = tracer()
    if active is not None:
        active.put_annotation(key=key, value=value)
