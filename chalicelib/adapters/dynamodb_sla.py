"""NoticeLog and BreachLog on the cards table: ``NOTICE#<number>`` per claimed deadline notice,
``BREACHES#<week>`` per missed deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import put_if_absent, query_all
from chalicelib.ports import BreachRecord

# Long enough to outlive any round of any card; the weekly review reads the history instead.
NOTICE_TTL = timedelta(days=400)


class DynamoNoticeLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def sent(self, number: str) -> frozenset[str]:
        request = {
            "TableName": self._table,
            "ConsistentRead": True,
            "KeyConditionExpression": "#pk = :pk",
            "ProjectionExpression": "#sk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY, "#sk": ts.SORT_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.notice_pk(number)}},
        }
        return frozenset(
            f"{number}#{item[ts.SORT_KEY]['S']}" for item in query_all(self._db, request)
        )

    def claim(self, number: str, key: str, *, at: datetime) -> bool:
        return put_if_absent(
            self._db,
            self._table,
            {
                **self._key(number, key),
                "entity": {"S": "notice"},
                "claimed_at": {"S": at.isoformat()},
                ts.TTL_ATTRIBUTE: {"N": str(int((at + NOTICE_TTL).timestamp()))},
            },
        )

    def release(self, number: str, key: str) -> None:
        self._db.delete_item(TableName=self._table, Key=self._key(number, key))

    @staticmethod
    def _key(number: str, key: str) -> dict[str, Any]:
        prefix = f"{number}#"
        if not key.startswith(prefix):
            raise ValueError(f"notice key {key!r} is not of card {number}")
        return {
            ts.PARTITION_KEY: {"S": ts.notice_pk(number)},
            ts.SORT_KEY: {"S": key[len(prefix) :]},
        }


BREACH_TTL = timedelta(days=2 * 365)


class DynamoBreachLog:
    """``BREACHES#<week>`` items: the weekly review is one Query, whatever the table holds."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def record(self, week: str, breach: BreachRecord) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                ts.PARTITION_KEY: {"S": ts.breaches_pk(week)},
                ts.SORT_KEY: {
                    "S": f"{breach.category}#{breach.number}#{breach.timer}#"
                    f"{breach.breached_at.isoformat()}"
                },
                "entity": {"S": "breach"},
                "number": {"S": breach.number},
                "category": {"S": breach.category},
                "department": {"S": breach.department},
                "timer": {"S": breach.timer},
                "breached_at": {"S": breach.breached_at.isoformat()},
                ts.TTL_ATTRIBUTE: {"N": str(int((breach.breached_at + BREACH_TTL).timestamp()))},
            },
        )

    def week(self, week: str) -> list[BreachRecord]:
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": ts.PARTITION_KEY},
            "ExpressionAttributeValues": {":pk": {"S": ts.breaches_pk(week)}},
        }
        return [
            BreachRecord(
                number=item["number"]["S"],
                category=item["category"]["S"],
                department=item["department"]["S"],
                timer=item["timer"]["S"],
                breached_at=datetime.fromisoformat(item["breached_at"]["S"]),
            )
            for item in query_all(self._db, request)
        ]
