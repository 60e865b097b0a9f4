"""The table's stream, read as Lambda's event source mapping reads it: records in order, shaped
as Lambda delivers them, filtered by the mapping's pattern, handed to a function in batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

BATCH = 100


class StreamReader:
    """Follows every shard of a table's stream from where it was at start (or the beginning)."""

    def __init__(self, streams_client: Any, stream_arn: str, *, from_start: bool = False) -> None:
        self._client = streams_client
        self._arn = stream_arn
        self._start = "TRIM_HORIZON" if from_start else "LATEST"
        self._iterators: dict[str, str | None] = {}

    def poll(self) -> list[dict[str, Any]]:
        """The records written since the last poll, as Lambda's event ``Records``."""
        shards = self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._client.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType=self._start
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                answer = self._client.get_records(ShardIterator=iterator, Limit=1000)
                iterator = answer.get("NextShardIterator")
                if not answer["Records"]:
                    break
                records += [lambda_record(r, self._arn) for r in answer["Records"]]
            self._iterators[shard_id] = iterator
        return records


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it to a function (epoch seconds, the source ARN)."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": data, "eventSourceARN": stream_arn}


def matches(record: dict[str, Any], pattern: dict[str, Any]) -> bool:
    """Lambda's event filtering for the patterns we use: nested keys, lists of exact values."""
    for key, wanted in pattern.items():
        value = record.get(key)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(value, wanted):
                return False
        elif value not in wanted:
            return False
    return True


def deliver(
    records: list[dict[str, Any]],
    pattern: dict[str, Any],
    handler: Callable[[dict[str, Any], Any], Any],
    context: Any,
) -> int:
    """Hand the matching records to ``handler`` in batches; returns how many were handed."""
    wanted = [r for r in records if matches(r, pattern)]
    for start in range(0, len(wanted), BATCH):
        handler({"Records": wanted[start : start + BATCH]}, context)
    return len(wanted)
