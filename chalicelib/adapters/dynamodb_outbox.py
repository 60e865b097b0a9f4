"""Outbox on the cards table: a card's messages share the partition ``OUTBOX#<number>``; the
sparse ``due`` index lists what is queued (``OUTBOX``) and what no channel took
(``OUTBOX-FAILED``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code, query_all
from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.outbox import OutboxMessage, card_of
from chalicelib.domain.retention import RetentionPolicy

BATCH_GET_MAX = 100


def outbox_item(message: OutboxMessage, expires_at: datetime | None = None) -> dict[str, Any]:
    """The stored form: the message as JSON, its version for conditions, index keys, and when
    DynamoDB may delete it (the town's retention, once it settled)."""
    item: dict[str, Any] = {
        ts.PARTITION_KEY: {"S": ts.outbox_pk(message.card_number)},
        ts.SORT_KEY: {"S": message.id},
        "entity": {"S": "outbox"},
        "status": {"S": message.status.value},
        "version": {"N": str(message.version)},
        "message": {"S": message.model_dump_json()},
    }
    if message.pending and message.next_attempt_at is not None:
        item[ts.DUE_PARTITION_KEY] = {"S": ts.OUTBOX_DUE_PARTITION}
        item[ts.DUE_SORT_KEY] = {"S": ts.due_sort_key(message.next_attempt_at, message.id)}
    elif message.stuck:
        item[ts.DUE_PARTITION_KEY] = {"S": ts.OUTBOX_FAILED_PARTITION}
        item[ts.DUE_SORT_KEY] = {"S": ts.due_sort_key(message.updated_at, message.id)}
    if expires_at is not None:
        item[ts.TTL_ATTRIBUTE] = {"N": str(int(expires_at.timestamp()))}
    return item


def message_from_item(item: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage.model_validate_json(item["message"]["S"])


def new_outbox_put(table: str, message: OutboxMessage) -> dict[str, Any]:
    """A transaction item that adds ``message`` unless a message with its id exists."""
    return {
        "Put": {
            "TableName": table,
            "Item": outbox_item(message),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
        }
    }


class DynamoOutbox:
    def __init__(
        self, client: Any, table_name: str, retention: RetentionPolicy | None = None
    ) -> None:
        self._retention = retention or RetentionPolicy()
        self._db = client
        self._table = table_name

    def add(self, message: OutboxMessage) -> None:
        try:
            self._db.put_item(**new_outbox_put(self._table, message)["Put"])
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise ConflictError(f"outbox message {message.id} exists") from error

    def get(self, message_id: str) -> OutboxMessage:
        response = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key=self._key(message_id),
        )
        if "Item" not in response:
            raise NotFound(f"no outbox message {message_id}")
        return message_from_item(response["Item"])

    def due(self, until: datetime, *, limit: int) -> list[OutboxMessage]:
        upper = ts.due_sort_key(until, "~")  # '~' sorts after every id at that instant
        return self._listed(ts.OUTBOX_DUE_PARTITION, upper, limit)

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        return self._listed(ts.OUTBOX_FAILED_PARTITION, "~", limit)

    def update(self, message: OutboxMessage) -> None:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=outbox_item(message, self._retention.outbox_expires(message)),
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":expected": {"N": str(message.version - 1)}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise ConflictError(f"outbox message {message.id} changed meanwhile") from error

    def for_card(self, number: str) -> list[OutboxMessage]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.outbox_pk(number)}},
        }
        messages = [message_from_item(i) for i in query_all(self._db, request)]
        return sorted(messages, key=lambda m: (m.created_at, m.id))

    def forget_card(self, number: str) -> int:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ProjectionExpression": "#pk, #sk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY, "#sk": ts.SORT_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.outbox_pk(number)}},
        }
        keys = list(query_all(self._db, request))
        for key in keys:
            self._db.delete_item(TableName=self._table, Key=key)
        return len(keys)

    def _listed(self, partition: str, upper: str, limit: int) -> list[OutboxMessage]:
        response = self._db.query(
            TableName=self._table,
            IndexName=ts.DUE_INDEX,
            KeyConditionExpression="#pk = :pk AND #sk <= :upper",
            ExpressionAttributeNames={"#pk": ts.DUE_PARTITION_KEY, "#sk": ts.DUE_SORT_KEY},
            ExpressionAttributeValues={":pk": {"S": partition}, ":upper": {"S": upper}},
            Limit=limit,
        )
        ids = [i[ts.SORT_KEY]["S"] for i in response.get("Items", [])]
        return self._batch_get(ids)

    def _batch_get(self, ids: list[str]) -> list[OutboxMessage]:
        """The messages behind index keys (the index keeps keys only), in the index's order."""
        found: dict[str, OutboxMessage] = {}
        for start in range(0, len(ids), BATCH_GET_MAX):
            keys: list[dict[str, Any]] = [self._key(i) for i in ids[start : start + BATCH_GET_MAX]]
            while keys:
                response = self._db.batch_get_item(
                    RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in response.get("Responses", {}).get(self._table, []):
                    message = message_from_item(item)
                    found[message.id] = message
                keys = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        return [found[i] for i in ids if i in found]

    @staticmethod
    def _key(message_id: str) -> dict[str, Any]:
        return {
            ts.PARTITION_KEY: {"S": ts.outbox_pk(card_of(message_id))},
            ts.SORT_KEY: {"S": message_id},
        }
