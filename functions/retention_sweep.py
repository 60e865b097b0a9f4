"""Every night (EventBridge rule): take the requester's personal data off closed cards whose
time has passed, in today's share of the table (``services/privacy.py``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from chalicelib import bootstrap
from chalicelib.observability import entrypoint, logger

# Stop reading new pages with this much of the function's time left: the share is read again
# tomorrow four weeks on, and nothing is half-written (each card is one conditional write).
RESERVE_MS = 60_000


@entrypoint
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    report = bootstrap.container().privacy.sweep(
        more_time=lambda: context.get_remaining_time_in_millis() > RESERVE_MS
    )
    # Numbers only: the cards' contents are what this job removes.
    logger.info(
        "retention sweep",
        extra={"share": report.share, "checked": report.checked, "erased": len(report.erased)},
    )
    return {
        "share": report.share,
        "checked": report.checked,
        "erased": report.erased,
        "moved": report.moved,
    }
