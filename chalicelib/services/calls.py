"""An operator's call card: the call becomes a card whatever its outcome, so no call lives in
a notebook. A consultation is closed at once with the answer given (the caller gets it in
writing); a forwarded call goes to the department's queue; missing details put the card in
needs_clarification with the questions, so it is tracked while it waits."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import access, lifecycle
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card, Channel, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import PermissionDenied, ValidationFailed
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.phone import PhoneConfig
from chalicelib.ports import CardRepository, Clock, Directory
from chalicelib.services.card_changes import CardShowing, CardWithHistory, StaffCard, save
from chalicelib.services.commands import CHECKED_PREFIX, CallOutcome, CallRecord, CardCreate
from chalicelib.services.intake import Intake
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import SlaPolicy

CALL_TAKERS = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})
SUBJECT_MAX = 120


@dataclass(frozen=True)
class Calls:
    """The operator's call card wired to its ports (built once by the container)."""

    intake: Intake
    cards: CardRepository
    directory: Directory
    clock: Clock
    notify: Notifier
    config: PhoneConfig
    show: CardShowing
    sla: SlaPolicy

    def record(
        self, principal: Principal, command: CallRecord, *, call_id: str | None
    ) -> StaffCard:
        """Make the call's card and carry out how the call ended. ``call_id`` (the contact's
        id, or a key the console generates) makes a retried save return the same card."""
        if not principal.roles & CALL_TAKERS:
            raise PermissionDenied("only operators and managers record calls")
        if command.forwarded_to and self.directory.department(command.forwarded_to) is None:
            raise ValidationFailed.single(
                "forwarded_to", f"unknown department {command.forwarded_to!r}"
            )
        receipt = self.intake.submit(
            _card_form(command), key=f"call:{call_id}" if call_id else None, channel=Channel.PHONE
        )
        card, history = self.cards.get_with_history(receipt.card.number)
        if card.version == 1:  # not a retried save: carry the outcome out
            card, history = _carry_out(principal, command, card, history, self)
        return self.show(principal, (card, history))

    def script(self, category: str, locale: str) -> list[str]:
        """The questions to ask a caller about ``category``: the general ones, then the topic's."""
        if category not in self.directory.categories():
            raise ValidationFailed.single("category", f"unknown category {category!r}")
        return self.config.script(category, locale)


def _carry_out(
    principal: Principal,
    command: CallRecord,
    card: Card,
    history: list[HistoryEntry],
    ports: Calls,
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
        details = lifecycle.TransitionDetails(
            question=question, reply_by=ports.sla.reply_by(card.category, now)
        )
        change = lifecycle.transition(
            card, Status.NEEDS_CLARIFICATION, details, actor=principal.actor, at=now
        )
    else:
        return card, history
    return save(change, history, ports.cards, ports.notify.for_change(card, change))


def _card_form(command: CallRecord) -> CardCreate:
    essence = command.essence.strip()
    subject = essence.splitlines()[0][:SUBJECT_MAX]
    described = essence if not command.checked else f"{essence}{CHECKED_PREFIX}{command.checked}"
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
