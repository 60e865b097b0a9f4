"""The unit of work every staff use case shares: read the card the caller saw, save one change
(card, history entry and outgoing messages in one write), and what a staff member is shown of
the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import access, lifecycle
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card
from chalicelib.domain.errors import ConflictError, TransitionForbidden
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.domain.personal_data import shown_to
from chalicelib.domain.sla import Timer, overdue_since
from chalicelib.observability import logger
from chalicelib.ports import CardRepository

CardWithHistory = tuple[Card, list[HistoryEntry]]
TimersOf = Callable[[Card, list[HistoryEntry]], list[Timer]]


def current(
    principal: Principal, number: str, expected_version: int, cards: CardRepository
) -> CardWithHistory:
    """The card and its history in one read, if the caller may see it and saw its current
    version. Who may not see the card learns nothing of it, not even its version."""
    card, history = cards.get_with_history(number)
    access.require_view(principal, card)
    if card.version != expected_version:
        raise ConflictError(
            f"card {number} changed since you read it (you have version {expected_version}, "
            f"it is now {card.version}); reload and try again",
            current_version=card.version,
        )
    return card, history


def save(
    change: lifecycle.Change,
    history: list[HistoryEntry],
    cards: CardRepository,
    messages: Sequence[OutboxMessage] = (),
) -> CardWithHistory:
    cards.save(change.card, change.entry, messages)
    logger.set_correlation_id(change.card.number)
    logger.info(
        "card changed", extra={"action": change.entry.action.value, "version": change.card.version}
    )
    return change.card, [*history, change.entry]


def require_subtasks_done(card: Card, cards: CardRepository) -> None:
    """A card is resolved or closed when the work it asked other departments for is done."""
    still_open = [s for s in (cards.get(n) for n in card.subtasks) if not s.status.is_final]
    if still_open:
        listed = ", ".join(f"{s.number} ({s.department}, {s.status.value})" for s in still_open)
        raise TransitionForbidden(
            f"subtasks are still open: {listed}; the card is resolved or closed when they are",
            field="subtasks",
        )


@dataclass(frozen=True)
class StaffCard:
    """The whole card as one staff member may see it: personal data already removed when they
    may not see it (the rule is applied here, so no route can forget it), with its deadline
    timers and its subtasks' progress."""

    card: Card
    history: list[HistoryEntry]
    personal_data_hidden: bool
    timers: list[Timer]
    subtasks: list[Card]
    overdue_since: datetime | None  # what the overdue list says of it, by the same rule


@dataclass(frozen=True)
class CardShowing:
    """Builds the StaffCard of a use case's result (the timers from the card as stored)."""

    cards: CardRepository
    timers_of: TimersOf

    def __call__(self, principal: Principal, found: CardWithHistory) -> StaffCard:
        card, history = found
        shown = shown_to(principal, card, history)
        timers = self.timers_of(card, history)
        return StaffCard(
            card=shown.card,
            history=shown.history,
            personal_data_hidden=shown.personal_data_hidden,
            timers=timers,
            # One read per subtask, only for the few cards that have any.
            subtasks=[self.cards.get(number) for number in card.subtasks],
            overdue_since=overdue_since(card.status, timers),
        )
