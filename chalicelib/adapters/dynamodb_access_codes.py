"""AccessCodes on the cards table: one item per card, replaced under a version condition and
expired by TTL a day after its last code expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code
from chalicelib.domain.access_codes import AccessCode
from chalicelib.domain.errors import ConflictError

KEEP = timedelta(days=1)


class DynamoAccessCodes:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def get(self, number: str) -> AccessCode | None:
        response = self._db.get_item(
            TableName=self._table, ConsistentRead=True, Key=self._key(number)
        )
        item = response.get("Item")
        return AccessCode.model_validate_json(item["code"]["S"]) if item else None

    def put(self, code: AccessCode) -> None:
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            }
            if code.version == 1
            else {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(code.version - 1)}},
            }
        )
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **self._key(code.number),
                    "entity": {"S": "access_code"},
                    "version": {"N": str(code.version)},
                    "code": {"S": code.model_dump_json()},
                    ts.TTL_ATTRIBUTE: {"N": str(int((code.expires_at + KEEP).timestamp()))},
                },
                **condition,
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise ConflictError(f"the code of {code.number} changed meanwhile") from error

    @staticmethod
    def _key(number: str) -> dict[str, Any]:
        return {
            ts.PARTITION_KEY: {"S": ts.access_code_pk(number)},
            ts.SORT_KEY: {"S": ts.ACCESS_CODE_SK},
        }
