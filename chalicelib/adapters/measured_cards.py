"""The card repository, counted: every card write passes here, whichever use case made it, so
the business metrics a change implies (a card closed, deadlines missed) are counted once, in one
place, after the write succeeded. Everything else is the repository it wraps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.card import Card, Status
from chalicelib.domain.history import Action, HistoryEntry
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.ports import CardRepository, Telemetry


class MeasuredCards:
    def __init__(self, cards: CardRepository, telemetry: Telemetry) -> None:
        self._cards = cards
        self._telemetry = telemetry

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cards, name)

    def save(self, card: Card, entry: HistoryEntry, messages: Sequence[OutboxMessage] = ()) -> None:
        self._cards.save(card, entry, messages)
        self._count(entry)

    def save_together(
        self, changes: Sequence[tuple[Card, HistoryEntry]], messages: Sequence[OutboxMessage] = ()
    ) -> None:
        self._cards.save_together(changes, messages)
        for _, entry in changes:
            self._count(entry)

    def create_subtask(
        self, parent: Card, parent_entry: HistoryEntry, child: Card, child_entry: HistoryEntry
    ) -> None:
        self._cards.create_subtask(parent, parent_entry, child, child_entry)
        self._count(parent_entry)

    def _count(self, entry: HistoryEntry) -> None:
        missed = len(entry.changes) if entry.action == Action.DEADLINE_MISSED else 0
        closed = entry.status_after == Status.CLOSED
        if closed or missed:
            self._telemetry.card_changed(closed=closed, deadlines_missed=missed)
