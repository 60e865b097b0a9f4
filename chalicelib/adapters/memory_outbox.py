"""In-memory Outbox: the twin of the DynamoDB outbox; passes the same contract suite."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.outbox import OutboxMessage


class InMemoryOutbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, OutboxMessage] = {}

    def add_all(self, messages: Sequence[OutboxMessage]) -> None:
        """New messages, all or none (the card repository calls this inside its write)."""
        with self._lock:
            taken = [m.id for m in messages if m.id in self._messages]
            if taken:
                raise ConflictError(f"outbox messages exist: {', '.join(taken)}")
            self._messages.update({m.id: m for m in messages})

    def add(self, message: OutboxMessage) -> None:
        self.add_all([message])

    def get(self, message_id: str) -> OutboxMessage:
        try:
            return self._messages[message_id]
        except KeyError:
            raise NotFound(f"no outbox message {message_id}") from None

    def due(self, until: datetime, *, limit: int) -> list[OutboxMessage]:
        with self._lock:
            waiting = [
                m
                for m in self._messages.values()
                if m.pending and m.next_attempt_at is not None and m.next_attempt_at <= until
            ]
        return sorted(waiting, key=lambda m: (m.next_attempt_at, m.id))[:limit]

    def update(self, message: OutboxMessage) -> None:
        with self._lock:
            stored = self._messages.get(message.id)
            if stored is None or stored.version != message.version - 1:
                raise ConflictError(f"outbox message {message.id} changed meanwhile")
            self._messages[message.id] = message

    def for_card(self, number: str) -> list[OutboxMessage]:
        with self._lock:
            mine = [m for m in self._messages.values() if m.card_number == number]
        return sorted(mine, key=lambda m: (m.created_at, m.id))

    def forget_card(self, number: str) -> int:
        with self._lock:
            mine = [k for k, m in self._messages.items() if m.card_number == number]
            for key in mine:
                del self._messages[key]
        return len(mine)

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        with self._lock:
            stuck = [m for m in self._messages.values() if m.stuck]
        return sorted(stuck, key=lambda m: (m.updated_at, m.id))[:limit]
