"""Every five minutes (EventBridge rule): check every card the due index says needs a look.

The safety net under the per-card timers: a card changed since its last check, a timer that
failed, a chain step the workflow did not send — all are found here.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from chalicelib import bootstrap
from chalicelib.observability import entrypoint, logger


@entrypoint
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    report = bootstrap.container().sla.sweep()
    logger.info(
        "sweep done",
        extra={"checked": report.checked, "failed": len(report.failed), "more": report.more},
    )
    return asdict(report)
