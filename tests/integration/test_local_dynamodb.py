"""The local stack's DynamoDB (moto over the item store) over HTTP: it answers as moto's own
does, keeps what it acknowledged across a restart without replaying anything, undoes a
cancelled transaction completely, and keeps stream records until every reader has passed them."""

from __future__ import annotations

import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import table_schema as ts
from infrastructure.local.aws import REGION, EmulatedAws
from infrastructure.local.streams import StreamReader
from tests.conftest import forget_local_backends

TABLE = "cards-test"
PLAIN_REGION = "us-west-2"  # moto's own DynamoDB, on the same server, to compare with


def _client(service: str, endpoint: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _random_item(rng: random.Random, n: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": f"P#{rng.randint(0, 5)}"},
        "sk": {"S": f"{rng.choice(['#CARD', 'LOG#', 'V#', 'ä', 'z'])}{rng.randint(0, 40):03d}"},
        "n": {"N": str(n)},
        "body": {"S": "x" * rng.randint(0, 300)},
    }
    if rng.random() < 0.6:
        item["queue_pk"] = {"S": f"Q#{rng.randint(0, 2)}"}
        # Repeated sort keys on purpose: ties are ordered by the table's keys.
        item["queue_sk"] = {"S": f"{rng.randint(0, 9):02d}"}
    if rng.random() < 0.3:
        item["due_pk"] = {"S": "DUE"}
        item["due_sk"] = {"S": f"2026-{rng.randint(1, 12):02d}#{n}"}
    return item


def _pages(client: Any, operation: str, **request: Any) -> list[tuple[list[Any], Any]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = getattr(client, operation)(**request, **extra)
        pages.append((answer["Items"], answer.get("LastEvaluatedKey")))
        start = answer.get("LastEvaluatedKey")
        if not start or len(pages) > 200:
            return pages


def test_query_and_scan_answer_as_moto_does(local_aws):
    local = local_aws["dynamodb"]
    plain = _client("dynamodb", local_aws["endpoint"], PLAIN_REGION)
    plain.create_table(**ts.create_table_request(TABLE))
    rng = random.Random(16)  # noqa: S311 - repeatable made-up items
    for n in range(400):
        item = _random_item(rng, n)
        local.put_item(TableName=TABLE, Item=item)
        plain.put_item(TableName=TABLE, Item=item)
    for _ in range(40):  # some overwritten, some deleted: their index entries go with them
        item = _random_item(rng, rng.randint(0, 400))
        local.put_item(TableName=TABLE, Item=item)
        plain.put_item(TableName=TABLE, Item=item)
        key = {"pk": {"S": f"P#{rng.randint(0, 5)}"}, "sk": {"S": f"z{rng.randint(0, 40):03d}"}}
        local.delete_item(TableName=TABLE, Key=key)
        plain.delete_item(TableName=TABLE, Key=key)

    queries = [
        {"KeyConditionExpression": "pk = :h", "ExpressionAttributeValues": {":h": {"S": "P#1"}}},
        {
            "KeyConditionExpression": "pk = :h AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":h": {"S": "P#2"}, ":p": {"S": "LOG#"}},
        },
        {
            "KeyConditionExpression": "pk = :h AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":h": {"S": "P#3"},
                ":a": {"S": "LOG#010"},
                ":b": {"S": "z020"},
            },
        },
        {
            "KeyConditionExpression": "pk = :h AND sk > :a",
            "ExpressionAttributeValues": {":h": {"S": "P#0"}, ":a": {"S": "V#"}},
            "FilterExpression": "n > :n",
            "ExpressionAttributeValues_extra": {":n": {"N": "100"}},
        },
        {
            "IndexName": ts.QUEUE_INDEX,
            "KeyConditionExpression": "queue_pk = :h",
            "ExpressionAttributeValues": {":h": {"S": "Q#1"}},
        },
        {
            "IndexName": ts.QUEUE_INDEX,
            "KeyConditionExpression": "queue_pk = :h AND queue_sk <= :s",
            "ExpressionAttributeValues": {":h": {"S": "Q#0"}, ":s": {"S": "05"}},
        },
        {
            "IndexName": ts.DUE_INDEX,
            "KeyConditionExpression": "due_pk = :h AND due_sk < :s",
            "ExpressionAttributeValues": {":h": {"S": "DUE"}, ":s": {"S": "2026-07"}},
        },
    ]
    compared = 0
    for query in queries:
        request = {k: v for k, v in query.items() if not k.endswith("_extra")}
        request["ExpressionAttributeValues"] = {
            **query["ExpressionAttributeValues"],
            **query.get("ExpressionAttributeValues_extra", {}),
        }
        for forward in (True, False):
            for limit in (None, 1, 7, 1000):
                paged = {**request, "ScanIndexForward": forward, "TableName": TABLE}
                if limit:
                    paged["Limit"] = limit
                mine = _pages(local, "query", **paged)
                assert mine == _pages(plain, "query", **paged), (query, forward, limit)
                compared += sum(len(items) for items, _ in mine)
    assert compared > 1000  # the comparison saw real results, not empty pages
    for scan in (
        {"Limit": 25},
        {"Limit": 10, "Segment": 1, "TotalSegments": 3},
        {"IndexName": ts.QUEUE_INDEX, "Limit": 9},
        {
            "FilterExpression": "begins_with(sk, :p)",
            "ExpressionAttributeValues": {":p": {"S": "V#"}},
        },
    ):
        mine = _pages(local, "scan", TableName=TABLE, **scan)
        assert mine == _pages(plain, "scan", TableName=TABLE, **scan), scan
    described = local.describe_table(TableName=TABLE)["Table"]
    assert described["ItemCount"] == plain.describe_table(TableName=TABLE)["Table"]["ItemCount"]


def test_what_was_acknowledged_is_there_after_a_restart_with_nothing_replayed(tmp_path, settings):
    from infrastructure.local.resources import ensure_resources

    data = tmp_path / "aws"
    first = EmulatedAws(data)
    dynamodb = _client("dynamodb", first.start())
    ensure_resources(settings, dynamodb=dynamodb, s3=_client("s3", first.url))
    for n in range(50):
        dynamodb.put_item(
            TableName=TABLE, Item={"pk": {"S": f"CARD#{n}"}, "sk": {"S": "#CARD"}, "n": {"N": "1"}}
        )
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "CARD#7"}, "sk": {"S": "#CARD"}},
        UpdateExpression="ADD n :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    first.stop()
    forget_local_backends()

    second = EmulatedAws(data)
    dynamodb = _client("dynamodb", second.start())
    try:
        assert second.replayed < 10  # buckets and the mail identity; no DynamoDB write
        assert dynamodb.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 50
        seven = dynamodb.get_item(
            TableName=TABLE, Key={"pk": {"S": "CARD#7"}, "sk": {"S": "#CARD"}}
        )
        assert seven["Item"]["n"] == {"N": "2"}
        indexes = dynamodb.describe_table(TableName=TABLE)["Table"]["GlobalSecondaryIndexes"]
        assert {i["IndexName"] for i in indexes} == {
            i["IndexName"] for i in ts.GLOBAL_SECONDARY_INDEXES
        }
        assert "DynamoDB" not in second.journal.path.read_text("utf-8")
    finally:
        second.stop()
        forget_local_backends()


def _stream(local_aws) -> tuple[Any, str]:
    arn = local_aws["dynamodb"].describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    return local_aws["dynamodbstreams"], arn


def _all_records(streams: Any, arn: str) -> list[dict[str, Any]]:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)["Records"]


def test_a_cancelled_transaction_leaves_no_item_and_no_stream_record(local_aws):
    dynamodb = local_aws["dynamodb"]
    streams, arn = _stream(local_aws)
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "CARD#1"}, "sk": {"S": "#CARD"}})
    before = _all_records(streams, arn)
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "CARD#2"}, "sk": {"S": "#CARD"}},
                    }
                },
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "CARD#1"}, "sk": {"S": "#CARD"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": "CARD#2"}, "sk": {"S": "#CARD"}}
    )
    assert _all_records(streams, arn) == before
    # A reader that was reading before the cancelled transaction sees the next write (moto's
    # own table swapped in a copy with its own stream, and its readers saw nothing more).
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "CARD#3"}, "sk": {"S": "#CARD"}})
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in _all_records(streams, arn)]
    assert keys == ["CARD#1", "CARD#3"]


def test_stream_records_stay_until_every_reader_passed_them(local_aws):
    dynamodb = local_aws["dynamodb"]
    streams, arn = _stream(local_aws)
    shard = local_aws["emulated"].stream_of(TABLE)
    for n in range(5):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"CARD#{n}"}, "sk": {"S": "#CARD"}})
    search = StreamReader(streams, arn, name="search", checkpoints=shard)
    other = StreamReader(streams, arn, name="other", checkpoints=shard)
    handed: list[int] = []

    def count(event: dict[str, Any], context: Any) -> dict[str, Any]:
        handed.append(len(event["Records"]))
        return {"batchItemFailures": []}

    pattern = {"eventName": ["INSERT"]}
    assert search.feed(pattern, count, None).delivered == 5
    assert shard.behind("search") == 0
    assert len(_all_records(streams, arn)) == 5  # "other" has not read them yet
    assert other.feed(pattern, count, None).delivered == 5
    assert _all_records(streams, arn) == []  # both passed: dropped
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "CARD#9"}, "sk": {"S": "#CARD"}})
    assert search.feed(pattern, count, None).delivered == 1  # from its checkpoint on
    assert handed == [5, 5, 1]


def test_a_record_the_function_keeps_failing_is_set_aside_and_reading_goes_on(local_aws, tmp_path):
    dynamodb = local_aws["dynamodb"]
    streams, arn = _stream(local_aws)
    failures = tmp_path / "failures.jsonl"
    reader = StreamReader(
        streams,
        arn,
        name="search",
        checkpoints=local_aws["emulated"].stream_of(TABLE),
        failures=failures,
    )
    for n in range(3):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"CARD#{n}"}, "sk": {"S": "#CARD"}})
    handled: list[str] = []

    def refuse_card_1(event: dict[str, Any], context: Any) -> dict[str, Any]:
        bad = [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r in event["Records"]
            if r["dynamodb"]["Keys"]["pk"]["S"] == "CARD#1"
        ]
        failed = {b["itemIdentifier"] for b in bad}
        handled.extend(
            r["dynamodb"]["Keys"]["pk"]["S"]
            for r in event["Records"]
            if r["dynamodb"]["SequenceNumber"] not in failed
        )
        return {"batchItemFailures": bad}

    reports = [reader.feed({}, refuse_card_1, None) for _ in range(6)]
    assert [r.set_aside for r in reports] == [0, 0, 0, 0, 0, 1]
    assert (reports[0].delivered, reports[0].retried) == (1, 2)
    assert "CARD#1" in failures.read_text("utf-8")
    after = reader.feed({}, refuse_card_1, None)
    assert (after.delivered, after.behind) == (1, 0)  # CARD#2, once past the set-aside one
    assert "CARD#2" in handled
    assert "CARD#1" not in handled


def test_an_index_added_later_holds_the_items_already_there(local_aws):
    dynamodb = local_aws["dynamodb"]
    dynamodb.create_table(
        TableName="older",
        KeySchema=ts.KEY_SCHEMA,
        AttributeDefinitions=ts.ATTRIBUTE_DEFINITIONS[:2],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(1500):  # more than one page of the rebuild
        dynamodb.put_item(
            TableName="older",
            Item={
                "pk": {"S": f"CARD#{n:05d}"},
                "sk": {"S": "#CARD"},
                "queue_pk": {"S": f"roads#{n % 2}"},
                "queue_sk": {"S": f"{n:05d}"},
            },
        )
    queue = next(i for i in ts.GLOBAL_SECONDARY_INDEXES if i["IndexName"] == ts.QUEUE_INDEX)
    dynamodb.update_table(
        TableName="older",
        AttributeDefinitions=[
            a for a in ts.ATTRIBUTE_DEFINITIONS if a["AttributeName"] in ("queue_pk", "queue_sk")
        ],
        GlobalSecondaryIndexUpdates=[{"Create": queue}],
    )
    found = dynamodb.get_paginator("query").paginate(
        TableName="older",
        IndexName=ts.QUEUE_INDEX,
        KeyConditionExpression="queue_pk = :q",
        ExpressionAttributeValues={":q": {"S": "roads#1"}},
    )
    numbers = [i["queue_sk"]["S"] for page in found for i in page["Items"]]
    assert numbers == [f"{n:05d}" for n in range(1, 1500, 2)]
