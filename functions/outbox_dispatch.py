"""Sends requester messages from the outbox.

Two triggers, one job: the table's stream reports new outbox items (filtered to ``OUTBOX#``
inserts) so a receipt leaves within seconds; an EventBridge rule every minute sends what is due
again (retries after backoff, leases of senders that died). A stream batch that fails is not
retried by Lambda: the messages are safe in the table and the minute sweep sends them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from chalicelib import bootstrap
from chalicelib.adapters.table_stream import item_written
from chalicelib.observability import entrypoint, logger
from chalicelib.services.outbox_dispatch import OutboxDispatch


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    outbox = bootstrap.container().outbox_dispatch
    if "Records" in event:
        counts = _from_stream(DynamoDBStreamEvent(event), outbox)
    else:
        counts = outbox.dispatch_due()
    # Quiet when there was nothing to send: the minute rule finds nothing most minutes.
    (logger.info if counts else logger.debug)("outbox dispatched", extra=dict(counts))
    return dict(counts)


def _from_stream(event: DynamoDBStreamEvent, outbox: OutboxDispatch) -> Counter[str]:
    written = [item_written(record) for record in event.records]
    ids = [w.outbox_message_id for w in written if w and w.inserted and w.outbox_message_id]
    try:
        return outbox.dispatch(ids)
    except Exception:
        logger.exception("stream dispatch failed; the sweep will send", extra={"count": len(ids)})
        return Counter(deferred=len(ids))
