"""Working a card together: risk flags that put it under the manager's control, and subtasks
that ask another department for a part of the work. Pure, like the lifecycle."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.card import RISK_FLAGS, Card, ControlReason
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import Action, Actor, FieldChange, HistoryEntry, InternalNote
from chalicelib.domain.lifecycle import MIN_TEXT, NEEDS_TEXT, Change


def set_risk_flags(
    card: Card,
    flags: frozenset[ControlReason],
    *,
    manager_id: str | None,
    reason: str,
    actor: Actor,
    at: datetime,
) -> Change:
    """Replace the card's risk flags (safety, personal data, public resonance). A flagged card
    is under manual control: its department's manager becomes the owner (when it has one) and
    approves every answer. Reasons from intake (complaint about staff, repeat) stay."""
    if not flags <= RISK_FLAGS:
        unknown = ", ".join(sorted(f.value for f in flags - RISK_FLAGS))
        raise TransitionForbidden(f"not a risk flag: {unknown}", field="flags")
    if len(reason.strip()) < MIN_TEXT:
        raise TransitionForbidden("say why the flags change", field="reason", field_code=NEEDS_TEXT)
    kept = [c for c in card.manual_control if c not in RISK_FLAGS]
    control = (*kept, *sorted(flags, key=lambda f: f.value))
    if control == card.manual_control:
        raise TransitionForbidden("the card already has exactly these flags", field="flags")
    changes = [
        FieldChange(
            field="manual_control",
            before=",".join(card.manual_control) or None,
            after=",".join(control) or None,
        )
    ]
    owner = card.executor_id
    if flags - set(card.manual_control) and manager_id and manager_id != card.executor_id:
        owner = manager_id
        changes.append(FieldChange(field="executor_id", before=card.executor_id, after=owner))
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.RISK_FLAGGED,
        changes=tuple(changes),
        internal_note=InternalNote(text=reason.strip()),
    )
    updated = card.model_copy(
        update={
            "manual_control": control,
            "executor_id": owner,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    return Change(card=updated, entry=entry)


def check_subtask(parent: Card, department: str, text: str) -> None:
    """Whether ``parent`` may ask ``department`` for work (before a number is taken for it)."""
    if parent.is_subtask:
        raise TransitionForbidden("a subtask cannot have subtasks of its own", field="number")
    if parent.status.is_final:
        raise TransitionForbidden(
            f"the card is {parent.status.value}: reopen it before asking for more work",
            field="number",
        )
    if department == parent.department:
        raise TransitionForbidden(
            "a subtask goes to another department; assign within your own", field="department"
        )
    if len(text.strip()) < MIN_TEXT:
        raise TransitionForbidden("say what the other department should do", field="text")


def start_subtask(
    parent: Card, child: Card, *, text: str, actor: Actor, at: datetime
) -> tuple[Change, HistoryEntry]:
    """Record on the parent that ``child`` (already built for its department) was asked for,
    and the child's first entry. The requester sees the parent only: both entries are internal.
    """
    check_subtask(parent, child.department, text)
    parent_entry = HistoryEntry(
        seq=parent.version + 1,
        at=at,
        actor=actor,
        action=Action.SUBTASK_CREATED,
        changes=(FieldChange(field="subtasks", before=None, after=child.number),),
        internal_note=InternalNote(text=text.strip()),
    )
    updated = parent.model_copy(
        update={
            "subtasks": (*parent.subtasks, child.number),
            "updated_at": at,
            "version": parent.version + 1,
        }
    )
    child_changes = [
        FieldChange(field="status", before=None, after=child.status.value),
        FieldChange(field="department", before=None, after=child.department),
        FieldChange(field="parent", before=None, after=parent.number),
    ]
    if child.executor_id:
        child_changes.append(FieldChange(field="executor_id", before=None, after=child.executor_id))
    child_entry = HistoryEntry(
        seq=child.version,
        at=at,
        actor=actor,
        action=Action.CREATED,
        changes=tuple(child_changes),
        internal_note=InternalNote(text=text.strip()),
    )
    return Change(card=updated, entry=parent_entry), child_entry


def open_subtasks(subtasks: list[Card]) -> list[Card]:
    return [s for s in subtasks if not s.status.is_final]
