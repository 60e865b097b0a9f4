"""What staff do with cards: see queues and histories, assign, move along the lifecycle, comment.

Every use case checks the caller's permissions itself, whichever route called it.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain import access, lifecycle, overdue
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import (
    ConflictError,
    NotFound,
    TransitionForbidden,
    ValidationFailed,
)
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.overdue import NextStep, OverdueExplanation
from chalicelib.domain.sla import Timer, TimerState
from chalicelib.observability import logger
from chalicelib.ports import BlobStore, CardRepository, Clock, Directory, QueuePage
from chalicelib.services.commands import Assign, CommentCreate, OverdueExplain, Transition
from chalicelib.services.policies import AttachmentPolicy

MAX_QUEUE_PAGE = 100
CardWithHistory = tuple[Card, list[HistoryEntry]]


def department_queue(
    principal: Principal,
    department: str,
    status: Status,
    *,
    limit: int,
    cursor: str | None,
    cards: CardRepository,
    directory: Directory,
) -> QueuePage:
    if directory.department(department) is None:
        raise ValidationFailed.single("department", f"unknown department {department!r}")
    if not 1 <= limit <= MAX_QUEUE_PAGE:
        raise ValidationFailed.single("limit", f"must be between 1 and {MAX_QUEUE_PAGE}")
    access.require_queue(principal, department)
    return cards.queue(department, status, limit=limit, cursor=cursor)


def card_with_history(
    principal: Principal, number: str, *, cards: CardRepository
) -> CardWithHistory:
    card, history = cards.get_with_history(number)
    access.require_view(principal, card)
    return card, history


def attachment_link(
    principal: Principal,
    number: str,
    attachment_id: str,
    *,
    cards: CardRepository,
    blobs: BlobStore,
    policy: AttachmentPolicy,
) -> str:
    """A short-lived download link for one of the card's files, for staff who may see the card."""
    card = cards.get(number)
    access.require_view(principal, card)
    attachment = next((a for a in card.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(f"card {number} has no attachment {attachment_id}")
    return blobs.download_url(
        attachment.key, filename=attachment.filename, expires_in=policy.download_url_ttl_seconds
    )


def assign_card(
    principal: Principal,
    number: str,
    command: Assign,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
) -> CardWithHistory:
    card, history = _current(number, command.version, cards)
    executor = directory.staff_member(command.executor_id)
    if executor is None or Role.EXECUTOR not in executor.roles:
        raise ValidationFailed.single("executor_id", f"{command.executor_id!r} is not an executor")
    department = command.department or _home_department(executor.departments, card.department)
    if department not in executor.departments:
        raise ValidationFailed.single(
            "department", f"executor {executor.id!r} does not work in {department!r}"
        )
    access.require_assign(principal, card, department)
    change = lifecycle.assign(
        card, executor.id, department, actor=principal.actor, at=clock.now(), reason=command.reason
    )
    return _save(change, history, cards)


def transition_card(
    principal: Principal, number: str, command: Transition, *, cards: CardRepository, clock: Clock
) -> CardWithHistory:
    card, history = _current(number, command.version, cards)
    access.require_transition(principal, card, command.to)
    details = lifecycle.TransitionDetails(
        question=command.question,
        resolution=command.resolution,
        closure_reason=command.closure_reason,
        note=command.note,
        reason=command.reason,
    )
    change = lifecycle.transition(card, command.to, details, actor=principal.actor, at=clock.now())
    return _save(change, history, cards)


def comment_on_card(
    principal: Principal,
    number: str,
    command: CommentCreate,
    *,
    cards: CardRepository,
    clock: Clock,
) -> CardWithHistory:
    card, history = _current(number, command.version, cards)
    access.require_comment(principal, card, public=command.public)
    change = lifecycle.comment(
        card, command.text, public=command.public, actor=principal.actor, at=clock.now()
    )
    return _save(change, history, cards)


def explain_overdue(
    principal: Principal,
    number: str,
    command: OverdueExplain,
    *,
    cards: CardRepository,
    clock: Clock,
    timers_of: Callable[[Card, list[HistoryEntry]], list[Timer]],
) -> CardWithHistory:
    """Why a deadline was missed and what happens next; a new deadline needs a manager."""
    card, history = _current(number, command.version, cards)
    access.require_overdue_explanation(
        principal, card, new_deadline=command.next_step == NextStep.NEW_DEADLINE
    )
    if not any(t.state == TimerState.BREACHED for t in timers_of(card, history)):
        raise TransitionForbidden("no deadline of this card has been missed", field="reason")
    explanation = OverdueExplanation(
        reason=command.reason,
        next_step=command.next_step,
        reason_text=command.reason_text,
        new_deadline=command.new_deadline,
    )
    change = overdue.explain_overdue(card, explanation, actor=principal.actor, at=clock.now())
    return _save(change, history, cards)


def _current(number: str, expected_version: int, cards: CardRepository) -> CardWithHistory:
    """The card and its history in one read, if the caller saw the current version."""
    card, history = cards.get_with_history(number)
    if card.version != expected_version:
        raise ConflictError(
            f"card {number} changed since you read it (you have version {expected_version}, "
            f"it is now {card.version}); reload and try again",
            current_version=card.version,
        )
    return card, history


def _home_department(departments: frozenset[str], current: str) -> str:
    return current if current in departments else sorted(departments)[0]


def _save(
    change: lifecycle.Change, history: list[HistoryEntry], cards: CardRepository
) -> CardWithHistory:
    cards.save(change.card, change.entry)
    logger.set_correlation_id(change.card.number)
    logger.info(
        "card changed", extra={"action": change.entry.action.value, "version": change.card.version}
    )
    return change.card, [*history, change.entry]
