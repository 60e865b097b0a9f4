"""Exports for BI tools: the nightly snapshot (EventBridge rule) and exports staff request for a
period (the API invokes this function asynchronously with the job). Thin: the job to
services/exports.run_export; a failure is recorded in the job's status and raised, so Lambda's
asynchronous retries and then the failure queue keep it."""

from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services.exports import nightly_job, run_export

ON_DEMAND_KEYS = frozenset({"kind", "export_id", "from", "to", "formats"})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    c = bootstrap.container()
    if event.get("kind") == "on_demand":
        missing = ON_DEMAND_KEYS - set(event)
        if missing:
            raise ValueError(f"an on-demand export job needs {sorted(missing)}")
        job = dict(event)
    else:  # the nightly rule's scheduled event
        job = nightly_job(c.clock.now().astimezone(c.settings.timezone).date())
    done = run_export(job, ports=c.export_ports, policy=c.export_policy)
    return {"status": done["status"], "rows": done["rows"]}
