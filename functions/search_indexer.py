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
from chalicelib.adapters.table_stream import item_written
from chalicelib.observability import entrypoint, logger
from chalicelib.services.search import Changed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# The event source mapping's filter (and the local stack's): written card items only.
STREAM_FILTER = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"Keys": {"sk": {"S": [ts.CARD_SK]}}},
}


class NotIndexed(Exception):
    """The index refused this card's document; the stream gives the record again."""


@entrypoint
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = [DynamoDBRecord(raw) for raw in event.get("Records", [])]
    changed = [change for record in records if (change := changed_card(record))]
    # One bulk write for the batch; the processor then reports its failures record by record.
    failed = set(bootstrap.container().search.index_changed(changed))

    def record_handler(record: DynamoDBRecord) -> None:
        change = changed_card(record)
        if change is not None and change.number in failed:
            raise NotIndexed(change.number)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    logger.info("cards indexed", extra={"cards": len(changed), "failed": len(failed)})
    return dict(response)


def changed_card(record: DynamoDBRecord) -> Changed | None:
    """The card a stream record is about, if it is a card item written."""
    written = item_written(record)
    number = written.card_number if written else None
    if written is None or number is None:
        return None
    return Changed(number=number, overdue=ts.OVERDUE_PARTITION_KEY in written.attributes)
