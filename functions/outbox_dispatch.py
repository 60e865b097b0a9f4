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
from chalicelib.adapters import table_schema as ts
from chalicelib.observability import logger
from chalicelib.services.outbox_dispatch import dispatch, dispatch_due


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    c = bootstrap.container()
    if "Records" in event:
        counts = _from_stream(DynamoDBStreamEvent(event), c)
    else:
        counts = dispatch_due(ports=c.dispatch_ports, policy=c.mail_policy)
    # Quiet when there was nothing to send: the minute rule finds nothing most minutes.
    (logger.info if counts else logger.debug)("outbox dispatched", extra=dict(counts))
    return dict(counts)


def _from_stream(event: DynamoDBStreamEvent, c: bootstrap.Container) -> Counter[str]:
    ids = []
    for record in event.records:
        keys = record.dynamodb.keys if record.dynamodb else {}
        pk, sk = keys.get(ts.PARTITION_KEY, ""), keys.get(ts.SORT_KEY, "")
        if record.event_name and record.event_name.name == "INSERT" and pk.startswith("OUTBOX#"):
            ids.append(sk)
    try:
        return dispatch(ids, ports=c.dispatch_ports, policy=c.mail_policy)
    except Exception:
        logger.exception("stream dispatch failed; the sweep will send", extra={"count": len(ids)})
        return Counter(deferred=len(ids))
