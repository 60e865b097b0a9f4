"""The card: one citizen request, whatever the channel it came by."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CARD_NUMBER_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<seq>\d{6,})$")


def format_card_number(year: int, sequence: int) -> str:
    """``2026-000042``: a number a clerk can read out on the phone."""
    return f"{year:04d}-{sequence:06d}"


def is_card_number(value: str) -> bool:
    return CARD_NUMBER_PATTERN.match(value) is not None


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    WALK_IN = "walk_in"
    API = "api"
    SOCIAL = "social"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for the most pressing, so that ascending order puts urgent cards first."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Status(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    NEEDS_CLARIFICATION = "needs_clarification"
    AWAITING_REQUESTER = "awaiting_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def waits_for_requester(self) -> bool:
        return self in (Status.NEEDS_CLARIFICATION, Status.AWAITING_REQUESTER)

    @property
    def is_final(self) -> bool:
        return self in (Status.RESOLVED, Status.CLOSED)

    @property
    def stops_the_clock(self) -> bool:
        """The town waits for the requester: for an answer, or for an objection to the
        resolution before the card closes by itself. Deadlines do not run meanwhile."""
        return self.waits_for_requester or self == Status.RESOLVED


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RequesterKind(StrEnum):
    """Who is asking, as far as routing cares."""

    INDIVIDUAL = "individual"
    # Residents the town serves first (disabled, elderly, large families: the town's list).
    PRIORITY_GROUP = "priority_group"
    ORGANISATION = "organisation"
    # A collective request signed by many, or one of a mass of requests on one incident.
    COLLECTIVE = "collective"


class Requester(_Frozen):
    full_name: str  # as staff see it; a placeholder ("Phone caller") when the name is not known
    email: str | None = None
    phone: str | None = None
    preferred_channel: ContactChannel
    kind: RequesterKind = RequesterKind.INDIVIDUAL
    # The language messages to them are written in (None: the town's default).
    locale: str | None = None
    # False when nobody gave a name (an IVR call): messages greet without one.
    name_known: bool = True

    @property
    def greeting_name(self) -> str:
        """The name messages greet with; empty when it is not known."""
        return self.full_name if self.name_known else ""

    @property
    def contact_key(self) -> str | None:
        """The address that identifies this requester across cards (email first, else phone)."""
        return contact_key(self.email, self.phone)


def contact_key(email: str | None, phone: str | None) -> str | None:
    """Who a contact is, whatever its spelling: the email in lower case, else the phone's
    digits (requesters and followers are compared by it)."""
    if email:
        return email.strip().lower()
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        return f"tel:{digits}" if digits else None
    return None


class ControlReason(StrEnum):
    """Why a card is under the manager's manual control (every answer needs approval)."""

    STAFF_COMPLAINT = "staff_complaint"
    REPEATED = "repeated"
    SAFETY = "safety"
    PERSONAL_DATA = "personal_data"
    PUBLIC_RESONANCE = "public_resonance"


# The risk flags staff may set on a card; the other reasons come from intake.
RISK_FLAGS = frozenset(
    {ControlReason.SAFETY, ControlReason.PERSONAL_DATA, ControlReason.PUBLIC_RESONANCE}
)


class RoutingWhy(_Frozen):
    """The routing sentence's parts, so that it reads in any language: the card's topic and
    district, the rule's time window and requester kinds, where it went (``triage``: no rule
    matched) and how its owner was chosen (``owner``: queue, manager, on_duty,
    nobody_on_duty, fewest_open, no_executor), with their open cards then."""

    category: str
    district: str | None = None
    window: str = "any"
    requester_kinds: tuple[str, ...] = ()
    department: str
    triage: bool = False
    owner: str
    owner_id: str | None = None
    owner_open: int | None = None
    control: tuple[ControlReason, ...] = ()
    repeat_of: str | None = None


class RoutingRecord(_Frozen):
    """Which rule (of which version of the rules) routed the card, and why: one English
    sentence as recorded, and its parts (cards routed before the parts were kept have none)."""

    rule_id: str | None  # None: no rule matched and the card went to triage
    rules_version: int
    reason: str
    why: RoutingWhy | None = None


class Consent(_Frozen):
    """Consent to personal-data processing: when it was given and to which text."""

    accepted_at: datetime
    text_version: str


class Location(_Frozen):
    address: str | None = None
    district: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class AttachmentSource(StrEnum):
    REQUESTER = "requester"
    STAFF = "staff"


class Attachment(_Frozen):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    key: str
    uploaded_at: datetime
    source: AttachmentSource
    # A photo's small JPEG beside it (made once when it was recorded); None for other files.
    thumbnail_key: str | None = None
    # Staff took the photo off the public page (a face, a number plate, someone's window).
    hidden_from_public: bool = False


def safe_filename(name: str) -> str:
    """A file's name without path parts or control characters, for storage keys and headers."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return cleaned[:120] or "file"


class ReplyKind(StrEnum):
    """An answer with a next step, the final answer (resolves the card), or a refusal (closes
    it, with why and what the requester can do)."""

    ANSWER = "answer"
    FINAL = "final"
    REFUSAL = "refusal"


class ReplyStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    SENT = "sent"
    REJECTED = "rejected"


class ApprovalReason(StrEnum):
    """Why a reply waits for the manager before it leaves."""

    REFUSAL = "refusal"
    LEGAL = "legal"
    PERSONAL_DATA = "personal_data"
    MANUAL_CONTROL = "manual_control"


class Reply(_Frozen):
    """A reply written from a template; those that need approval wait on the card until the
    department's manager approves (then it is sent) or rejects it (with why)."""

    id: str
    kind: ReplyKind
    text: str
    next_step: str | None = None
    next_step_due: datetime | None = None
    legal: bool = False
    # Staff files sent with the reply: the requester may download them once it is sent.
    attachments: tuple[str, ...] = ()
    approval_reasons: tuple[ApprovalReason, ...] = ()
    # What the pre-send check found that is not the requester's (kinds, e.g. "email").
    personal_data: tuple[str, ...] = ()
    status: ReplyStatus
    drafted_by: str
    drafted_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None


class FollowerSource(StrEnum):
    ME_TOO = "me_too"  # a citizen who found the card on the form and followed it
    MERGED = "merged"  # the requester of a card merged into this one


class Follower(_Frozen):
    """Someone told of a card's progress who is not its requester: a contact, a language and
    the consent they gave. Never shown to the requester, to other followers or to the public;
    staff see that they exist, not who they are."""

    id: str  # random: the stop-following link names it
    email: str | None = None
    phone: str | None = None
    preferred_channel: ContactChannel
    locale: str | None = None
    since: datetime
    source: FollowerSource
    # The card they came with: theirs when merged, the card they followed otherwise. A split
    # gives the card back the followers that came with it.
    origin: str
    consent: Consent | None = None

    @property
    def contact_key(self) -> str | None:
        return contact_key(self.email, self.phone)


class MergeRecord(_Frozen):
    """A card merged into another: which, when, by whom, and what a split gives back (the
    state it had, so its deadlines run on as if the merge had not been)."""

    into: str
    at: datetime
    by: str
    status: Status
    executor_id: str | None = None
    open_question: str | None = None
    reply_by: datetime | None = None
    objection_until: datetime | None = None
    resolution: str | None = None
    closure_reason: str | None = None


class Milestones(_Frozen):
    """What reports and exports count; kept by ``domain.milestones.advance`` on every write."""

    first_reply_at: datetime | None = None  # the town's first public word (the SLA's rule)
    resolved_at: datetime | None = None  # in the current round (a reopen clears it)
    closed_at: datetime | None = None
    missed_deadline: bool = False  # ever, in any round


class Card(_Frozen):
    id: str
    number: str
    channel: Channel
    # The API client that sent it (an Open311 key's name), when one did.
    client: str | None = None
    subject: str
    description: str
    category: str
    priority: Priority
    requester: Requester
    consent: Consent | None
    location: Location | None = None
    attachments: tuple[Attachment, ...] = ()
    department: str
    # The card's owner: an executor, or the department's manager under manual control.
    executor_id: str | None = None
    routing: RoutingRecord | None = None
    # Personal data visible to the owning department only (health, social support).
    sensitive: bool = False
    manual_control: tuple[ControlReason, ...] = ()
    # Moves between departments after routing; too many is "ping-pong" for the controller.
    transfers: int = Field(default=0, ge=0)
    # A subtask is a card of another department working for its parent; the requester sees
    # the parent only.
    parent: str | None = None
    subtasks: tuple[str, ...] = ()
    status: Status = Status.RECEIVED
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    open_question: str | None = None
    # While the town waits for the requester: when they were asked to answer by (the topic's
    # default, or the date staff gave); past it the card goes back to staff or closes.
    reply_by: datetime | None = None
    # The reply-by date passed unanswered and the card came back to staff: the mark the queue
    # shows until the card next changes status or the requester writes.
    no_answer_at: datetime | None = None
    resolution: str | None = None
    # A resolved card closes by itself at this moment ("confirmed by silence") unless the
    # requester objects before it.
    objection_until: datetime | None = None
    closure_reason: str | None = None
    reopen_count: int = 0
    # Addresses that may add to this card by mail (besides the requester's own).
    participants: tuple[str, ...] = ()
    # The earlier card this one follows up (e.g. a reply to a card closed long ago).
    related_to: str | None = None
    replies: tuple[Reply, ...] = ()
    # Duplicates: this card merged into another (closed as its duplicate), the cards merged
    # into this one, who else follows it, and what intake found it may repeat.
    merged_into: MergeRecord | None = None
    merged: tuple[str, ...] = ()
    followers: tuple[Follower, ...] = ()
    possible_duplicates: tuple[str, ...] = ()
    version: int = Field(default=1, ge=1)
    # Only a hash of the requester's private access token is kept: a leaked table does not
    # reveal working status links.
    access_token_hash: str
    milestones: Milestones = Field(default_factory=Milestones)
    # When the requester's personal data was taken off (retention or their request:
    # domain/erasure.py); the card's figures stay.
    personal_data_removed_at: datetime | None = None

    @property
    def approval_required(self) -> bool:
        """Every answer on a card under manual control waits for the manager's approval."""
        return bool(self.manual_control)

    @property
    def duplicate_of(self) -> str | None:
        return self.merged_into.into if self.merged_into else None

    @property
    def is_subtask(self) -> bool:
        return self.parent is not None

    def reply(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.id == reply_id), None)

    @property
    def public_files(self) -> tuple[Attachment, ...]:
        """Files the requester may download: their own, and the town's sent with a reply."""
        sent = {a for r in self.replies if r.status == ReplyStatus.SENT for a in r.attachments}
        return tuple(
            a for a in self.attachments if a.source == AttachmentSource.REQUESTER or a.id in sent
        )

    def is_participant(self, address: str) -> bool:
        known = {a.lower() for a in self.participants}
        if self.requester.email:
            known.add(self.requester.email.lower())
        return address.lower() in known
