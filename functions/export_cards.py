"""Exports for BI tools: the nightly snapshot (EventBridge rule) and exports staff request for a
period (the API invokes this function asynchronously with the job). Thin: the job to
services/exports.run_export; a failure is recorded in the job's status and raised, so Lambda's
asynchronous retries and then the failure queue keep it."""

from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.observability import entrypoint

ON_DEMAND_KEYS = frozenset({"kind", "export_id", "from", "to", "formats"})


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    exports = bootstrap.container().exports
    if event.get("kind") == "on_demand":
        missing = ON_DEMAND_KEYS - set(event)
        if missing:
            raise ValueError(f"an on-demand export job needs {sorted(missing)}")
        done = exports.run(dict(event))
    elif event.get("kind") == "figures":  # a manager asked for the figures now
        read = exports.refresh_figures()
        return {"status": "done", "rows": read}
    else:  # the nightly rule's scheduled event
        done = exports.run_nightly()
    return {"status": done["status"], "rows": done["rows"]}
