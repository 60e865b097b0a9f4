"""The duplicate look-up at a town's and a city's size: the AWS calls, the items read and the
time of one look-up (what intake does on every channel, and the form's "already reported
nearby?") as the table grows from 1,000 to 1,000,000 cards.

The town keeps ``--open`` requests open over its area, across its place topics, while its
history grows: closed cards pile up at a steady pace, further back in time. A look-up reads
one topic in the geohash cells its radius touches (one to four, usually one or two): open cards
and those finished in the last 30 days, never the years before, so its reads follow what is
open nearby in that topic, not the size of the table.

Runs on the local stack's emulated AWS (moto's server over the SQLite item store). The cards
are put straight into the item store (a million through moto's HTTP front would take hours);
every look-up goes through boto3, moto's server and the store, as deployed code reads
DynamoDB. Prints figures; asserts nothing.

    python bench/duplicates.py [--sizes 1000,100000,1000000] [--open 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_calls import CallCounter
from bench.sla_sweep import deadline_watch, registered_card

# The demo town's extent (districts d1..d6), longitude then latitude.
WEST, EAST, SOUTH, NORTH = 37.55, 37.70, 55.70, 55.80
TOPICS = (
    "roads.potholes",
    "roads.signs",
    "lighting.streetlight_out",
    "waste.missed_collection",
    "waste.illegal_dumping",
    "parks.playground",
    "parks.trees",
)
SUBJECTS = ("Pothole by the stop", "Streetlight out", "Rubbish not collected", "Broken swing")
LOOKUPS = 100
CLOSED_A_DAY = 30  # about 11,000 requests a year: a town of 100,000 people


def _cards(first: int, count: int, now: datetime, open_count: int, rng: random.Random) -> Any:
    """``count`` cards from sequence ``first``: the first ``open_count`` open, the rest closed
    at the town's steady pace, each further back in time."""
    from chalicelib.domain.card import Location, Milestones, Status

    for sequence in range(first, first + count):
        topic = rng.choice(TOPICS)
        point = Location(
            address=f"Lenina {rng.randint(1, 200)}",
            latitude=round(rng.uniform(SOUTH, NORTH), 6),
            longitude=round(rng.uniform(WEST, EAST), 6),
        )
        words = {"category": topic, "subject": rng.choice(SUBJECTS)}
        if sequence <= open_count:
            registered = now - timedelta(days=rng.uniform(0, 60))
            card, entry = registered_card(sequence, registered, location=point)
            card = card.model_copy(update=words)
        else:
            closed = now - timedelta(days=(sequence - open_count) / CLOSED_A_DAY)
            registered = closed - timedelta(days=rng.uniform(1, 20))
            card, entry = registered_card(sequence, registered, location=point)
            card = card.model_copy(
                update={
                    **words,
                    "status": Status.CLOSED,
                    "updated_at": closed,
                    "milestones": Milestones(resolved_at=closed, closed_at=closed),
                }
            )
        yield card, entry


def _put_straight(store: Any, table: str, items: Iterator[dict[str, Any]]) -> None:
    """Card items into the item store with their index entries, as the emulated table would
    file them, in transactions of 10,000."""
    from chalicelib.adapters import table_schema as ts
    from infrastructure.local.item_store import key_bytes

    def keys(item: dict[str, Any]) -> list[tuple[str, bytes, bytes]]:
        found = []
        for index in ts.GLOBAL_SECONDARY_INDEXES:
            hash_name, range_name = (k["AttributeName"] for k in index["KeySchema"])
            if hash_name in item and range_name in item:
                found.append(
                    (
                        index["IndexName"],
                        key_bytes("S", item[hash_name]["S"]),
                        key_bytes("S", item[range_name]["S"]),
                    )
                )
        return found

    done = False
    while not done:
        with store.request():
            for _ in range(10_000):
                item = next(items, None)
                if item is None:
                    done = True
                    break
                hk = key_bytes("S", item[ts.PARTITION_KEY]["S"])
                rk = key_bytes("S", item[ts.SORT_KEY]["S"])
                store.put(table, hk, rk, item, keys(item))


def main() -> None:
    import logging

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--open", type=int, default=2000, dest="open_count")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rng = random.Random(23)  # noqa: S311 - placing test cards, not secrets
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws, aws.start(), sizes, args.open_count, now, rng)
        finally:
            aws.stop()


def _run(
    aws: Any,
    endpoint_url: str,
    sizes: list[int],
    open_count: int,
    now: datetime,
    rng: random.Random,
) -> None:
    from chalicelib.adapters.card_items import card_item
    from chalicelib.adapters.word_forms import stems
    from chalicelib.domain.duplicates import Sought, words_of
    from chalicelib.services.duplicates import find_likely

    container, settings, dynamodb, _ = deadline_watch(now, endpoint_url)
    tree = container.directory.categories()
    counter = CallCounter()
    written = 0
    print(
        f"{open_count} open requests over the town in {len(TOPICS)} place topics, "
        f"{CLOSED_A_DAY} closed a day going back as the table grows; {LOOKUPS} look-ups at "
        "random points and topics each, radius as the topic's (250 m)"
    )
    for size in sizes:
        started = time.perf_counter()
        _put_straight(
            aws.store,
            settings.table_name,
            (
                card_item(card, entry)
                for card, entry in _cards(written + 1, size - written, now, open_count, rng)
            ),
        )
        filled = time.perf_counter() - started
        written = size
        counter.attach(dynamodb)
        counter.take()
        found, times, cells, reads, queries = [], [], [], [], []
        for _ in range(LOOKUPS):
            topic = rng.choice(TOPICS)
            sought = Sought(
                category=topic,
                latitude=rng.uniform(SOUTH, NORTH),
                longitude=rng.uniform(WEST, EAST),
                address_key=None,
                words=words_of(rng.choice(SUBJECTS), stems),
                radius_metres=tree.duplicate_radius(topic),
            )
            cells.append(len(sought.cells()))
            began = time.perf_counter()
            found.append(len(find_likely(sought, cards=container.cards, clock=container.clock)))
            times.append(time.perf_counter() - began)
            calls, items = counter.take()
            queries.append(calls.get("Query", 0))
            reads.append(items)
        dynamodb.meta.events.unregister("before-call", counter._before)
        dynamodb.meta.events.unregister("after-call", counter._after)
        print(
            f"{size:>9,} cards (filled in {filled:.0f} s): per look-up "
            f"{statistics.mean(queries):.2f} Query calls ({statistics.mean(cells):.2f} cells), "
            f"{statistics.mean(reads):.1f} items read (most {max(reads)}), "
            f"{statistics.mean(found):.2f} likely duplicates, "
            f"median {statistics.median(times) * 1000:.0f} ms, "
            f"p90 {sorted(times)[int(LOOKUPS * 0.9)] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
