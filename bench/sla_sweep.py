"""Items read by one deadline sweep with 10,000 open cards of which 10 are due (issue 4's target:
about 10, not 10,000), and the AWS calls it makes, under moto.

The cards are written straight into the table (card item + first history entry, as intake
writes them) so that setting up 10,000 cards takes seconds, 40 minutes before the sweep (past
the 50% reminder of the one-hour registration target); then 9,990 get their next check
tomorrow and 10 a check that is due now, as earlier checks would have left them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401  (first: the environment boto3 and Powertools read)
from bench.api_calls import CallCounter

OPEN_CARDS = 10_000
DUE = 10


def deadline_watch(
    now: datetime, endpoint_url: str | None = None, **environment: str
) -> tuple[Any, Any, Any, Any]:
    """The product's container over moto's DynamoDB and Scheduler (inside ``mock_aws``, or
    moto's server at ``endpoint_url``), its clock stopped at ``now``: the container, its
    settings and the two clients."""
    import boto3

    from chalicelib import bootstrap
    from chalicelib.adapters.clock import ManualClock
    from chalicelib.adapters.memory_mail import RecordingMailer
    from chalicelib.adapters.memory_sla import InMemoryEscalations
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env(
        {
            "CIVICDESK_SCHEDULE_GROUP": "bench-deadlines",
            "CIVICDESK_TIMER_FUNCTION_ARN": "arn:aws:lambda:eu-central-1:123456789012:function:t",
            "CIVICDESK_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
            "CIVICDESK_TIMER_DLQ_ARN": "arn:aws:sqs:eu-central-1:123456789012:failures",
            **environment,
        }
    )
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint_url)
    scheduler = boto3.client("scheduler", endpoint_url=endpoint_url)
    s3 = boto3.client("s3", endpoint_url=endpoint_url)
    ensure_resources(settings, dynamodb=dynamodb, s3=s3, scheduler=scheduler)
    container = bootstrap.build(
        settings,
        dynamodb_client=dynamodb,
        scheduler_client=scheduler,
        clock=ManualClock(now),
        mailer=RecordingMailer(),
        escalations=InMemoryEscalations(),
    )
    return container, settings, dynamodb, scheduler


def main() -> None:
    from moto import mock_aws

    from chalicelib.adapters.card_items import card_item, entry_item

    # Monday 2 March 2026, 10:40 Moscow; the cards were registered at 10:00.
    now = datetime(2026, 3, 2, 7, 40, tzinfo=UTC)
    with mock_aws():
        container, settings, dynamodb, scheduler = deadline_watch(now)
        numbers = _write_cards(dynamodb, settings.table_name, card_item, entry_item, now)
        counter = CallCounter()
        counter.attach(dynamodb)
        counter.attach(scheduler)
        cards = container.cards

        # Settle every card: 9,990 next checks tomorrow, 10 due now.
        tomorrow = now + timedelta(days=1)
        for index, number in enumerate(numbers):
            cards.set_next_check(number, 1, now - timedelta(minutes=1) if index < DUE else tomorrow)
        index_reads = _index_items(dynamodb, settings.table_name, now)
        container.directory.staff()  # loaded once per warm function (seeded here): not counted
        counter.take()
        report = container.sla.sweep()
        calls, items = counter.take()
        if report.failed:
            raise SystemExit(f"checks failed: {report.failed}")
        print(
            f"steady sweep, {OPEN_CARDS:,} open cards, {DUE} due: checked {report.checked}, "
            f"due-index items {index_reads}, items read in all {items} "
            f"({items / max(report.checked, 1):.1f} per checked card: card + history + notices), "
            f"AWS calls {sum(calls.values())} {dict(sorted(calls.items()))}"
        )
        print(
            f"  a scan of the open cards instead would read {OPEN_CARDS:,} items: "
            f"{OPEN_CARDS / max(items, 1):,.0f}x more"
        )
        empty = container.sla.sweep()
        calls, items = counter.take()
        print(
            f"sweep with nothing due: checked {empty.checked}, items read {items}, "
            f"AWS calls {sum(calls.values())}"
        )


def registered_card(sequence: int, registered: datetime, **fields: Any) -> tuple[Any, Any]:
    """A web pothole card as intake writes it at ``registered``, and its first entry."""
    from chalicelib.domain.card import (
        Card,
        Channel,
        ContactChannel,
        Priority,
        Requester,
        format_card_number,
    )
    from chalicelib.domain.history import SYSTEM, Action, FieldChange, HistoryEntry

    card = Card(
        id=f"card-{sequence}",
        number=format_card_number(2026, sequence),
        channel=Channel.WEB,
        subject="Pothole",
        description="A pothole by the stop",
        category="roads.potholes",
        priority=Priority.NORMAL,
        requester=Requester(
            full_name="Bench", preferred_channel=ContactChannel.EMAIL, email="bench@example.org"
        ),
        consent=None,
        department="roads",
        created_at=registered,
        updated_at=registered,
        first_response_due=registered + timedelta(days=1),
        access_token_hash="0" * 64,  # no requester access in the benchmark
        **fields,
    )
    entry = HistoryEntry(
        seq=1,
        at=registered,
        actor=SYSTEM,
        action=Action.CREATED,
        changes=(FieldChange(field="status", before=None, after="received"),),
    )
    return card, entry


def put_in_batches(dynamodb: Any, table: str, items: Iterable[dict[str, Any]]) -> None:
    """Write ``items`` 25 at a time (BatchWriteItem's most)."""
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            dynamodb.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        dynamodb.batch_write_item(RequestItems={table: batch})


def _write_cards(
    dynamodb: Any, table: str, card_item: Any, entry_item: Any, now: datetime
) -> list[str]:
    registered = now - timedelta(minutes=40)
    cards = [registered_card(sequence, registered) for sequence in range(1, OPEN_CARDS + 1)]
    put_in_batches(
        dynamodb,
        table,
        (
            item
            for card, entry in cards
            for item in (card_item(card, entry), entry_item(card.number, entry))
        ),
    )
    return [card.number for card, _ in cards]


def _index_items(dynamodb: Any, table: str, now: datetime) -> int:
    from chalicelib.adapters import table_schema as ts

    response = dynamodb.query(
        TableName=table,
        IndexName=ts.DUE_INDEX,
        KeyConditionExpression="#p = :p AND #s <= :s",
        ExpressionAttributeNames={"#p": ts.DUE_PARTITION_KEY, "#s": ts.DUE_SORT_KEY},
        ExpressionAttributeValues={
            ":p": {"S": ts.DUE_PARTITION},
            ":s": {"S": ts.due_sort_key(now, "~")},
        },
    )
    return int(response["Count"])


if __name__ == "__main__":
    main()
