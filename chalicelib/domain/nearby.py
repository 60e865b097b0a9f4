"""What anyone may know of a card on the map: its topic, status, age and point. No words, no
person; cards of sensitive topics and the town's own subtasks are never on the map.

Pure. Open cards are shown whatever their age; finished ones (resolved or closed) for
``FINISHED_SHOWN`` after they finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.card import Card, Status

FINISHED_SHOWN = timedelta(weeks=4)


@dataclass(frozen=True)
class PlacedCard:
    number: str
    category: str
    status: Status
    created_at: datetime
    finished_at: datetime | None
    latitude: float
    longitude: float


def placed(card: Card) -> PlacedCard | None:
    """The card's public pin, or None when it has none (no point, sensitive, a subtask)."""
    where = card.location
    if card.sensitive or card.is_subtask or where is None:
        return None
    if where.latitude is None or where.longitude is None:
        return None
    finished = None
    if card.status.is_final:
        marks = card.milestones
        closed = marks.closed_at if card.status == Status.CLOSED else None
        finished = closed or marks.resolved_at or card.updated_at
    return PlacedCard(
        number=card.number,
        category=card.category,
        status=card.status,
        created_at=card.created_at,
        finished_at=finished,
        latitude=where.latitude,
        longitude=where.longitude,
    )


def still_shown(pin: PlacedCard, now: datetime) -> bool:
    return pin.finished_at is None or now - pin.finished_at <= FINISHED_SHOWN
