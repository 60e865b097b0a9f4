"""Open cards per owner, kept as counters beside the cards so that routing reads a few numbers
instead of counting cards. Pure: the change a write makes to the counters follows from the
written card and the history entry that records the write."""

from __future__ import annotations

from chalicelib.domain.card import Card, Status
from chalicelib.domain.history import HistoryEntry


def workload_delta(card: Card, entry: HistoryEntry) -> dict[str, int]:
    """+1 for the owner who now has an open card, -1 for the one who no longer does.

    Open means not resolved or closed. Every write that changes the owner or the status records
    the old value in ``entry.changes``; a first entry has no "before" at all.
    """
    after = card.executor_id if not card.status.is_final else None
    before_owner = _before(entry, "executor_id", card.executor_id)
    before_status = _before(entry, "status", card.status.value)
    before = before_owner if before_status and not Status(before_status).is_final else None
    if before == after:
        return {}
    delta: dict[str, int] = {}
    if before:
        delta[before] = -1
    if after:
        delta[after] = 1
    return delta


def _before(entry: HistoryEntry, field: str, unchanged: str | None) -> str | None:
    for change in entry.changes:
        if change.field == field:
            return change.before
    return unchanged
