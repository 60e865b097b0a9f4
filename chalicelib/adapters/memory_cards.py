"""In-memory CardRepository: the twin used by unit tests; passes the same contract suite."""

from __future__ import annotations

import base64
import binascii
import threading
from collections import defaultdict

from chalicelib.adapters.card_items import queue_keys
from chalicelib.domain.card import Card, Status
from chalicelib.domain.errors import ConflictError, NotFound, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.ports import IdempotencyRecord, QueuePage


class InMemoryCardRepository:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[int, int] = defaultdict(int)
        self._cards: dict[str, Card] = {}
        self._history: dict[str, list[HistoryEntry]] = defaultdict(list)
        self._idempotency: dict[str, IdempotencyRecord] = {}

    def next_number(self, year: int) -> int:
        with self._lock:
            self._counters[year] += 1
            return self._counters[year]

    def find_idempotent(self, key: str) -> IdempotencyRecord | None:
        return self._idempotency.get(key)

    def create(
        self, card: Card, entry: HistoryEntry, idempotency: IdempotencyRecord | None = None
    ) -> None:
        with self._lock:
            if card.number in self._cards or (idempotency and idempotency.key in self._idempotency):
                raise ConflictError(f"card {card.number} or its idempotency key exists")
            self._cards[card.number] = card
            self._history[card.number].append(entry)
            if idempotency is not None:
                self._idempotency[idempotency.key] = idempotency

    def get(self, number: str) -> Card:
        try:
            return self._cards[number]
        except KeyError:
            raise NotFound(f"no card {number}") from None

    def get_with_history(self, number: str) -> tuple[Card, list[HistoryEntry]]:
        with self._lock:
            return self.get(number), list(self._history[number])

    def save(self, card: Card, entry: HistoryEntry) -> None:
        with self._lock:
            stored = self._cards.get(card.number)
            if stored is None or stored.version != card.version - 1:
                current = stored.version if stored else None
                raise ConflictError(
                    f"card {card.number} changed since version {card.version - 1}; it is now "
                    f"{current}",
                    current_version=current,
                )
            self._cards[card.number] = card
            self._history[card.number].append(entry)

    def queue(
        self, department: str, status: Status, *, limit: int, cursor: str | None = None
    ) -> QueuePage:
        with self._lock:
            matching = sorted(
                (
                    c
                    for c in self._cards.values()
                    if c.department == department and c.status == status
                ),
                key=lambda c: queue_keys(c)["queue_sk"],
            )
        start = _decode_cursor(cursor) if cursor else 0
        page = matching[start : start + limit]
        more = start + limit < len(matching)
        return QueuePage(cards=page, cursor=_encode_cursor(start + limit) if more else None)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed.single("cursor", "not a cursor this API returned") from None
