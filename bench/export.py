"""Exporting 1,000,000 generated cards: rows per second and peak memory, against the time
pyarrow alone needs to write the same table (same run), and the peak memory at 100,000 cards
(flat as the data grows: the export holds one batch).

Each measurement runs in a child process, so each peak is its own. Figures, not asserts.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CARDS = 1_000_000


def cards(count: int) -> Iterator[Any]:
    """Cards as the table gives them (no validation: the bench measures the export)."""
    from chalicelib.domain.card import (
        Card,
        Channel,
        ContactChannel,
        Location,
        Milestones,
        Priority,
        Requester,
        Status,
    )

    start = datetime(2022, 1, 1, tzinfo=UTC)
    statuses = list(Status)
    for n in range(1, count + 1):
        created = start + timedelta(minutes=n)
        replied = created + timedelta(hours=n % 40)
        status = statuses[n % len(statuses)]
        yield Card.model_construct(
            id=f"card-{n}",
            number=f"{created.year}-{n:06d}",
            channel=Channel.WEB,
            subject="Pothole on Lenina",
            description=f"A deep pothole by house {n % 90}, call +7 916 555-{n % 100:02d}-33",
            category="roads.potholes",
            priority=Priority.NORMAL,
            requester=Requester.model_construct(
                full_name="Resident",
                email=f"r{n % 5000}@example.org",
                phone=None,
                preferred_channel=ContactChannel.EMAIL,
            ),
            consent=None,
            location=Location.model_construct(
                address=f"Lenina {n % 90}", district=f"d{n % 12}", latitude=55.7, longitude=37.6
            ),
            attachments=(),
            department="roads",
            parent=None,
            sensitive=False,
            status=status,
            created_at=created,
            updated_at=replied,
            first_response_due=created + timedelta(days=1),
            resolution="Filled" if status in (Status.RESOLVED, Status.CLOSED) else None,
            closure_reason=None,
            related_to=None,
            access_token_hash="0" * 64,
            milestones=Milestones.model_construct(
                first_reply_at=replied,
                resolved_at=replied if status in (Status.RESOLVED, Status.CLOSED) else None,
                closed_at=replied if status == Status.CLOSED else None,
                missed_deadline=n % 17 == 0,
            ),
        )


def export_child(count: int, folder: Path) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from chalicelib.adapters.export_files import RowFiles
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.services.exports import export_cards

    directory = StaticDirectory.from_file()
    started = time.perf_counter()
    result = export_cards(
        cards(count),
        directory=directory,
        files=lambda: RowFiles(folder, "cards"),
        pseudonym_key=b"bench" * 8,
        period=None,
        zone=ZoneInfo("UTC"),
    )
    seconds = time.perf_counter() - started
    return {
        "rows": result.rows,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bytes": {p.suffix: p.stat().st_size for p in result.files},
    }


def pyarrow_child(count: int, folder: Path) -> dict[str, Any]:
    """The same rows, already in memory, written by pyarrow alone (one table, one call)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chalicelib.adapters.export_files import parquet_schema
    from chalicelib.adapters.static_directory import StaticDirectory
    from chalicelib.domain import export_rows

    directory = StaticDirectory.from_file()
    tree = directory.categories()
    agencies = {d.id: d.name.en for d in directory.departments()}
    rows = [export_rows.row(c, tree, agencies, pseudonym_key=b"bench" * 8) for c in cards(count)]
    columns = {name: [r[name] for r in rows] for name in export_rows.NAMES}
    del rows
    started = time.perf_counter()
    table = pa.Table.from_pydict(columns, schema=parquet_schema())
    pq.write_table(table, folder / "alone.parquet", compression="zstd")
    seconds = time.perf_counter() - started
    return {
        "rows": table.num_rows,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(kind: str, count: int) -> dict[str, Any]:
    answer = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(answer.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        kind, count = sys.argv[2], int(sys.argv[3])
        with tempfile.TemporaryDirectory() as folder:
            child = export_child if kind == "export" else pyarrow_child
            print(json.dumps(child(count, Path(folder))))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else CARDS
    small = run("export", count // 10)
    full = run("export", count)
    alone = run("pyarrow", count)
    print(
        f"Export of {count:,} generated cards (CSV + Parquet, batches of 10,000 rows; "
        "the time includes making each card, as reading the table would)"
    )
    print(
        f"  export: {full['rows'] / full['seconds']:,.0f} rows/s ({full['seconds']:.1f} s), "
        f"peak {full['peak_mb']:.0f} MB; CSV {full['bytes']['.csv'] / 1e6:.0f} MB, "
        f"Parquet {full['bytes']['.parquet'] / 1e6:.0f} MB"
    )
    print(
        f"  memory as the data grows: {small['peak_mb']:.0f} MB at {count // 10:,} cards, "
        f"{full['peak_mb']:.0f} MB at {count:,}"
    )
    print(
        f"  pyarrow alone writing the same table from memory (Parquet only): "
        f"{alone['seconds']:.1f} s, peak {alone['peak_mb']:.0f} MB; "
        f"export / pyarrow-alone time: {full['seconds'] / alone['seconds']:.1f}x "
        "(the export also builds every row from a card and writes CSV)"
    )


if __name__ == "__main__":
    main()
