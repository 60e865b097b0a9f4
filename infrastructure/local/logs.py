"""Log keys per thread in the local stack.

On AWS each function has a process of its own, so Powertools keeps a logger's keys (function
name, request id, correlation id) for the whole process. The local stack runs the API and every
function in one process, each on its own threads: with process-wide keys the API's lines carried
the name of whichever function ran last (``civicdesk-outbox-dispatch``). Each thread gets its own
keys here, starting from the logger's keys as they were built (service, level, location).
"""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools import Logger


def keys_per_thread(logger: Logger) -> None:
    formatter = logger.registered_formatter
    if getattr(formatter, "_keys_per_thread", False):
        return
    initial = dict(formatter.log_format)  # type: ignore[attr-defined]
    local = threading.local()

    def get(self: Any) -> dict[str, Any]:
        if not hasattr(local, "keys"):
            local.keys = dict(initial)
        keys: dict[str, Any] = local.keys
        return keys

    def set_(self: Any, value: dict[str, Any]) -> None:
        local.keys = value

    per_thread = type(
        f"PerThread{type(formatter).__name__}",
        (type(formatter),),
        {"log_format": property(get, set_), "_keys_per_thread": True},
    )
    formatter.__class__ = per_thread
