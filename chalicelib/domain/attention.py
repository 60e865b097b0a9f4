"""Staff notices that are not about deadlines: a colleague called you in on a card, or a card
keeps bouncing between departments ("ping-pong") and the controller should look. Pure: which
notices a card owes follows from its history and the notices already claimed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.card import Card
from chalicelib.domain.history import HistoryEntry

# More moves between departments than this and the controller is told.
PING_PONG_AFTER = 3


class AttentionKind(StrEnum):
    MENTION = "mention"
    PING_PONG = "ping_pong"


@dataclass(frozen=True)
class AttentionNotice:
    key: str
    kind: AttentionKind
    staff_id: str | None  # the colleague mentioned; None: the controllers
    by: str | None = None  # who mentioned them


def is_ping_pong(card: Card, limit: int = PING_PONG_AFTER) -> bool:
    return card.transfers > limit


def attention_notices(
    card: Card, history: list[HistoryEntry], *, sent: frozenset[str], limit: int = PING_PONG_AFTER
) -> list[AttentionNotice]:
    owed = [
        AttentionNotice(
            key=f"{card.number}#attention#mention#{entry.seq}#{staff_id}",
            kind=AttentionKind.MENTION,
            staff_id=staff_id,
            by=entry.actor.display_name or entry.actor.id,
        )
        for entry in history
        for staff_id in entry.mentions
    ]
    if is_ping_pong(card, limit):
        key = f"{card.number}#attention#ping-pong"
        owed.append(AttentionNotice(key, AttentionKind.PING_PONG, None))
    return [n for n in owed if n.key not in sent]
