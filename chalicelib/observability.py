"""Powertools Logger, Metrics and Tracer for every entry point.

Logs carry the card number as correlation key and never personal data: ids, numbers, channels
and categories, never names, contacts or free text.

Metrics and the tracer are built on first use, not at import: the X-Ray SDK alone costs about
as much to import as boto3, and a process with tracing disabled should not pay for it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

SERVICE = "civicdesk"
NAMESPACE = "CivicDesk"

logger = Logger(service=SERVICE)


@cache
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=SERVICE
    )


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


def annotate(key: str, value: str) -> None:
    active = tracer()
    if active is not None:
        active.put_annotation(key=key, value=value)
