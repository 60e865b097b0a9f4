"""A card's append-only history, with public and internal content kept apart by type.

Only :class:`PublicMessage` may ever leave the system (status page, notifications). An
:class:`InternalNote`, staff identities and field changes other than status are internal.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.card import Status


class ActorKind(StrEnum):
    STAFF = "staff"
    REQUESTER = "requester"
    SYSTEM = "system"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ActorKind
    id: str | None = None
    display_name: str | None = None


REQUESTER = Actor(kind=ActorKind.REQUESTER)
SYSTEM = Actor(kind=ActorKind.SYSTEM)


class Action(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"
    COMMENTED = "commented"
    REQUESTER_MESSAGE = "requester_message"
    ATTACHMENT_ADDED = "attachment_added"
    OVERDUE_EXPLAINED = "overdue_explained"
    LINKED = "linked"
    DEADLINE_MISSED = "deadline_missed"
    RISK_FLAGGED = "risk_flagged"
    SUBTASK_CREATED = "subtask_created"
    REPLY_DRAFTED = "reply_drafted"
    REPLY_APPROVED = "reply_approved"
    REPLY_REJECTED = "reply_rejected"
    REPLY_SENT = "reply_sent"
    REQUESTER_REMINDED = "requester_reminded"
    CORRECTED = "corrected"
    MERGED = "merged"  # this card closed as a duplicate of another
    DUPLICATE_JOINED = "duplicate_joined"  # another card merged into this one
    SPLIT = "split"  # a merge undone: the card back to the state it had
    DUPLICATE_LEFT = "duplicate_left"  # a card merged into this one split off again
    FOLLOWED = "followed"
    UNFOLLOWED = "unfollowed"
    PHOTO_HIDDEN = "photo_hidden"  # taken off the public page (the requester still sees it)
    PHOTO_SHOWN = "photo_shown"  # back on the public page
    # The requester's personal data taken off (retention, or their request): domain/erasure.py
    PERSONAL_DATA_REMOVED = "personal_data_removed"


class MessageAuthor(StrEnum):
    TOWN = "town"
    REQUESTER = "requester"


class PublicMessage(BaseModel):
    """Text written for the requester's eyes; the only free text that leaves the system."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    author: MessageAuthor


class InternalNote(BaseModel):
    """Staff-only text; never reaches a notification or the status page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str


class FieldChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    before: str | None
    after: str | None


class HistoryEntry(BaseModel):
    """One change to a card; ``seq`` equals the card version the change produced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    at: datetime
    actor: Actor
    action: Action
    changes: tuple[FieldChange, ...] = ()
    public_message: PublicMessage | None = None
    internal_note: InternalNote | None = None
    # Colleagues a comment calls on (staff ids); each is told once.
    mentions: tuple[str, ...] = ()

    @property
    def status_after(self) -> Status | None:
        for change in self.changes:
            if change.field == "status" and change.after is not None:
                return Status(change.after)
        return None

    @property
    def is_public(self) -> bool:
        """Public when it carries a public message or changes the status the requester sees."""
        return self.public_message is not None or self.status_after is not None
