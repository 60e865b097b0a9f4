"""The queue table at a busy department's size: one page of the desk with 5,000 open cards in
the department (and a town's history of closed cards and other departments' work beside them).

Per page load: the AWS calls, the items and the bytes read, and the time on the local stack's
emulated AWS (moto's server over the SQLite item store), for the views a clerk opens most
(deadline order, a filter, a far page, a name sort), and the same figures for reading the
department's open cards whole from the ``queue`` index (what a table without the desk line
would read). Also the console's script and style sizes as served (raw and gzip). Prints
figures; asserts nothing.

    python bench/desk.py [--open 5000] [--closed 20000] [--elsewhere 2000]
"""

from __future__ import annotations

import argparse
import gzip
import json
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

ROOT = Path(__file__).resolve().parent.parent
LOADS = 10
OWNERS = ("ex-ivan", "ex-maria", None)
TOPICS = ("roads.potholes", "roads.snow", "roads.signs")
SUBJECTS = ("Pothole", "Ice on the pavement", "Fallen sign", "Cracked kerb", "Broken marking")


def _cards(count: int, now: datetime, rng: random.Random, **kind: Any) -> Any:
    from chalicelib.domain.card import Location, Milestones, Status

    first = kind.pop("first")
    closed = kind.pop("closed", False)
    for sequence in range(first, first + count):
        registered = now - timedelta(days=rng.uniform(0, 90 if not closed else 700))
        card, entry = registered_card(
            sequence,
            registered,
            location=Location(address=f"Lenina {rng.randint(1, 120)}", district="d3"),
        )
        card = card.model_copy(
            update={
                "subject": f"{rng.choice(SUBJECTS)} {sequence}",
                "category": rng.choice(TOPICS),
                "executor_id": rng.choice(OWNERS),
                "status": rng.choice((Status.RECEIVED, Status.IN_PROGRESS, Status.RESOLVED)),
                **kind,
            }
        )
        if closed:
            card = card.model_copy(
                update={"status": Status.CLOSED, "milestones": Milestones(closed_at=registered)}
            )
        yield card, entry


def main() -> None:
    import logging

    from infrastructure.local.aws import EmulatedAws

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=5000, dest="open_count")
    parser.add_argument("--closed", type=int, default=20000)
    parser.add_argument("--elsewhere", type=int, default=2000)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rng = random.Random(22)  # noqa: S311 - test cards, not secrets
    with tempfile.TemporaryDirectory() as folder:
        aws = EmulatedAws(Path(folder))
        try:
            _run(aws.start(), args, now, rng)
        finally:
            aws.stop()
    _console_size()


def _run(endpoint_url: str, args: argparse.Namespace, now: datetime, rng: random.Random) -> None:
    from chalicelib.adapters.card_items import card_item
    from chalicelib.domain.card import Status
    from chalicelib.domain.desk import DeskFilter, DeskSort
    from chalicelib.services.casework import as_principal
    from chalicelib.services.desk import DeskView

    # A link secret: the desk's bulk changes tell requesters, and their links are signed.
    container, settings, dynamodb, _ = deadline_watch(
        now,
        endpoint_url,
        CIVICDESK_LINK_SECRET="bench-link-secret-32-characters-long",  # noqa: S106
    )
    started = time.perf_counter()
    batches = (
        {"first": 1, "count": args.open_count},
        {"first": 100_001, "count": args.closed, "closed": True},
        {"first": 200_001, "count": args.elsewhere, "department": "lighting"},
    )
    for batch in batches:
        count = batch.pop("count")
        put_in_batches(
            dynamodb,
            settings.table_name,
            (card_item(c, e) for c, e in _cards(count, now, rng, **batch)),
        )
    print(
        f"roads: {args.open_count:,} open cards, {args.closed:,} closed beside them; "
        f"{args.elsewhere:,} open in lighting (filled in {time.perf_counter() - started:.0f} s)"
    )
    sergey = container.directory.staff_member("mgr-sergey")
    assert sergey is not None  # the demo town's roads manager
    manager = as_principal(sergey)
    views = {
        "deadline order, page 1": DeskView("roads", DeskFilter()),
        "Ivan's, in progress": DeskView(
            "roads",
            DeskFilter(
                owners=frozenset({"ex-ivan"}),
                statuses=frozenset({Status.IN_PROGRESS}),
            ),
        ),
        "by owner's name, page 51": DeskView(
            "roads", DeskFilter(), sort=DeskSort.OWNER, offset=2500, locale="ru"
        ),
        "by subject, newest last": DeskView(
            "roads", DeskFilter(), sort=DeskSort.SUBJECT, descending=True
        ),
    }
    counter = _Measured(dynamodb)
    for name, view in views.items():
        times = []
        for _ in range(LOADS):
            began = time.perf_counter()
            page = container.desk.page(manager, view)
            times.append(time.perf_counter() - began)
        calls, items, size = counter.take()
        print(
            f"  {name:<26} {calls.get('Query', 0) / LOADS:.0f} Query calls, "
            f"{items / LOADS:,.0f} items, {size / LOADS / 1e6:.2f} MB read; "
            f"{len(page.rows)} rows of {page.total:,}; median {statistics.median(times):.2f} s"
        )
    # The same cards read whole, from the queue index (one partition per status).
    times = []
    for _ in range(3):
        began = time.perf_counter()
        for status in (s for s in Status if s != Status.CLOSED):
            cursor = None
            while True:
                part = container.cards.queue("roads", status, limit=1000, cursor=cursor)
                cursor = part.cursor
                if cursor is None:
                    break
        times.append(time.perf_counter() - began)
    calls, items, size = counter.take()
    print(
        f"  {'whole cards (queue index)':<26} {calls.get('Query', 0) / 3:.0f} Query calls, "
        f"{items / 3:,.0f} items, {size / 3 / 1e6:.2f} MB read; "
        f"median {statistics.median(times):.2f} s"
    )


class _Measured(CallCounter):
    """Calls and items, and the bytes of the items read (their JSON, as DynamoDB sizes them
    roughly: names and values)."""

    def __init__(self, client: Any) -> None:
        super().__init__()
        self.bytes = 0
        self.attach(client)

    def _after(self, parsed: dict[str, Any], **kwargs: Any) -> None:
        super()._after(parsed, **kwargs)
        self.bytes += sum(len(json.dumps(item, default=str)) for item in parsed.get("Items", []))

    def take(self) -> tuple[dict[str, int], int, int]:  # type: ignore[override]
        calls, items = super().take()
        size, self.bytes = self.bytes, 0
        return calls, items, size


def _console_size() -> None:
    portal = ROOT / "templates" / "portal"
    files = ["i18n.js", "console-texts.js", "console-queue.js", "console.js", "console.css"]
    raw = sum((portal / f).stat().st_size for f in files)
    packed = sum(len(gzip.compress((portal / f).read_bytes())) for f in files)
    print(f"console scripts and style: {raw / 1024:.0f} KB raw, {packed / 1024:.0f} KB gzip")


if __name__ == "__main__":
    main()
