"""The cards table's stream → the search index.

The event source mapping passes card items only (``sk = #CARD``). Each batch is indexed in one
bulk write (the cards read with their history: messages are searched too); the records whose
card could not be written are reported as partial-batch failures (Powertools BatchProcessor),
so only those are retried; after the mapping's retries a record goes to the failure queue, and
``civicdesk search reindex`` rebuilds the index from the table at any time.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib import bootstrap
from chalicelib.adapters import table_schema as ts
from chalicelib.observability import logger
from chalicelib.services.search import Changed, index_changed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# The event source mapping's filter (and the local stack's): written card items only.
STREAM_FILTER = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"Keys": {"sk": {"S": [ts.CARD_SK]}}},
}


class NotIndexed(Exception):
    """The index refused this card's document; the stream gives the record again."""


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    c = bootstrap.container()
    changed = [change for raw in event.get("Records", []) if (change := changed_card(raw))]
    failed = set(index_changed(changed, cards=c.cards, index=c.search_index))

    def record_handler(record: DynamoDBRecord) -> None:
        change = changed_card(record.raw_event)
        if change is not None and change.number in failed:
            raise NotIndexed(change.number)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    logger.info("cards indexed", extra={"cards": len(changed), "failed": len(failed)})
    return dict(response)


def changed_card(raw: dict[str, Any]) -> Changed | None:
    """The card a stream record (AWS's shape) is about, if it is a card item written."""
    if raw.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    data = raw.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    pk = (keys.get(ts.PARTITION_KEY) or {}).get("S", "")
    sk = (keys.get(ts.SORT_KEY) or {}).get("S", "")
    if sk != ts.CARD_SK or not pk.startswith(ts.card_pk("")):
        return None
    image = data.get("NewImage") or {}
    return Changed(
        number=pk.removeprefix(ts.card_pk("")), overdue=ts.OVERDUE_PARTITION_KEY in image
    )
