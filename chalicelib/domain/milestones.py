"""When a card reached what reports and exports count: its first reply, its resolution, its
closure, and whether it ever missed a deadline. Folded from each history entry as the card is
written, so an export or a report reads the card item alone, never its history."""

from __future__ import annotations

from chalicelib.domain.card import Milestones, Status
from chalicelib.domain.history import Action, HistoryEntry, MessageAuthor


def advance(milestones: Milestones, entry: HistoryEntry) -> Milestones:
    """``milestones`` after ``entry``; folding the same entry twice changes nothing."""
    updates: dict[str, object] = {}
    message = entry.public_message
    if (
        milestones.first_reply_at is None
        and message is not None
        and message.author == MessageAuthor.TOWN
    ):
        updates["first_reply_at"] = entry.at
    if entry.action == Action.REOPENED:
        updates |= {"resolved_at": None, "closed_at": None}
    elif entry.action == Action.SPLIT:
        # Back to the state before the merge: closed only if it was closed then.
        updates |= {"closed_at": None} if entry.status_after != Status.CLOSED else {}
    elif entry.status_after == Status.RESOLVED:
        updates["resolved_at"] = entry.at
    elif entry.status_after == Status.CLOSED:
        updates["closed_at"] = entry.at
    if entry.action == Action.DEADLINE_MISSED:
        updates["missed_deadline"] = True
    return milestones.model_copy(update=updates) if updates else milestones
