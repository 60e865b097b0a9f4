"""Card lifecycle: which status changes are allowed, what each one needs, and the history entry
that records it. Pure: callers pass the time and the actor; nothing here does I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.card import Attachment, AttachmentSource, Card, Location, Priority, Status
from chalicelib.domain.errors import NotFound, TransitionForbidden, ValidationFailed
from chalicelib.domain.history import (
    REQUESTER,
    SYSTEM,
    Action,
    Actor,
    FieldChange,
    HistoryEntry,
    InternalNote,
    MessageAuthor,
    PublicMessage,
)
from chalicelib.domain.milestones import advance

S = Status
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.IN_PROGRESS, S.NEEDS_CLARIFICATION, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.NEEDS_CLARIFICATION, S.AWAITING_REQUESTER, S.RESOLVED, S.CLOSED}),
    S.NEEDS_CLARIFICATION: frozenset({S.IN_PROGRESS, S.RECEIVED, S.CLOSED}),
    S.AWAITING_REQUESTER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    # Leaving resolved/closed is a reopen: allowed, but it needs a reason and is counted.
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS, S.RECEIVED}),
    S.CLOSED: frozenset({S.IN_PROGRESS, S.RECEIVED}),
}

MIN_TEXT = 3
NEEDS_TEXT = "needs_text"  # the field code of a change missing the words it needs
MERGED = "merged"  # the card is merged into another: only a split brings it back


@dataclass(frozen=True)
class TransitionDetails:
    """What a person supplied with a status change (each target status needs its own field),
    and the dates the town's rules give it: when the requester is asked to answer by (a wait
    for them) and until when they may object (a resolution)."""

    question: str | None = None
    resolution: str | None = None
    closure_reason: str | None = None
    note: str | None = None
    reason: str | None = None
    reply_by: datetime | None = None
    objection_until: datetime | None = None


@dataclass(frozen=True)
class Change:
    """A card after a change, and the history entry that records it (its milestones moved on
    by the entry here, so a card changed twice in one request keeps both)."""

    card: Card
    entry: HistoryEntry

    def __post_init__(self) -> None:
        moved = advance(self.card.milestones, self.entry)
        if moved is not self.card.milestones:
            object.__setattr__(self, "card", self.card.model_copy(update={"milestones": moved}))


def transition(
    card: Card, target: Status, details: TransitionDetails, *, actor: Actor, at: datetime
) -> Change:
    """Move ``card`` to ``target``, or raise :class:`TransitionForbidden` saying why not."""
    if card.merged_into:
        raise TransitionForbidden(
            f"the card is merged into {card.merged_into.into}: split it off to work on it",
            field="to",
            field_code=MERGED,
        )
    if target == card.status:
        raise TransitionForbidden(f"the card is already {target.value}", field="to")
    if target not in ALLOWED_TRANSITIONS[card.status]:
        raise TransitionForbidden(
            f"a card cannot go from {card.status.value} to {target.value}", field="to"
        )
    reopening = card.status.is_final and target in (S.IN_PROGRESS, S.RECEIVED)
    message_text, updates = _requirements(card, target, details, reopening=reopening)
    dates = _dates(target, details, at)
    updates |= dates | {"status": target, "updated_at": at, "version": card.version + 1}
    if reopening:
        updates |= {
            "reopen_count": card.reopen_count + 1,
            "resolution": None,
            "closure_reason": None,
        }
    if card.status == S.NEEDS_CLARIFICATION:
        updates.setdefault("open_question", None)
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.REOPENED if reopening else Action.STATUS_CHANGED,
        changes=(
            FieldChange(field="status", before=card.status.value, after=target.value),
            *(
                FieldChange(field=name, before=None, after=moment.isoformat())
                for name, moment in dates.items()
                if moment is not None
            ),
        ),
        public_message=(
            PublicMessage(text=message_text, author=MessageAuthor.TOWN) if message_text else None
        ),
    )
    return Change(card=card.model_copy(update=updates), entry=entry)


def _dates(target: Status, details: TransitionDetails, at: datetime) -> dict[str, datetime | None]:
    """The reply-by date while waiting for the requester and the objection window of a
    resolution; any status change ends the last ones and the "no answer" mark."""
    reply_by = details.reply_by if target.waits_for_requester else None
    objection_until = details.objection_until if target == S.RESOLVED else None
    for name, moment in (("reply_by", reply_by), ("objection_until", objection_until)):
        if moment is not None and moment <= at:
            raise TransitionForbidden(f"{name} must be later than now", field=name)
    return {"reply_by": reply_by, "objection_until": objection_until, "no_answer_at": None}


# The text each target needs (a TransitionDetails field), why, and the card field it sets.
_NEEDS: dict[Status, tuple[str, str, str | None]] = {
    S.NEEDS_CLARIFICATION: (
        "question",
        "needs_clarification needs a specific question to the requester",
        "open_question",
    ),
    S.AWAITING_REQUESTER: (
        "note",
        "awaiting_requester needs a note telling the requester what is awaited",
        None,
    ),
    S.RESOLVED: ("resolution", "resolved needs what was done", "resolution"),
    S.CLOSED: ("closure_reason", "closed needs a closure reason", "closure_reason"),
}


@dataclass(frozen=True)
class NextStatus:
    """A status the card may move to now, the text field that move needs, and what blocks it."""

    to: Status
    requires: str | None
    blocked_by: str | None = None


def back_in_work(card: Card) -> Status:
    """Where a card goes when the requester has spoken (or stayed silent too long): back to
    its owner's work, or to its department's queue when it has none."""
    return S.IN_PROGRESS if card.executor_id else S.RECEIVED


def next_statuses(card: Card, *, open_subtasks: bool = False) -> list[NextStatus]:
    """Where the card may go from here: what a console offers, with the field each needs.
    ``open_subtasks``: work asked of other departments is not done, so the card can be
    neither resolved nor closed yet."""
    if card.merged_into:
        return []  # a split, not a status change, brings it back
    options = []
    for target in sorted(ALLOWED_TRANSITIONS[card.status], key=list(Status).index):
        requires = _NEEDS[target][0] if target in _NEEDS else None
        if card.status.is_final and target in (S.IN_PROGRESS, S.RECEIVED):
            options.append(NextStatus(target, "reason"))
        elif target == S.IN_PROGRESS and card.executor_id is None:
            options.append(NextStatus(target, None, "executor_id"))
        elif target.is_final and open_subtasks:
            options.append(NextStatus(target, requires, "subtasks"))
        else:
            options.append(NextStatus(target, requires))
    return options


def _requirements(
    card: Card, target: Status, details: TransitionDetails, *, reopening: bool
) -> tuple[str | None, dict[str, object]]:
    """The public text the change carries and the fields it sets; raises when one is missing."""
    if reopening:
        return _required(details.reason, "reason", "a reopen needs a reason"), {}
    if target == S.IN_PROGRESS and card.executor_id is None:
        raise TransitionForbidden(
            "in_progress needs an executor: assign one first", field="executor_id"
        )
    if target not in _NEEDS:
        return None, {}
    field, message, sets = _NEEDS[target]
    text = _required(getattr(details, field), field, message)
    return text, ({sets: text} if sets else {})


def _required(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if len(text) < MIN_TEXT:
        raise TransitionForbidden(message, field=field, field_code=NEEDS_TEXT)
    return text


def assign(
    card: Card,
    executor_id: str | None,
    department: str,
    *,
    actor: Actor,
    at: datetime,
    reason: str | None = None,
) -> Change:
    """Give the card an owner and department, or send it to another department's queue
    (``executor_id`` None). Internal, since it names staff. Taking a card from an owner, or
    sending it to another department's queue, needs a reason; giving an unowned card its first
    owner does not. Each move between departments is counted."""
    if card.status == S.CLOSED:
        raise TransitionForbidden(
            "a closed card cannot be assigned; reopen it first", field="executor_id"
        )
    if card.executor_id == executor_id and card.department == department:
        raise TransitionForbidden(
            "the card is already assigned to this executor"
            if executor_id
            else "the card is already in this department's queue",
            field="executor_id",
        )
    # A reassignment (the card has an owner) or a hand-over to another department's queue
    # ("not ours") says why; giving an unowned card its first owner needs no reason.
    handed_over = executor_id is None and department != card.department
    if (card.executor_id is not None or handed_over) and len((reason or "").strip()) < MIN_TEXT:
        raise TransitionForbidden(
            "a reassignment needs a reason (why the current owner should not keep it)"
            if card.executor_id is not None
            else "sending the card to another department's queue needs a reason (why it is "
            "not this department's)",
            field="reason",
            field_code=NEEDS_TEXT,
        )
    changes = [FieldChange(field="executor_id", before=card.executor_id, after=executor_id)]
    transfers = card.transfers
    if department != card.department:
        changes.append(FieldChange(field="department", before=card.department, after=department))
        transfers += 1
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.ASSIGNED,
        changes=tuple(changes),
        internal_note=InternalNote(text=reason.strip()) if reason and reason.strip() else None,
    )
    updated = card.model_copy(
        update={
            "executor_id": executor_id,
            "department": department,
            "transfers": transfers,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    return Change(card=updated, entry=entry)


def link(card: Card, related_to: str, *, actor: Actor, at: datetime, why: str) -> Change:
    """Mark the card as following up an earlier one (internal: the requester sees one card)."""
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.LINKED,
        changes=(FieldChange(field="related_to", before=card.related_to, after=related_to),),
        internal_note=InternalNote(text=why),
    )
    updated = card.model_copy(
        update={"related_to": related_to, "updated_at": at, "version": card.version + 1}
    )
    return Change(card=updated, entry=entry)


def comment(
    card: Card,
    text: str,
    *,
    public: bool,
    actor: Actor,
    at: datetime,
    mentions: tuple[str, ...] = (),
) -> Change:
    """A staff comment: internal by default, or a public message to the requester. Mentions
    call colleagues in; they belong to internal notes only (they name staff)."""
    body = _required(text, "text", "a comment needs text")
    if public and mentions:
        raise TransitionForbidden(
            "mentions name staff: write them in an internal note", field="mentions"
        )
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.COMMENTED,
        public_message=PublicMessage(text=body, author=MessageAuthor.TOWN) if public else None,
        internal_note=None if public else InternalNote(text=body),
        mentions=mentions,
    )
    return Change(
        card=card.model_copy(update={"updated_at": at, "version": card.version + 1}), entry=entry
    )


def automated_mail_noted(card: Card, text: str, *, at: datetime) -> Change:
    """An automatic reply about the card (an out-of-office answer, a list's notice), kept in its
    history for staff; nothing else changes: no reopening, no resumed clock, no new activity."""
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=SYSTEM,
        action=Action.COMMENTED,
        internal_note=InternalNote(text=f"Automatic reply received by email:\n{text}"[:5000]),
    )
    return Change(card=card.model_copy(update={"version": card.version + 1}), entry=entry)


def object_to_resolution(card: Card, text: str, *, at: datetime) -> Change:
    """The requester says the resolution did not solve it, before the card closes by itself:
    the card is reopened with their words, counted as a reopen like any other."""
    if card.status != S.RESOLVED:
        raise TransitionForbidden(
            "this request is closed; please submit a new request and mention its number"
            if card.status == S.CLOSED
            else "this request is not resolved yet: add your details as a message instead",
            field="number",
        )
    if card.objection_until is not None and at > card.objection_until:
        raise TransitionForbidden(
            "the time to object to this resolution has passed; please submit a new request "
            "and mention its number",
            field="number",
        )
    body = _required(text, "text", "an objection needs text: say what is still wrong")
    resumed = back_in_work(card)
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=REQUESTER,
        action=Action.REOPENED,
        changes=(FieldChange(field="status", before=card.status.value, after=resumed.value),),
        public_message=PublicMessage(text=body, author=MessageAuthor.REQUESTER),
    )
    updated = card.model_copy(
        update={
            "status": resumed,
            "reopen_count": card.reopen_count + 1,
            "resolution": None,
            "objection_until": None,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    return Change(card=updated, entry=entry)


def attach(card: Card, files: tuple[Attachment, ...], *, actor: Actor, at: datetime) -> Change:
    """Add files to the card in one history entry."""
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.ATTACHMENT_ADDED,
        changes=tuple(
            FieldChange(field="attachments", before=None, after=f.filename) for f in files
        ),
    )
    updated = card.model_copy(
        update={
            "attachments": (*card.attachments, *files),
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    return Change(card=updated, entry=entry)


def show_photo(
    card: Card, attachment_id: str, *, public: bool, reason: str, actor: Actor, at: datetime
) -> Change:
    """One of the requester's photos taken off the public page (a face, a number plate, inside
    someone's home) or put back, with who and why (internal). Allowed at any status: a photo
    seen to show someone months after closing must still come off."""
    photo = next((a for a in card.attachments if a.id == attachment_id), None)
    if photo is None:
        raise NotFound(f"card {card.number} has no attachment {attachment_id}")
    if photo.source != AttachmentSource.REQUESTER or photo.thumbnail_key is None:
        raise ValidationFailed.single(
            "attachment_id",
            "only the requester's photos are shown on the public page",
            "not_a_public_photo",
        )
    if photo.hidden_from_public == (not public):
        state = "shown" if public else "hidden"
        raise ValidationFailed.single(
            "public", f"this photo is already {state}", f"already_{state}"
        )
    if len(reason.strip()) < MIN_TEXT:
        raise TransitionForbidden(
            "say why the photo is hidden or shown", field="reason", field_code=NEEDS_TEXT
        )
    changed = photo.model_copy(update={"hidden_from_public": not public})
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.PHOTO_SHOWN if public else Action.PHOTO_HIDDEN,
        changes=(
            FieldChange(
                field="public_photos",
                before=None if public else photo.filename,
                after=photo.filename if public else None,
            ),
        ),
        internal_note=InternalNote(text=reason.strip()),
    )
    attachments = tuple(changed if a.id == attachment_id else a for a in card.attachments)
    updated = card.model_copy(
        update={"attachments": attachments, "updated_at": at, "version": card.version + 1}
    )
    return Change(card=updated, entry=entry)


def requester_message(card: Card, text: str, *, actor: Actor, at: datetime) -> Change:
    """The requester adds details. If the card was waiting for them, it goes back into work."""
    if card.status == S.CLOSED:
        raise TransitionForbidden(
            "this request is closed; please submit a new request and mention its number",
            field="number",
        )
    body = _required(text, "text", "a message needs text")
    updates: dict[str, object] = {"updated_at": at, "version": card.version + 1}
    changes: tuple[FieldChange, ...] = ()
    if card.no_answer_at is not None:
        updates["no_answer_at"] = None  # the requester did answer, late
    if card.status.waits_for_requester:
        resumed = back_in_work(card)
        updates |= {"status": resumed, "open_question": None, "reply_by": None}
        changes = (FieldChange(field="status", before=card.status.value, after=resumed.value),)
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.REQUESTER_MESSAGE,
        changes=changes,
        public_message=PublicMessage(text=body, author=MessageAuthor.REQUESTER),
    )
    return Change(card=card.model_copy(update=updates), entry=entry)


@dataclass(frozen=True)
class Corrections:
    """What staff correct after intake; None leaves a field as it is. The caller derives what
    follows from the town's rules (``sensitive``, ``first_response_due`` for a new topic or
    priority; the district for a new place)."""

    category: str | None = None
    sensitive: bool | None = None
    priority: Priority | None = None
    location: Location | None = None
    full_name: str | None = None
    first_response_due: datetime | None = None


def correct(
    card: Card, corrections: Corrections, *, actor: Actor, at: datetime, reason: str
) -> Change:
    """Intake's record put right (a mail card's topic, a misheard address, a priority), each
    field's before and after in the history with who and why (internal). A closed card is
    reopened first; a correction that changes nothing is refused."""
    if card.status == S.CLOSED:
        raise TransitionForbidden("a closed card cannot be corrected; reopen it first")
    if len(reason.strip()) < MIN_TEXT:
        raise TransitionForbidden(
            "a correction needs a reason (what was wrong)", field="reason", field_code=NEEDS_TEXT
        )
    update: dict[str, object] = {}
    changes: list[FieldChange] = []

    def changed(field: str, before: object, after: object, value: object) -> None:
        if after is not None and after != before:
            changes.append(FieldChange(field=field, before=_text(before), after=_text(after)))
            update[field.split(".")[0]] = value

    changed("category", card.category, corrections.category, corrections.category)
    changed("priority", card.priority, corrections.priority, corrections.priority)
    changed("location", card.location, corrections.location, corrections.location)
    requester = card.requester.model_copy(update={"full_name": corrections.full_name})
    changed("requester.full_name", card.requester.full_name, corrections.full_name, requester)
    if not changes:
        raise ValidationFailed.single(
            "body", "nothing to correct: every value given is what the card has", "nothing_changed"
        )
    if corrections.sensitive is not None and corrections.sensitive != card.sensitive:
        update["sensitive"] = corrections.sensitive
    due = corrections.first_response_due
    if due is not None and due != card.first_response_due:
        changes.append(
            FieldChange(
                field="first_response_due",
                before=card.first_response_due.isoformat(),
                after=due.isoformat(),
            )
        )
        update["first_response_due"] = due
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.CORRECTED,
        changes=tuple(changes),
        internal_note=InternalNote(text=reason.strip()),
    )
    return Change(
        card=card.model_copy(update={**update, "updated_at": at, "version": card.version + 1}),
        entry=entry,
    )


def _text(value: object) -> str | None:
    """A field's value as the history keeps it (a place as its address and point)."""
    if value is None:
        return None
    if isinstance(value, Location):
        parts = [value.address, value.district]
        if value.latitude is not None and value.longitude is not None:
            parts.append(f"{value.latitude}, {value.longitude}")
        return "; ".join(p for p in parts if p)
    return str(value.value if isinstance(value, Priority) else value)
