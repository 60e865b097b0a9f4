"""Monday morning (EventBridge rule): mail last week's repeated missed deadlines to controllers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from chalicelib import bootstrap
from chalicelib.observability import entrypoint


@entrypoint
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    week, sent = bootstrap.container().sla.send_weekly_review()
    return {"week": week, "sent": sent}
