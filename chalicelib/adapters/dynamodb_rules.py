"""RoutingRules in the cards table: the current version in one item, every version kept.

A ruleset is stored as zlib-compressed JSON: 500 rules are ~100 KB of JSON but ~10 KB
compressed, which keeps the read every routing decision makes at a few capacity units and far
from DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code
from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.routing import RuleSet


class DynamoRoutingRules:
    """Keeps the last ruleset it read: each ``current()`` asks only for the version number
    (a consistent read of a few bytes) and fetches the rules again when it changed, so a save
    routes the very next card in every warm Lambda at the cost of one small read."""

    def __init__(self, client: Any, table_name: str, seed: Callable[[], RuleSet]) -> None:
        self._db = client
        self._table = table_name
        self._seed = seed
        self._cached: RuleSet | None = None

    def current(self) -> RuleSet:
        cached = self._cached
        if cached is not None and self._current_version() == cached.version:
            return cached
        found = self._get(ts.RULES_CURRENT_SK)
        if found is None:
            # First use of a fresh table: store the shipped rules as version 1. Two first
            # callers race harmlessly: one write wins, the other reads what it wrote.
            with contextlib.suppress(ConflictError):
                self._write(self._seed(), expected=None)
            found = self._get(ts.RULES_CURRENT_SK)
            if found is None:  # pragma: no cover - the write above or a concurrent one stored it
                raise NotFound("no routing rules")
        self._cached = found
        return found

    def version(self, version: int) -> RuleSet:
        found = self._get(ts.rules_version_sk(version))
        if found is None:
            raise NotFound(f"no version {version} of the routing rules")
        return found

    def save(self, ruleset: RuleSet) -> None:
        self._write(ruleset, expected=ruleset.version - 1)

    def _write(self, ruleset: RuleSet, *, expected: int | None) -> None:
        blob = zlib.compress(ruleset.model_dump_json().encode("utf-8"), 6)

        def item(sk: str) -> dict[str, Any]:
            return {
                ts.PARTITION_KEY: {"S": ts.RULES_PK},
                ts.SORT_KEY: {"S": sk},
                "entity": {"S": "rules"},
                "version": {"N": str(ruleset.version)},
                "ruleset": {"B": blob},
            }

        if expected is None:
            condition: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            }
        else:
            condition = {
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected)}},
            }
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item(ts.RULES_CURRENT_SK),
                            **condition,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item(ts.rules_version_sk(ruleset.version)),
                            "ConditionExpression": "attribute_not_exists(#pk)",
                            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            raise ConflictError(
                f"the routing rules changed since version {expected}; reload and try again",
                current_version=self._current_version(),
            ) from error

    def _current_version(self) -> int | None:
        response = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": ts.RULES_PK}, ts.SORT_KEY: {"S": ts.RULES_CURRENT_SK}},
            ProjectionExpression="#version",
            ExpressionAttributeNames={"#version": "version"},
        )
        item = response.get("Item")
        return int(item["version"]["N"]) if item else None

    def _get(self, sk: str) -> RuleSet | None:
        response = self._db.get_item(
            TableName=self._table,
            ConsistentRead=True,
            Key={ts.PARTITION_KEY: {"S": ts.RULES_PK}, ts.SORT_KEY: {"S": sk}},
        )
        item = response.get("Item")
        if item is None:
            return None
        return RuleSet.model_validate_json(zlib.decompress(item["ruleset"]["B"]))
