"""Monday morning (EventBridge rule): mail last week's repeated missed deadlines to controllers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services.breach_review import last_week, send_weekly_review


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    c = bootstrap.container()
    week = last_week(c.clock.now(), c.mail_policy)
    sent = send_weekly_review(
        week,
        breaches=c.breaches,
        directory=c.directory,
        mailer=c.mailer,
        templates=c.templates,
        policy=c.mail_policy,
        now=c.clock.now(),
    )
    return {"week": week, "sent": sent}
