"""The table's stream, read as Lambda's event source mapping reads it: records in order, shaped
as Lambda delivers them, filtered by the mapping's pattern, handed to a function in batches, and
the position moved past a record only once the function has handled it.

As the deployed mapping (``infrastructure/search.py``): a batch item failure is retried from
that record; after the first try and five retries the record is set aside (a line in the
failures file, as the mapping's failure queue would get it) and reading goes on. Every pass
reports what it read, handed over, retried and set aside, and how far the reader is behind;
nothing is dropped silently.

The position is a checkpoint kept outside the reader (``Checkpoints``): in the local stack it is
kept with the stream in the item store, so a restart resumes where the reader stopped and
records every reader has passed can be dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from chalicelib.observability import logger

BATCH = 100  # records per function call (the mapping's batch size)
MAX_ATTEMPTS = 6  # the first try and the mapping's five retries
PER_PASS = 1000  # records read per pass at most, so one pass never runs long
BEHIND_WARNING = 1000  # records not yet handled before the reader says it is behind


class Checkpoints(Protocol):
    """Where a reader has got to: the sequence number of the last record it handled."""

    def register(self, reader: str) -> None: ...

    def checkpoint(self, reader: str, last_sequence_number: str) -> None: ...

    def checkpoint_of(self, reader: str) -> str | None: ...

    def behind(self, reader: str) -> int: ...


@dataclass
class MemoryCheckpoints:
    """Checkpoints for a stream whose emulator keeps none (moto's own, in tests)."""

    positions: dict[str, str] = field(default_factory=dict)

    def register(self, reader: str) -> None:
        return None

    def checkpoint(self, reader: str, last_sequence_number: str) -> None:
        self.positions[reader] = last_sequence_number

    def checkpoint_of(self, reader: str) -> str | None:
        return self.positions.get(reader)

    def behind(self, reader: str) -> int:
        return 0  # unknown here; the pass reports what it read


@dataclass
class FeedReport:
    read: int = 0  # records read from the stream
    delivered: int = 0  # matching records handed to the function and handled
    retried: int = 0  # records a failed batch left for the next pass
    set_aside: int = 0  # records given up after every try (in the failures file)
    behind: int = 0  # records written that the reader has not handled yet


class StreamReader:
    """One reader (``name``) of a table's stream, from its checkpoint or the oldest record."""

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        *,
        name: str,
        checkpoints: Checkpoints,
        failures: Path | None = None,
    ) -> None:
        self._client = streams_client
        self._arn = stream_arn
        self.name = name
        self._checkpoints = checkpoints
        self._failures = failures
        self._attempts: dict[str, int] = {}
        checkpoints.register(name)

    def read(self, limit: int = PER_PASS) -> list[dict[str, Any]]:
        """The records after the checkpoint, as Lambda's event ``Records`` (nothing is moved)."""
        records: list[dict[str, Any]] = []
        for shard in self._client.describe_stream(StreamArn=self._arn)["StreamDescription"][
            "Shards"
        ]:
            iterator: str | None = self._iterator(shard["ShardId"])
            while iterator and len(records) < limit:
                answer = self._client.get_records(ShardIterator=iterator, Limit=1000)
                records += [lambda_record(r, self._arn) for r in answer["Records"]]
                iterator = answer.get("NextShardIterator")
                if not answer["Records"]:
                    break
        return records[:limit]

    def feed(
        self,
        pattern: dict[str, Any],
        handler: Callable[[dict[str, Any], Any], Any],
        context: Any,
        stopping: Callable[[], bool] = lambda: False,
    ) -> FeedReport:
        """One pass: hand what is new to ``handler`` in batches; move past what it handled.
        ``stopping`` is asked between batches (the stack is shutting down: leave the rest)."""
        records = self.read()
        report = FeedReport(read=len(records))
        for start in range(0, len(records), BATCH):
            if stopping():
                break
            batch = records[start : start + BATCH]
            wanted = [r for r in batch if matches(r, pattern)]
            failed_at = self._first_failure(wanted, handler, context) if wanted else None
            if failed_at is None:
                report.delivered += len(wanted)
                self._checkpoints.checkpoint(self.name, _seq(batch[-1]))
                continue
            position = next(i for i, r in enumerate(batch) if _seq(r) == failed_at)
            report.delivered += sum(1 for r in batch[:position] if matches(r, pattern))
            if position:
                self._checkpoints.checkpoint(self.name, _seq(batch[position - 1]))
            if self._give_up(batch[position]):
                report.set_aside += 1
                self._checkpoints.checkpoint(self.name, failed_at)
            else:
                report.retried += len(records) - start - position
            break
        report.behind = self._checkpoints.behind(self.name)
        if report.behind > BEHIND_WARNING:
            logger.warning(
                "stream reader is behind", extra={"reader": self.name, "records": report.behind}
            )
        return report

    def _iterator(self, shard_id: str) -> str:
        last = self._checkpoints.checkpoint_of(self.name)
        where: dict[str, Any] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            if last is not None
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        answer = self._client.get_shard_iterator(StreamArn=self._arn, ShardId=shard_id, **where)
        return str(answer["ShardIterator"])

    def _first_failure(
        self, records: list[dict[str, Any]], handler: Callable[..., Any], context: Any
    ) -> str | None:
        """The sequence number of the first record the function did not handle, if any."""
        try:
            answer = handler({"Records": records}, context)
        except Exception:
            logger.exception("stream batch failed", extra={"reader": self.name})
            return _seq(records[0])
        failures = (answer or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed = {str(f["itemIdentifier"]) for f in failures}
        first = next(_seq(r) for r in records if _seq(r) in failed)
        logger.warning(
            "stream records not handled; retrying",
            extra={"reader": self.name, "records": len(failed)},
        )
        return first

    def _give_up(self, record: dict[str, Any]) -> bool:
        seq = _seq(record)
        self._attempts[seq] = self._attempts.get(seq, 0) + 1
        if self._attempts[seq] < MAX_ATTEMPTS:
            return False
        del self._attempts[seq]
        logger.error(
            "stream record set aside after every try",
            extra={"reader": self.name, "sequence_number": seq, "tries": MAX_ATTEMPTS},
        )
        if self._failures is not None:
            line = {
                "reader": self.name,
                "at": datetime.now(UTC).isoformat(),
                "sequence_number": seq,
                "keys": record["dynamodb"].get("Keys"),
            }
            with self._failures.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        return True


def _seq(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


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
