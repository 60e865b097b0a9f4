"""A missed deadline must be explained: why, and what happens next.

Raising the priority re-derives every deadline from the new priority's targets; a new decision
deadline (agreed by a manager) replaces the decision timer's budget for the current round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.card import Card, Priority
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import Action, Actor, FieldChange, HistoryEntry, InternalNote
from chalicelib.domain.lifecycle import Change
from chalicelib.domain.sla import DECISION_DEADLINE, Timer, overdue_since

# The history field a breach is recorded in: "<timer>@<round start>", one per timer and round.
DEADLINE_MISSED = "deadline_missed"


class OverdueReason(StrEnum):
    WAITING_FOR_REQUESTER = "waiting_for_requester"
    ANOTHER_AGENCY = "another_agency"
    ROUTING_ERROR = "routing_error"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    OTHER = "other"


class NextStep(StrEnum):
    REQUEST_CLARIFICATION = "request_clarification"
    REASSIGN = "reassign"
    RAISE_PRIORITY = "raise_priority"
    NEW_DEADLINE = "new_deadline"


_HIGHER = {
    Priority.LOW: Priority.NORMAL,
    Priority.NORMAL: Priority.HIGH,
    Priority.HIGH: Priority.URGENT,
}


@dataclass(frozen=True)
class OverdueExplanation:
    reason: OverdueReason
    next_step: NextStep
    reason_text: str | None = None
    new_deadline: datetime | None = None


def breach_mark(timer: Timer) -> str:
    return f"{timer.kind.value}@{timer.started_at.isoformat()}"


def breach_recorded(history: list[HistoryEntry], timer: Timer) -> bool:
    mark = breach_mark(timer)
    return any(
        change.field == DEADLINE_MISSED and change.after == mark
        for entry in history
        for change in entry.changes
    )


def record_breach(card: Card, timer: Timer, *, actor: Actor, at: datetime) -> Change:
    """Log a missed deadline on the card (internal), so its history says when it slipped."""
    due = timer.due_at.isoformat() if timer.due_at else "unknown"
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.DEADLINE_MISSED,
        changes=(FieldChange(field=DEADLINE_MISSED, before=None, after=breach_mark(timer)),),
        internal_note=InternalNote(
            text=f"The {timer.kind.value.replace('_', ' ')} deadline ({due}) was missed; "
            "an overdue reason and next step are needed."
        ),
    )
    return Change(
        card=card.model_copy(update={"updated_at": at, "version": card.version + 1}), entry=entry
    )


def explain_overdue(
    card: Card, explanation: OverdueExplanation, *, actor: Actor, at: datetime
) -> Change:
    """Record the explanation (internal); apply a priority raise or an agreed deadline."""
    text = (explanation.reason_text or "").strip()
    if explanation.reason == OverdueReason.OTHER and len(text) < 3:
        raise TransitionForbidden("reason 'other' needs a text", field="reason_text")
    changes: list[FieldChange] = []
    updates: dict[str, object] = {"updated_at": at, "version": card.version + 1}
    if explanation.next_step == NextStep.RAISE_PRIORITY:
        if card.priority not in _HIGHER:
            raise TransitionForbidden("the card is already urgent", field="next_step")
        updates["priority"] = _HIGHER[card.priority]
        changes.append(
            FieldChange(
                field="priority", before=card.priority.value, after=_HIGHER[card.priority].value
            )
        )
    if explanation.next_step == NextStep.NEW_DEADLINE:
        deadline = explanation.new_deadline
        if deadline is None or deadline <= at:
            raise TransitionForbidden("a new deadline must be in the future", field="new_deadline")
        changes.append(
            FieldChange(field=DECISION_DEADLINE, before=None, after=deadline.isoformat())
        )
    note = (
        f"Overdue: {explanation.reason.value}"
        + (f" ({text})" if text else "")
        + f"; next step: {explanation.next_step.value}"
    )
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.OVERDUE_EXPLAINED,
        changes=tuple(changes),
        internal_note=InternalNote(text=note),
    )
    return Change(card=card.model_copy(update=updates), entry=entry)


def require_explained(card: Card, history: list[HistoryEntry], timers: list[Timer]) -> None:
    """An overdue card is resolved or closed only once why it slipped and what happens next
    are on record (an explanation given after its earliest unmet deadline passed)."""
    since = overdue_since(card.status, timers)
    if since is None:
        return
    if any(e.action == Action.OVERDUE_EXPLAINED and e.at >= since for e in history):
        return
    raise TransitionForbidden(
        f"card {card.number} is overdue since {since.isoformat()}: record why and the next step "
        f"first (POST /staff/cards/{card.number}/overdue)",
        field="overdue",
    )
