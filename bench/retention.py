"""The nightly retention sweep at a town's size: what one night reads and writes as the table
grows from 10,000 to 100,000 cards: eight years of closed requests (a bigger table is a bigger
town) and a few hundred open; the town keeps personal data five years after closing.

A night reads one of 28 shares of the table (a parallel scan's segment): the items it reads
are a 28th of the table's, whatever is due; each card erased costs a handful of calls (read
the card with its history, rewrite the history, write the card). Runs on the local stack's
emulated AWS (moto's server over the SQLite item store). Prints figures; asserts nothing.

    python bench/retention.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_calls import CallCounter
from bench.sla_sweep import deadline_watch, put_in_batches, registered_card

OPEN = 300
YEARS = 8


class ScanCounter(CallCounter):
    """Also counts the items a Scan evaluated (what DynamoDB bills a scan for)."""

    def __init__(self) -> None:
        super().__init__()
        self.scanned = 0

    def _after(self, parsed: dict[str, Any], model: Any = None, **kwargs: Any) -> None:
        super()._after(parsed, **kwargs)
        if model is not None and model.name == "Scan":  # a Query's count is its own items
            self.scanned += int(parsed.get("ScannedCount", 0))


def _items(first: int, count: int, size: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Cards with their first and closing entries; the first ``OPEN`` stay open, the rest
    closed evenly over ``YEARS`` (sequence 1 newest: a table ``size`` cards long)."""
    from chalicelib.adapters.card_items import card_item, entry_item
    from chalicelib.domain.card import Milestones, Status
    from chalicelib.domain.history import SYSTEM, Action, FieldChange, HistoryEntry

    for sequence in range(first, first + count):
        if sequence <= OPEN:
            card, entry = registered_card(sequence, now - timedelta(days=sequence % 30))
            yield card_item(card, entry)
            yield entry_item(card.number, entry)
            continue
        closed = now - timedelta(days=(sequence - OPEN) * YEARS * 365 / (size - OPEN))
        card, entry = registered_card(sequence, closed - timedelta(days=5))
        closing = HistoryEntry(
            seq=2,
            at=closed,
            actor=SYSTEM,
            action=Action.STATUS_CHANGED,
            changes=(FieldChange(field="status", before="received", after="closed"),),
        )
        card = card.model_copy(
            update={
                "status": Status.CLOSED,
                "updated_at": closed,
                "version": 2,
                "milestones": Milestones(resolved_at=closed, closed_at=closed),
            }
        )
        yield card_item(card, closing)
        yield entry_item(card.number, entry)
        yield entry_item(card.number, closing)


def main() -> None:
    import logging

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    now = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws.start(), [int(s) for s in args.sizes.split(",")], now)
        finally:
            aws.stop()


def _run(endpoint_url: str, sizes: list[int], now: datetime) -> None:
    import boto3

    from infrastructure.local.resources import ensure_resources

    container, settings, dynamodb, _ = deadline_watch(now, endpoint_url)
    s3 = boto3.client("s3", endpoint_url=endpoint_url)
    privacy = container.privacy
    years = privacy.retention.personal_data_years
    print(
        f"{OPEN} open requests and {YEARS} years of closed ones; personal data kept "
        f"{years} years after closing; one night = one of 28 shares"
    )
    for size in sizes:
        dynamodb.delete_table(TableName=settings.table_name)
        ensure_resources(settings, dynamodb=dynamodb, s3=s3)
        started = time.perf_counter()
        put_in_batches(dynamodb, settings.table_name, _items(1, size, size, now))
        filled = time.perf_counter() - started
        items = OPEN * 2 + (size - OPEN) * 3
        counter = ScanCounter()
        counter.attach(dynamodb)
        began = time.perf_counter()
        report = privacy.sweep()
        night = time.perf_counter() - began
        calls, _ = counter.take()
        scanned = counter.scanned
        erased = len(report.erased)
        scans = calls.get("Scan", 0)
        per_card = {k: v for k, v in calls.items() if k != "Scan"}
        per_card_text = ", ".join(
            f"{k} {v / max(erased, 1):.1f}" for k, v in sorted(per_card.items())
        )
        again = ScanCounter()
        again.attach(dynamodb)
        second = privacy.sweep()
        again_calls, _ = again.take()
        print(
            f"{size:>8,} cards (filled in {filled:.0f} s): one night checked "
            f"{report.checked:,} cards, erased {erased:,}; scanned {scanned:,} items in "
            f"{scans} Scan pages ({scanned / items:.1%} of the table's {items:,} items); "
            f"per erased card: {per_card_text}; {night:.1f} s locally"
        )
        print(
            f"          the same night again: erased {len(second.erased)}, "
            f"calls {sum(again_calls.values())} (Scan only: {again_calls.get('Scan', 0)})"
        )


if __name__ == "__main__":
    main()
