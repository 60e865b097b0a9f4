"""The cards table's stream, read one way by every consumer: which item a record says was
written (AWS's record shape, through Powertools' data class)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from chalicelib.adapters import table_schema as ts

WRITES = (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY)


@dataclass(frozen=True)
class ItemWritten:
    """An item a stream record says was inserted or modified."""

    partition_key: str
    sort_key: str
    inserted: bool
    attributes: frozenset[str]  # the new image's attribute names (values are not decoded)

    @property
    def card_number(self) -> str | None:
        """The card's number, when the item is a card (not its history or its outbox)."""
        prefix = ts.card_pk("")
        if self.sort_key != ts.CARD_SK or not self.partition_key.startswith(prefix):
            return None
        return self.partition_key.removeprefix(prefix)

    @property
    def outbox_message_id(self) -> str | None:
        return self.sort_key if self.partition_key.startswith(ts.outbox_pk("")) else None


def item_written(record: DynamoDBRecord) -> ItemWritten | None:
    """What ``record`` says was written; ``None`` for a removal."""
    if record.event_name not in WRITES or record.dynamodb is None:
        return None
    raw = record.dynamodb.raw_event
    keys = raw.get("Keys") or {}
    return ItemWritten(
        partition_key=(keys.get(ts.PARTITION_KEY) or {}).get("S", ""),
        sort_key=(keys.get(ts.SORT_KEY) or {}).get("S", ""),
        inserted=record.event_name == DynamoDBRecordEventName.INSERT,
        attributes=frozenset(raw.get("NewImage") or {}),
    )
