"""The deployed stack's failure queues, for the person on call: what waits (with the error
Lambda or Scheduler recorded), and running it again (``civicdesk failures``).

The stack's output ``FailureQueues`` names each queue (by its runbook section: ``email``,
``deadlines``, ...) with its URL and the function its events are run again by. What a message
holds decides what happens to it:

- an event a function failed on (Lambda's or Scheduler's dead letter): invoked again,
  asynchronously, with the same event; deleted once Lambda accepted it;
- a scheduled rule's event (the sweep, the Monday review, the nightly export's rule): dropped,
  the rule fires again on its own;
- a stream batch's record (the search indexer's failures name shard and sequence numbers, not
  cards): kept; the index is rebuilt from the table instead (``civicdesk search reindex``).

Every handler is idempotent: running an event twice makes no second card, message or file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OUTPUT = "FailureQueues"
MOST_PER_RECEIVE = 10


@dataclass(frozen=True)
class FailureQueue:
    name: str
    url: str
    function: str


@dataclass(frozen=True)
class Failed:
    message_id: str
    receipt: str
    sent_at: str
    error: str
    body: str

    @property
    def kind(self) -> str:
        """``event`` (run it again), ``scheduled`` (recurs by itself) or ``stream-batch``."""
        try:
            event = json.loads(self.body)
        except ValueError:
            return "event"
        if isinstance(event, dict) and "DDBStreamBatchInfo" in event:
            return "stream-batch"
        if isinstance(event, dict) and event.get("detail-type") == "Scheduled Event":
            return "scheduled"
        return "event"


def failure_queues(cloudformation: Any, stack: str) -> dict[str, FailureQueue]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if OUTPUT not in outputs:
        raise LookupError(f"stack {stack} has no {OUTPUT} output: deploy this version first")
    named = json.loads(outputs[OUTPUT])
    return {
        name: FailureQueue(name=name, url=entry["queue"], function=entry["function"])
        for name, entry in named.items()
    }


def waiting(sqs: Any, queue: FailureQueue, *, limit: int, hold_seconds: int = 0) -> list[Failed]:
    """Up to ``limit`` messages of the queue, each once. ``hold_seconds`` hides them from other
    readers while the caller works on them; 0 is a look only (they stay visible, so a receive
    that brings nothing new ends the look)."""
    seen: dict[str, Failed] = {}
    while len(seen) < limit:
        batch = [f for f in _receive(sqs, queue.url, hold_seconds) if f.message_id not in seen]
        if not batch:
            break
        for failed in batch:
            seen[failed.message_id] = failed
    return list(seen.values())[:limit]


def rerun(sqs: Any, lambda_client: Any, queue: FailureQueue, *, limit: int) -> dict[str, int]:
    """Run the queue's failed events again; counts of what became of the messages."""
    counts = {"rerun": 0, "dropped": 0, "kept": 0}
    for failed in waiting(sqs, queue, limit=limit, hold_seconds=60):
        if failed.kind == "stream-batch":
            counts["kept"] += 1  # no event to run: rebuild the index from the table
            continue
        if failed.kind == "event":
            answer = lambda_client.invoke(
                FunctionName=queue.function,
                InvocationType="Event",
                Payload=failed.body.encode("utf-8"),
            )
            if answer.get("StatusCode") != 202:
                counts["kept"] += 1
                continue
            counts["rerun"] += 1
        else:
            counts["dropped"] += 1
        sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=failed.receipt)
    return counts


def purge(sqs: Any, queue: FailureQueue) -> None:
    sqs.purge_queue(QueueUrl=queue.url)


def _receive(sqs: Any, url: str, hold_seconds: int) -> list[Failed]:
    answer = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=MOST_PER_RECEIVE,
        VisibilityTimeout=hold_seconds,
        WaitTimeSeconds=0,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["SentTimestamp"],
    )
    return [_failed(message) for message in answer.get("Messages", [])]


def _failed(message: dict[str, Any]) -> Failed:
    attributes = message.get("MessageAttributes", {})

    def attribute(*names: str) -> str:
        for name in names:
            if name in attributes:
                return str(attributes[name].get("StringValue", ""))
        return ""

    error = " ".join(
        part
        for part in (
            attribute("ErrorCode", "ERROR_CODE"),
            attribute("ErrorMessage", "ERROR_MESSAGE"),
        )
        if part
    )
    return Failed(
        message_id=message["MessageId"],
        receipt=message["ReceiptHandle"],
        sent_at=message.get("Attributes", {}).get("SentTimestamp", ""),
        error=error or "(no error recorded)",
        body=message.get("Body", ""),
    )
