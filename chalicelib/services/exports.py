"""Exports for BI tools: every card (or those received in a period) as CSV and Parquet rows,
read page by page from the table and written batch by batch, so memory stays flat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from chalicelib.domain import export_rows
from chalicelib.domain.card import Card
from chalicelib.domain.errors import ValidationFailed
from chalicelib.ports import CardRepository, Directory, RowSink

PAGE = 1000  # cards per table read
BATCH = 10_000  # rows per write (one Parquet row group)
MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    """Requests received from ``start`` to ``end`` (inclusive), in the town's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationFailed.single("to", "is before from")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationFailed.single("to", f"a period is at most {MAX_PERIOD_DAYS} days")

    def holds(self, card: Card, zone: ZoneInfo) -> bool:
        return self.start <= card.created_at.astimezone(zone).date() <= self.end


@dataclass(frozen=True)
class ExportResult:
    rows: int
    files: list[Path]


def every_card(cards: CardRepository) -> Iterator[Card]:
    cursor: str | None = None
    while True:
        page = cards.every_card(limit=PAGE, cursor=cursor)
        yield from page.cards
        cursor = page.cursor
        if cursor is None:
            return


def export_cards(
    source: Iterator[Card],
    *,
    directory: Directory,
    files: Callable[[], RowSink],
    pseudonym_key: bytes,
    period: Period | None,
    zone: ZoneInfo,
    batch: int = BATCH,
) -> ExportResult:
    """Rows of ``source``'s cards (those received in ``period``) into ``files()`` (a RowFiles)."""
    tree = directory.categories()
    agencies = {d.id: d.name.en for d in directory.departments()}
    writer = files()
    pending = []
    for card in source:
        if card.is_subtask or (period is not None and not period.holds(card, zone)):
            continue  # a subtask is the town's own work, not a request
        pending.append(export_rows.row(card, tree, agencies, pseudonym_key=pseudonym_key))
        if len(pending) >= batch:
            writer.write(pending)
            pending = []
    writer.write(pending)
    paths = writer.close()
    return ExportResult(rows=writer.rows, files=paths)
