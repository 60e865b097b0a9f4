"""Requests near a point (the form's map, a request's public page) at a town's size: the AWS
calls and items one look-up reads as the table grows from 1,000 to 100,000 cards.

The town keeps ``OPEN`` requests open (spread over its area) while its history grows: closed
cards pile up year after year. A look-up reads the place index's nine cells around the point:
open cards and those finished in the last four weeks, never the years of closures before, so
its reads follow what is open nearby, not the size of the table. Runs on the local stack's
emulated AWS (moto's server over the SQLite item store). Prints figures; asserts nothing.

    python bench/nearby.py [--sizes 1000,10000,100000] [--open 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_calls import CallCounter
from bench.sla_sweep import deadline_watch, put_in_batches, registered_card

# The demo town's extent (districts d1..d6), longitude then latitude.
WEST, EAST, SOUTH, NORTH = 37.55, 37.70, 55.70, 55.80
LOOKUPS = 50
CLOSED_A_DAY = 30  # about 11,000 requests a year: a town of 100,000 people
RADIUS_METRES = 300


def _cards(first: int, count: int, now: datetime, open_count: int, rng: random.Random) -> Any:
    """``count`` cards from sequence ``first``: the first ``open_count`` of the town open, the
    rest closed at the town's steady pace, each further back in time (a bigger table is a
    longer history, not a busier month)."""
    from chalicelib.domain.card import Location, Milestones, Status

    for sequence in range(first, first + count):
        point = Location(
            address=None,
            latitude=round(rng.uniform(SOUTH, NORTH), 6),
            longitude=round(rng.uniform(WEST, EAST), 6),
        )
        if sequence <= open_count:
            registered = now - timedelta(days=rng.uniform(0, 60))
            card, entry = registered_card(sequence, registered, location=point)
        else:
            closed = now - timedelta(days=(sequence - open_count) / CLOSED_A_DAY)
            registered = closed - timedelta(days=rng.uniform(1, 20))
            card, entry = registered_card(sequence, registered, location=point)
            card = card.model_copy(
                update={
                    "status": Status.CLOSED,
                    "updated_at": closed,
                    "milestones": Milestones(resolved_at=closed, closed_at=closed),
                }
            )
        yield card, entry


def main() -> None:
    import logging

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--open", type=int, default=500, dest="open_count")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rng = random.Random(21)  # noqa: S311 - placing test cards, not secrets
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws.start(), sizes, args.open_count, now, rng)
        finally:
            aws.stop()


def _run(
    endpoint_url: str, sizes: list[int], open_count: int, now: datetime, rng: random.Random
) -> None:
    from chalicelib.adapters.card_items import card_item

    container, settings, dynamodb, _ = deadline_watch(now, endpoint_url)
    counter = CallCounter()
    written = 0
    print(
        f"{open_count} open requests over the town, {CLOSED_A_DAY} closed a day going back as the "
        f"table grows; {LOOKUPS} look-ups at random points each"
    )
    for size in sizes:
        started = time.perf_counter()
        put_in_batches(
            dynamodb,
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
        found, times = [], []
        for _ in range(LOOKUPS):
            latitude, longitude = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
            began = time.perf_counter()
            found.append(len(container.places.nearby(latitude, longitude, RADIUS_METRES)))
            times.append(time.perf_counter() - began)
        calls, items = counter.take()
        dynamodb.meta.events.unregister("before-call", counter._before)
        dynamodb.meta.events.unregister("after-call", counter._after)
        print(
            f"{size:>8,} cards (filled in {filled:.0f} s): per look-up "
            f"{calls.get('Query', 0) / LOOKUPS:.1f} Query calls, {items / LOOKUPS:.1f} items read, "
            f"{statistics.mean(found):.1f} requests within {RADIUS_METRES} m, "
            f"median {statistics.median(times) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
