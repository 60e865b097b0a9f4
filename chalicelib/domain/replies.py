"""Replies to the requester: the town's pre-send checklist, and draft → approved → sent.

Checklist: an answer states a next step and its deadline (a final answer or a refusal is
final); the requester has a contact for clarification (the department's); personal data other
than the requester's own is flagged. Refusals, legal answers, replies with such data and every
reply on a card under manual control wait for the department's manager. Pure: callers pass
the actor, the time and what the department publishes as its contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import lifecycle
from chalicelib.domain.card import (
    ApprovalReason,
    AttachmentSource,
    Card,
    Reply,
    ReplyKind,
    ReplyStatus,
    Status,
    is_card_number,
)
from chalicelib.domain.errors import FieldProblem, TransitionForbidden, ValidationFailed
from chalicelib.domain.history import Action, Actor, FieldChange, HistoryEntry, InternalNote

MAX_TEXT = 5000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d ()\-]{7,}\d(?![\w-])")
# Russian passport (4 + 6 digits) and SNILS (123-456-789 01): identity numbers.
_IDENTITY = re.compile(r"(?<!\d)(?:\d{4} ?\d{6}|\d{3}-\d{3}-\d{3}[ -]\d{2})(?!\d)")


@dataclass(frozen=True)
class ReplyDraft:
    """What the author wrote."""

    kind: ReplyKind
    text: str
    next_step: str | None = None
    next_step_due: datetime | None = None
    legal: bool = False
    attachments: tuple[str, ...] = ()


def personal_data_in(text: str, *, allowed: frozenset[str]) -> tuple[str, ...]:
    """Kinds of personal data in ``text`` that are not in ``allowed`` (the requester's own
    contacts and the town's public ones, compared by address or by digits)."""
    found = []
    if any(m.group(0).lower() not in allowed for m in _EMAIL.finditer(text)):
        found.append("email")
    without_mail = _EMAIL.sub(" ", text)
    if _IDENTITY.search(without_mail):
        found.append("identity_number")
    phones = [m.group(0) for m in _PHONE.finditer(_IDENTITY.sub(" ", without_mail))]
    if any(not is_card_number(p.strip()) and _digits(p) not in allowed for p in phones):
        found.append("phone")
    return tuple(found)


def redact(text: str, mark: str = "[removed]") -> str:
    """``text`` with every email, phone and identity number replaced by ``mark`` (exports)."""
    text = _EMAIL.sub(mark, text)
    text = _IDENTITY.sub(mark, text)
    return _PHONE.sub(lambda m: m.group(0) if is_card_number(m.group(0).strip()) else mark, text)


def allowed_contacts(card: Card, public_contacts: tuple[str, ...]) -> frozenset[str]:
    """Addresses a reply may carry: the requester's own, and the town's public ones."""
    own = [card.requester.email or "", card.requester.phone or "", *public_contacts]
    return frozenset(
        value.lower() if "@" in value else _digits(value) for value in own if value.strip()
    )


def check(
    card: Card, draft: ReplyDraft, *, contact: str | None, allowed: frozenset[str], now: datetime
) -> tuple[tuple[ApprovalReason, ...], tuple[str, ...]]:
    """Run the checklist: problems raise ValidationFailed naming the field; otherwise the
    reasons the reply needs approval and the personal data found."""
    problems = []
    text = draft.text.strip()
    if not lifecycle.MIN_TEXT <= len(text) <= MAX_TEXT:
        problems.append(
            FieldProblem("text", f"write {lifecycle.MIN_TEXT} to {MAX_TEXT} characters")
        )
    if draft.kind == ReplyKind.ANSWER:
        if not (draft.next_step or "").strip():
            problems.append(
                FieldProblem("next_step", "an answer that is not final states the next step")
            )
        if draft.next_step_due is None:
            problems.append(FieldProblem("next_step_due", "the next step needs a deadline"))
        elif draft.next_step_due <= now:
            problems.append(FieldProblem("next_step_due", "the deadline is in the past"))
    staff_files = {a.id for a in card.attachments if a.source == AttachmentSource.STAFF}
    problems += [
        FieldProblem(f"attachments.{i}", f"card {card.number} has no staff file {file_id!r}")
        for i, file_id in enumerate(draft.attachments)
        if file_id not in staff_files
    ]
    if not contact:
        problems.append(
            FieldProblem(
                "contact",
                f"department {card.department!r} publishes no phone or email for questions; "
                "an administrator adds one to the directory",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    found = personal_data_in(f"{text}\n{draft.next_step or ''}", allowed=allowed)
    reasons = []
    if draft.kind == ReplyKind.REFUSAL:
        reasons.append(ApprovalReason.REFUSAL)
    if draft.legal:
        reasons.append(ApprovalReason.LEGAL)
    if found:
        reasons.append(ApprovalReason.PERSONAL_DATA)
    if card.approval_required:
        reasons.append(ApprovalReason.MANUAL_CONTROL)
    return tuple(reasons), found


def draft(
    card: Card,
    written: ReplyDraft,
    reasons: tuple[ApprovalReason, ...],
    found: tuple[str, ...],
    *,
    approver: bool,
    actor: Actor,
    at: datetime,
    objection_until: datetime | None = None,
) -> lifecycle.Change:
    """Send the reply now, or keep it for approval when it needs one and the author is not
    the approver (a manager's own reply is approved by writing it). ``objection_until``: the
    objection window a final answer opens when it is sent."""
    reply = Reply(
        id=f"r{len(card.replies) + 1}",
        kind=written.kind,
        text=written.text.strip(),
        next_step=(written.next_step or "").strip() or None,
        next_step_due=written.next_step_due,
        legal=written.legal,
        attachments=tuple(dict.fromkeys(written.attachments)),
        approval_reasons=reasons,
        personal_data=found,
        status=ReplyStatus.AWAITING_APPROVAL,
        drafted_by=actor.id or "",
        drafted_at=at,
    )
    if not reasons or approver:
        return _send(
            card, reply, Action.REPLY_SENT, actor=actor, at=at, objection_until=objection_until
        )
    _sendable(card, reply, actor=actor, at=at)  # refuse now what could never be sent
    why = ", ".join(r.value.replace("_", " ") for r in reasons)
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.REPLY_DRAFTED,
        changes=(FieldChange(field=f"replies.{reply.id}", before=None, after=reply.status),),
        internal_note=InternalNote(text=f"{reply.kind.value} waits for approval: {why}"),
    )
    return lifecycle.Change(
        card=card.model_copy(
            update={
                "replies": (*card.replies, reply),
                "updated_at": at,
                "version": card.version + 1,
            }
        ),
        entry=entry,
    )


def approve(
    card: Card,
    reply_id: str,
    *,
    actor: Actor,
    at: datetime,
    objection_until: datetime | None = None,
) -> lifecycle.Change:
    reply = _waiting(card, reply_id)
    decided = reply.model_copy(update={"decided_by": actor.id, "decided_at": at})
    return _send(
        card, decided, Action.REPLY_APPROVED, actor=actor, at=at, objection_until=objection_until
    )


def reject(
    card: Card, reply_id: str, reason: str, *, actor: Actor, at: datetime
) -> lifecycle.Change:
    """Send the draft back: it stays on the card, rejected, with the manager's why."""
    reply = _waiting(card, reply_id)
    if len(reason.strip()) < lifecycle.MIN_TEXT:
        raise TransitionForbidden("say what to change", field="reason", field_code="needs_text")
    rejected = reply.model_copy(
        update={"status": ReplyStatus.REJECTED, "decided_by": actor.id, "decided_at": at}
    )
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.REPLY_REJECTED,
        changes=(
            FieldChange(field=f"replies.{reply.id}", before=reply.status, after=rejected.status),
        ),
        internal_note=InternalNote(text=reason.strip()),
    )
    return lifecycle.Change(card=_with_reply(card, rejected, at), entry=entry)


def _send(
    card: Card,
    reply: Reply,
    action: Action,
    *,
    actor: Actor,
    at: datetime,
    objection_until: datetime | None = None,
) -> lifecycle.Change:
    """The reply leaves: a public message, and the status its kind implies (final resolves,
    refusal closes), recorded as one history entry."""
    base = _sendable(card, reply, actor=actor, at=at, objection_until=objection_until)
    before = card.reply(reply.id)
    sent = reply.model_copy(update={"status": ReplyStatus.SENT})
    replies = _replaced(card.replies, sent) if before else (*card.replies, sent)
    entry = base.entry.model_copy(
        update={
            "action": action,
            "changes": (
                *base.entry.changes,
                FieldChange(
                    field=f"replies.{reply.id}",
                    before=before.status if before else None,
                    after=sent.status,
                ),
            ),
        }
    )
    return lifecycle.Change(card=base.card.model_copy(update={"replies": replies}), entry=entry)


def _sendable(
    card: Card,
    reply: Reply,
    *,
    actor: Actor,
    at: datetime,
    objection_until: datetime | None = None,
) -> lifecycle.Change:
    """The change sending ``reply`` makes to the card, by the lifecycle's own rules."""
    if reply.kind == ReplyKind.ANSWER:
        if card.status.is_final:
            raise TransitionForbidden(
                f"the card is {card.status.value}: reopen it to answer", field="kind"
            )
        return lifecycle.comment(card, reply.text, public=True, actor=actor, at=at)
    if reply.kind == ReplyKind.FINAL:
        details = lifecycle.TransitionDetails(
            resolution=reply.text, objection_until=objection_until
        )
        return lifecycle.transition(card, Status.RESOLVED, details, actor=actor, at=at)
    details = lifecycle.TransitionDetails(closure_reason=reply.text)
    return lifecycle.transition(card, Status.CLOSED, details, actor=actor, at=at)


def _waiting(card: Card, reply_id: str) -> Reply:
    reply = card.reply(reply_id)
    if reply is None:
        raise ValidationFailed.single("reply_id", f"card {card.number} has no reply {reply_id!r}")
    if reply.status != ReplyStatus.AWAITING_APPROVAL:
        raise TransitionForbidden(
            f"reply {reply_id} is already {reply.status.value}", field="reply_id"
        )
    return reply


def _with_reply(card: Card, reply: Reply, at: datetime) -> Card:
    return card.model_copy(
        update={
            "replies": _replaced(card.replies, reply),
            "updated_at": at,
            "version": card.version + 1,
        }
    )


def _replaced(replies: tuple[Reply, ...], reply: Reply) -> tuple[Reply, ...]:
    return tuple(reply if r.id == reply.id else r for r in replies)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())
