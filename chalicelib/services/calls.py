"""An operator's call card: the call becomes a card whatever its outcome, so no call lives in
a notebook. A consultation is closed at once with the answer given (the caller gets it in
writing); a forwarded call goes to the department's queue; missing details put the card in
needs_clarification with the questions, so it is tracked while it waits."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.phone_config import PhoneConfig
from chalicelib.domain import access, lifecycle
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card, Channel, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.ports import CardRepository, Clock, Directory, Telemetry
from chalicelib.services import intake
from chalicelib.services.commands import CallOutcome, CallRecord, CardCreate
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import IntakePolicy
from chalicelib.services.routing import Router
from chalicelib.services.staff import CardWithHistory, save

CALL_TAKERS = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})
SUBJECT_MAX = 120


@dataclass(frozen=True)
class CallPorts:
    cards: CardRepository
    directory: Directory
    clock: Clock
    telemetry: Telemetry
    route: Router
    notify: Notifier


def record_call(
    principal: Principal,
    command: CallRecord,
    *,
    call_id: str | None,
    ports: CallPorts,
    policy: IntakePolicy,
) -> CardWithHistory:
    """Make the call's card and carry out how the call ended. ``call_id`` (the contact's id, or
    a key the console generates) makes a retried save return the same card."""
    if not principal.roles & CALL_TAKERS:
        raise PermissionDenied("only operators and managers record calls")
    if command.forwarded_to and ports.directory.department(command.forwarded_to) is None:
        raise ValidationFailed.single(
            "forwarded_to", f"unknown department {command.forwarded_to!r}"
        )
    receipt = intake.submit_request(
        _card_form(command),
        channel=Channel.PHONE,
        idempotency_key=f"call:{call_id}" if call_id else None,
        cards=ports.cards,
        directory=ports.directory,
        clock=ports.clock,
        telemetry=ports.telemetry,
        policy=policy,
        route=ports.route,
        receipt=ports.notify.receipt,
    )
    card, history = ports.cards.get_with_history(receipt.card.number)
    if card.version > 1:  # a retried save: the outcome was carried out the first time
        return card, history
    return _carry_out(principal, command, card, history, ports)


def call_script(
    category: str, locale: str, *, config: PhoneConfig, directory: Directory
) -> list[str]:
    """The questions to ask a caller about ``category``: the general ones, then the topic's."""
    if category not in directory.categories():
        raise ValidationFailed.single("category", f"unknown category {category!r}")
    return config.script(category, locale)


def _carry_out(
    principal: Principal,
    command: CallRecord,
    card: Card,
    history: list[HistoryEntry],
    ports: CallPorts,
) -> CardWithHistory:
    now = ports.clock.now()
    if command.outcome == CallOutcome.CONSULTATION:
        access.require_transition(principal, card, Status.CLOSED)
        details = lifecycle.TransitionDetails(closure_reason=command.answer)
        change = lifecycle.transition(card, Status.CLOSED, details, actor=principal.actor, at=now)
    elif command.outcome == CallOutcome.FORWARDED and command.forwarded_to != card.department:
        change = lifecycle.assign(
            card,
            None,
            command.forwarded_to or card.department,
            actor=principal.actor,
            at=now,
            reason="forwarded during the call",
        )
    elif command.missing:
        question = "\n".join(f"- {q}" for q in command.missing)
        details = lifecycle.TransitionDetails(question=question)
        change = lifecycle.transition(
            card, Status.NEEDS_CLARIFICATION, details, actor=principal.actor, at=now
        )
    else:
        return card, history
    return save(change, history, ports.cards, ports.notify.for_change(card, change))


def _card_form(command: CallRecord) -> CardCreate:
    essence = command.essence.strip()
    subject = essence.splitlines()[0][:SUBJECT_MAX]
    described = (
        essence if not command.checked else f"{essence}\n\nAlready checked: {command.checked}"
    )
    return CardCreate.model_validate(
        {
            "subject": subject if len(subject) >= 3 else f"{subject} (call)",
            "description": described,
            "category": command.category,
            "priority": command.priority,
            "requester": command.caller.model_dump(),
            "location": command.location.model_dump() if command.location else None,
        }
    )
