"""Open311 at a town's size: the AWS calls, items read and time of ``GET requests.json`` with
1,000 results (the standard's default page) and of one ``POST requests.json``, with the table
holding ``--cards`` public requests of the last two months beside a history of older ones.

Runs on the local stack's emulated AWS (moto's server over the SQLite item store); the cards
are put straight into the item store, every call under test goes through boto3 and moto's
server as deployed code reads DynamoDB. Prints figures; asserts nothing.

    python bench/open311.py [--cards 3000] [--history 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_calls import CallCounter
from bench.duplicates import TOPICS, _cards, _put_straight
from bench.sla_sweep import deadline_watch

RUNS = 5


def main() -> None:
    import logging

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=3000, help="open requests of the last 60 days")
    parser.add_argument("--history", type=int, default=20000, help="older, closed requests")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws, aws.start(), args.cards, args.history, now)
        finally:
            aws.stop()


def _run(aws: Any, endpoint_url: str, recent: int, history: int, now: datetime) -> None:
    from chalicelib.adapters.card_items import card_item
    from chalicelib.services.commands import ApiKeyCreate

    container, settings, dynamodb, _ = deadline_watch(
        now,
        endpoint_url,
        CIVICDESK_LINK_SECRET="bench-link-secret-" + "0" * 32,
    )
    rng = random.Random(24)  # noqa: S311 - placing test cards, not secrets
    started = time.perf_counter()
    _put_straight(
        aws.store,
        settings.table_name,
        (card_item(card, entry) for card, entry in _cards(1, recent + history, now, recent, rng)),
    )
    # The cards were put straight in: the year's counter goes past their numbers.
    from chalicelib.adapters import table_schema as ts

    dynamodb.put_item(
        TableName=settings.table_name,
        Item={
            ts.PARTITION_KEY: {"S": ts.counter_pk(2026)},
            ts.SORT_KEY: {"S": ts.COUNTER_SK},
            "value": {"N": str(recent + history)},
        },
    )
    print(
        f"{recent:,} requests of the last 60 days and {history:,} older ones "
        f"(filled in {time.perf_counter() - started:.0f} s); {len(TOPICS)} topics"
    )
    counter = CallCounter()
    counter.attach(dynamodb)
    for label, asked in (
        ("GET requests.json (1,000 newest)", {}),
        ("GET requests.json?service_code=… (one topic)", {"service_code": TOPICS[0]}),
        ("GET requests.json?status=open&page=2", {"status": "open", "page": "2"}),
    ):
        counter.take()
        times, sizes = [], []
        for _ in range(RUNS):
            began = time.perf_counter()
            sizes.append(len(container.open311.requests(asked, "en")))
            times.append(time.perf_counter() - began)
        calls, items = counter.take()
        print(
            f"  {label:<44} {sizes[0]:>5} results: "
            f"{sum(calls.values()) / RUNS:.1f} AWS calls ({_calls(calls, RUNS)}), "
            f"{items / RUNS:,.0f} items read, median {statistics.median(times) * 1000:.0f} ms"
        )
    key = container.api_key_admin.issue_as(
        "bench", ApiKeyCreate(name="bench", owner="bench, b@example.org", per_hour=1000)
    ).key
    counter.take()
    times = []
    for n in range(RUNS):
        form = {
            "api_key": key,
            "service_code": "roads.potholes",
            "lat": f"{55.75 + n / 1000:.4f}",
            "long": "37.62",
            "email": f"client{n}@example.org",
            "description": f"Pothole {n}",
        }
        began = time.perf_counter()
        container.open311.create(form, "en")
        times.append(time.perf_counter() - began)
    calls, items = counter.take()
    print(
        f"  {'POST requests.json':<44}       : "
        f"{sum(calls.values()) / RUNS:.1f} AWS calls ({_calls(calls, RUNS)}), "
        f"{items / RUNS:.0f} items read, median {statistics.median(times) * 1000:.0f} ms"
    )


def _calls(calls: dict[str, int], runs: int) -> str:
    return ", ".join(f"{name} {count / runs:g}" for name, count in sorted(calls.items()))


if __name__ == "__main__":
    main()
