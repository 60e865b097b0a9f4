"""MailLog on the cards table (MAIL# and CONTACT# items)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.inbound_mail import MailClaim, standing_claim
from chalicelib.ports import MailRecord

MAIL_RECORD_TTL = timedelta(days=3 * 365)
PROCESSING = "processing"
LAPSED = "0001-01-01T00:00:00+00:00"  # before any moment: a released claim's lease
_BATCH = 100


class DynamoMailLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def claim(self, message_id: str, digest: str, *, at: datetime, lease: timedelta) -> MailClaim:
        item = {
            **self._item(message_id, PROCESSING, None, "in", at),
            "digest": {"S": digest},
            "lease_until": {"S": (at + lease).isoformat()},
        }
        for _ in range(3):  # a record that expires between our write and our read
            try:
                replaced = self._db.put_item(
                    TableName=self._table,
                    Item=item,
                    ReturnValues="ALL_OLD",
                    # New; or the same mail, claimed by a delivery whose lease lapsed.
                    ConditionExpression="attribute_not_exists(#pk) OR (#outcome = :processing "
                    "AND #digest = :digest AND #lease < :now)",
                    ExpressionAttributeNames={
                        "#pk": ts.PARTITION_KEY,
                        "#outcome": "outcome",
                        "#digest": "digest",
                        "#lease": "lease_until",
                    },
                    ExpressionAttributeValues={
                        ":processing": {"S": PROCESSING},
                        ":digest": {"S": digest},
                        ":now": {"S": at.isoformat()},
                    },
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                found = self._db.get_item(
                    TableName=self._table, ConsistentRead=True, Key=self._key(message_id)
                ).get("Item")
                if found is None:
                    continue
                return standing_claim(
                    found["outcome"]["S"], found.get("digest", {}).get("S"), digest
                )
            return MailClaim.TAKEN_OVER if replaced.get("Attributes") else MailClaim.OURS
        raise ConflictError(f"the record of {message_id} keeps changing")

    def settle(self, message_id: str, *, outcome: str, card_number: str | None) -> None:
        names = {"#outcome": "outcome"}
        values: dict[str, Any] = {":outcome": {"S": outcome}}
        expression = "SET #outcome = :outcome"
        if card_number:
            names["#card"] = "card_number"
            values[":card"] = {"S": card_number}
            expression += ", #card = :card"
        self._db.update_item(
            TableName=self._table,
            Key=self._key(message_id),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def release(self, message_id: str) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(message_id),
                UpdateExpression="SET #lease = :lapsed",
                ConditionExpression="#outcome = :processing",
                ExpressionAttributeNames={"#lease": "lease_until", "#outcome": "outcome"},
                ExpressionAttributeValues={
                    ":lapsed": {"S": LAPSED},
                    ":processing": {"S": PROCESSING},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise  # settled meanwhile, or gone: nothing to release

    def remember_sent(self, message_id: str, card_number: str, *, at: datetime) -> None:
        self._db.put_item(
            TableName=self._table, Item=self._item(message_id, "sent", card_number, "out", at)
        )

    def find(self, message_ids: tuple[str, ...]) -> list[MailRecord]:
        found: dict[str, MailRecord] = {}
        unique = list(dict.fromkeys(message_ids))
        for start in range(0, len(unique), _BATCH):
            keys = [self._key(m) for m in unique[start : start + _BATCH]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = self._db.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    record = MailRecord(
                        message_id=item["message_id"]["S"],
                        card_number=item.get("card_number", {}).get("S"),
                        outcome=item["outcome"]["S"],
                    )
                    found[record.message_id] = record
                request = response.get("UnprocessedKeys") or {}
        return [found[m] for m in unique if m in found]

    def mark_undeliverable(self, address: str, *, at: datetime) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                **self._contact_key(address),
                "entity": {"S": "contact"},
                "since": {"S": at.isoformat()},
            },
        )

    def is_undeliverable(self, address: str) -> bool:
        response = self._db.get_item(TableName=self._table, Key=self._contact_key(address))
        return "Item" in response

    def forget_address(self, address: str) -> None:
        self._db.delete_item(TableName=self._table, Key=self._contact_key(address))

    def _contact_key(self, address: str) -> dict[str, Any]:
        return {
            ts.PARTITION_KEY: {"S": ts.contact_pk(address)},
            ts.SORT_KEY: {"S": ts.UNDELIVERABLE_SK},
        }

    def _key(self, message_id: str) -> dict[str, Any]:
        return {ts.PARTITION_KEY: {"S": ts.mail_pk(message_id)}, ts.SORT_KEY: {"S": ts.MAIL_SK}}

    def _item(
        self, message_id: str, outcome: str, card_number: str | None, direction: str, at: datetime
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self._key(message_id),
            "entity": {"S": "mail"},
            "message_id": {"S": message_id},
            "outcome": {"S": outcome},
            "direction": {"S": direction},
            "at": {"S": at.isoformat()},
            ts.TTL_ATTRIBUTE: {"N": str(int((at + MAIL_RECORD_TTL).timestamp()))},
        }
        if card_number:
            item["card_number"] = {"S": card_number}
        return item
