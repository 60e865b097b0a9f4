"""Staff replies to requesters: checked against the town's list, approved when risky, sent
with the change they make (the outbox message is written in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib import templating
from chalicelib.domain import access, replies, sla_overdue
from chalicelib.domain.access import Principal
from chalicelib.domain.card import ApprovalReason, Card, ReplyKind, ReplyStatus, Status
from chalicelib.domain.errors import PermissionDenied
from chalicelib.domain.lifecycle import Change
from chalicelib.domain.notifications import NotificationKind, Occasion
from chalicelib.domain.outbox import OutboxMessage
from chalicelib.ports import CardRepository, Clock, Directory
from chalicelib.services.card_changes import (
    CardShowing,
    CardWithHistory,
    StaffCard,
    TimersOf,
    current,
    require_subtasks_done,
    save,
)
from chalicelib.services.commands import ReplyCreate, ReplyDecision
from chalicelib.services.notifications import Notifier
from chalicelib.services.policies import SlaPolicy

# A final answer resolves the card, a refusal closes it: both wait for the subtasks.
ENDS_THE_WORK = frozenset({ReplyKind.FINAL, ReplyKind.REFUSAL})
KIND_OF = {
    ReplyKind.ANSWER: NotificationKind.REPLY,
    ReplyKind.FINAL: NotificationKind.FINAL_REPLY,
    ReplyKind.REFUSAL: NotificationKind.REFUSAL,
}


def write_reply(
    principal: Principal,
    number: str,
    command: ReplyCreate,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    notify: Notifier,
    timers_of: TimersOf,
    sla: SlaPolicy,
) -> CardWithHistory:
    """Check the reply; send it, or keep it for the manager when it needs approval. A final
    answer opens the requester's objection window when it is sent."""
    card, history = current(principal, number, command.version, cards)
    _require_author(principal, card, command.kind)
    if command.kind in ENDS_THE_WORK:
        require_subtasks_done(card, cards)
        sla_overdue.require_explained(card, history, timers_of(card, history))
    written = _draft_of(command)
    now = clock.now()
    reasons, found = _checked(card, written, directory, now)
    change = replies.draft(
        card,
        written,
        reasons,
        found,
        approver=principal.manages(card.department),
        actor=principal.actor,
        at=now,
        objection_until=sla.objection_until(now),
    )
    return save(change, history, cards, _message(change, notify))


@dataclass(frozen=True)
class ReplyPreview:
    rendered: templating.Rendered
    approval_reasons: tuple[ApprovalReason, ...]
    personal_data: tuple[str, ...]


def preview_reply(
    principal: Principal,
    number: str,
    command: ReplyCreate,
    *,
    cards: CardRepository,
    directory: Directory,
    clock: Clock,
    notify: Notifier,
) -> ReplyPreview:
    """The reply as the requester would read it, and whether it would need approval; the
    checklist runs as for a real reply; nothing is written."""
    card = cards.get(number)
    _require_author(principal, card, command.kind)
    written = _draft_of(command)
    now = clock.now()
    reasons, found = _checked(card, written, directory, now)
    occasion = Occasion(
        KIND_OF[command.kind],
        message=written.text.strip(),
        next_step=written.next_step,
        next_step_due=written.next_step_due,
        final=command.kind != ReplyKind.ANSWER,
    )
    return ReplyPreview(notify.preview(card, occasion, at=now), reasons, found)


def approve_reply(
    principal: Principal,
    number: str,
    reply_id: str,
    command: ReplyDecision,
    *,
    cards: CardRepository,
    clock: Clock,
    notify: Notifier,
    timers_of: TimersOf,
    sla: SlaPolicy,
) -> CardWithHistory:
    card, history = current(principal, number, command.version, cards)
    _require_approver(principal, card)
    reply = card.reply(reply_id)
    if reply is not None and reply.kind in ENDS_THE_WORK:
        require_subtasks_done(card, cards)
        sla_overdue.require_explained(card, history, timers_of(card, history))
    now = clock.now()
    change = replies.approve(
        card, reply_id, actor=principal.actor, at=now, objection_until=sla.objection_until(now)
    )
    return save(change, history, cards, _message(change, notify))


def reject_reply(
    principal: Principal,
    number: str,
    reply_id: str,
    command: ReplyDecision,
    *,
    cards: CardRepository,
    clock: Clock,
) -> CardWithHistory:
    card, history = current(principal, number, command.version, cards)
    _require_approver(principal, card)
    change = replies.reject(
        card, reply_id, command.reason or "", actor=principal.actor, at=clock.now()
    )
    return save(change, history, cards)


def _message(change: Change, notify: Notifier) -> list[OutboxMessage]:
    """The requester's message when the change sent a reply (none for a draft or rejection)."""
    sent_now = {c.field for c in change.entry.changes if c.after == ReplyStatus.SENT}
    reply = next((r for r in change.card.replies if f"replies.{r.id}" in sent_now), None)
    if reply is None:
        return []
    occasion = Occasion(
        KIND_OF[reply.kind],
        message=reply.text,
        next_step=reply.next_step,
        next_step_due=reply.next_step_due,
        final=reply.kind != ReplyKind.ANSWER,
    )
    return notify.compose(change.card, change.entry, occasion)


def _draft_of(command: ReplyCreate) -> replies.ReplyDraft:
    return replies.ReplyDraft(
        kind=command.kind,
        text=command.text,
        next_step=command.next_step,
        next_step_due=command.next_step_due,
        legal=command.legal,
        attachments=tuple(command.attachments),
    )


def _require_author(principal: Principal, card: Card, kind: ReplyKind) -> None:
    if kind == ReplyKind.FINAL:
        access.require_transition(principal, card, Status.RESOLVED)
    else:
        access.require_working_on(principal, card, "reply to the requester")


def _require_approver(principal: Principal, card: Card) -> None:
    access.require_view(principal, card)
    if not principal.manages(card.department):
        raise PermissionDenied("only the department's manager approves or rejects replies")


def _checked(
    card: Card, written: replies.ReplyDraft, directory: Directory, now: datetime
) -> tuple[tuple[ApprovalReason, ...], tuple[str, ...]]:
    """The town's checklist, with the department's public contacts as the contact to give
    and as data that is not someone else's."""
    department = directory.department(card.department)
    contacts = department.public_contacts if department else ()
    return replies.check(
        card,
        written,
        contact=", ".join(contacts) or None,
        allowed=replies.allowed_contacts(card, contacts),
        now=now,
    )


@dataclass(frozen=True)
class Replies:
    """The reply use cases wired to their ports (built once by the container)."""

    cards: CardRepository
    directory: Directory
    clock: Clock
    notify: Notifier
    show: CardShowing
    sla: SlaPolicy

    def write(self, principal: Principal, number: str, command: ReplyCreate) -> StaffCard:
        written = write_reply(
            principal,
            number,
            command,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notify,
            timers_of=self.show.timers_of,
            sla=self.sla,
        )
        return self.show(principal, written)

    def preview(self, principal: Principal, number: str, command: ReplyCreate) -> ReplyPreview:
        return preview_reply(
            principal,
            number,
            command,
            cards=self.cards,
            directory=self.directory,
            clock=self.clock,
            notify=self.notify,
        )

    def approve(
        self, principal: Principal, number: str, reply_id: str, command: ReplyDecision
    ) -> StaffCard:
        approved = approve_reply(
            principal,
            number,
            reply_id,
            command,
            cards=self.cards,
            clock=self.clock,
            notify=self.notify,
            timers_of=self.show.timers_of,
            sla=self.sla,
        )
        return self.show(principal, approved)

    def reject(
        self, principal: Principal, number: str, reply_id: str, command: ReplyDecision
    ) -> StaffCard:
        rejected = reject_reply(
            principal, number, reply_id, command, cards=self.cards, clock=self.clock
        )
        return self.show(principal, rejected)
