"""ApiKeys on the cards table: one partition holds every key (a town has a handful), sorted by
the key's SHA-256, so a request's key is one GetItem and the list one Query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code, query_all
from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.errors import NotFound


class DynamoApiKeys:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def add(self, key: ApiKey) -> None:
        self._db.put_item(
            TableName=self._table,
            Item=self._item(key),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": ts.PARTITION_KEY},
        )

    def by_digest(self, digest: str) -> ApiKey | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(digest)).get("Item")
        return _key_of(item) if item else None

    def every(self) -> list[ApiKey]:
        items = query_all(
            self._db,
            {
                "TableName": self._table,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
                "ExpressionAttributeValues": {":pk": {"S": ts.API_KEYS_PK}},
            },
        )
        return sorted((_key_of(i) for i in items), key=lambda k: (k.issued_at, k.id))

    def revoke(self, key_id: str, *, by: str, at: datetime) -> ApiKey:
        found = next((k for k in self.every() if k.id == key_id), None)
        if found is None:
            raise NotFound(f"no API key {key_id}")
        if found.revoked_at is not None:
            return found
        revoked = found.model_copy(update={"revoked_at": at, "revoked_by": by})
        try:
            self._db.put_item(
                TableName=self._table,
                Item=self._item(revoked),
                ConditionExpression="attribute_not_exists(#revoked)",
                ExpressionAttributeNames={"#revoked": "revoked_at"},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            stored = self.by_digest(found.digest)
            assert stored is not None  # keys are revoked, never deleted
            return stored
        return revoked

    def _key(self, digest: str) -> dict[str, Any]:
        return {ts.PARTITION_KEY: {"S": ts.API_KEYS_PK}, ts.SORT_KEY: {"S": digest}}

    def _item(self, key: ApiKey) -> dict[str, Any]:
        item = {
            **self._key(key.digest),
            "entity": {"S": "api_key"},
            "key": {"S": key.model_dump_json()},
        }
        if key.revoked_at is not None:
            item["revoked_at"] = {"S": key.revoked_at.isoformat()}
        return item


def _key_of(item: dict[str, Any]) -> ApiKey:
    key = ApiKey.model_validate_json(item["key"]["S"])
    return key.model_copy(update={"digest": item[ts.SORT_KEY]["S"]})
