"""RateLimiter on the cards table: one counter item per limit, subject and window (TTL).

All of a limit's windows are counted in one transaction, so a use counts everywhere or
nowhere; the transaction's cancellation reasons say which window was full.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.boto_calls import error_code
from chalicelib.domain.rate_limits import Allowance, RateLimit, refused, subject_digest

# Two uses of one counter at the same moment cancel one transaction (TransactionConflict).
CONFLICT_RETRIES = 3


class DynamoRateLimiter:
    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def take(self, limit: RateLimit, subject: str, *, at: datetime) -> Allowance:
        return self.take_all([(limit, subject)], at=at)

    def take_all(self, uses: Sequence[tuple[RateLimit, str]], *, at: datetime) -> Allowance:
        counted = [(limit, window, subject) for limit, subject in uses for window in limit.windows]
        updates = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {
                        ts.PARTITION_KEY: {
                            "S": ts.rate_limit_pk(limit.name, subject_digest(subject))
                        },
                        ts.SORT_KEY: {"S": window.slot(at)},
                    },
                    "UpdateExpression": "ADD #count :one SET #ttl = :ttl",
                    "ConditionExpression": "attribute_not_exists(#count) OR #count < :most",
                    "ExpressionAttributeNames": {"#count": "count", "#ttl": ts.TTL_ATTRIBUTE},
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":most": {"N": str(window.most)},
                        ":ttl": {"N": str(int(window.expires(at).timestamp()))},
                    },
                }
            }
            for limit, window, subject in counted
        ]
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._db.transact_write_items(TransactItems=updates)
            except ClientError as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons") or []
                full = [
                    (limit, window)
                    for (limit, window, _), reason in zip(counted, reasons, strict=False)
                    if reason.get("Code") == "ConditionalCheckFailed"
                ]
                if full or not reasons:
                    # The longest full window decides when a try can succeed again.
                    limit, window = max(
                        full or [(lim, win) for lim, win, _ in counted],
                        key=lambda pair: pair[1].ends(at),
                    )
                    return refused(window, at, limit)
                if attempt == CONFLICT_RETRIES:
                    raise  # still colliding with other uses: the caller's retry takes over
                continue  # another use of the same counter won the race: count again
            return Allowance(True)
        raise AssertionError("unreachable")
