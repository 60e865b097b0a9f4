"""Taking a requester's personal data off a card while the town's figures stay.

Two reasons lead here: the town's retention period for closed cards has passed
(``RetentionPolicy.personal_data_years``), or an administrator answers the requester's own
request to erase what is held about them. Either way the card keeps what reports and exports
count: its number, topic, department, district, channel, priority, status, dates, deadlines
and milestones, who worked on it, and the rating. What goes:

- the requester's name, email and phone (the card says "personal data removed"), and the
  followers and mail participants;
- the description and every message the requester wrote (they are their words);
- in what the town wrote (subject, questions, resolutions, replies, staff notes, corrections'
  before/after values): the requester's name, and any email, phone or identity number;
- the street address (coordinates are rounded to about 100 m; a sensitive card keeps only
  its district);
- the requester's files (the caller deletes the stored objects: ``files_to_delete``); the
  staff's files are the town's working papers and stay;
- the status link (its token no longer opens anything).

The change is itself a history entry (``personal_data_removed``), with the reason.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.card import (
    Attachment,
    AttachmentSource,
    Card,
    ContactChannel,
    Location,
    Requester,
    Status,
)
from chalicelib.domain.history import (
    Action,
    Actor,
    ActorKind,
    FieldChange,
    HistoryEntry,
    InternalNote,
    MessageAuthor,
    PublicMessage,
)
from chalicelib.domain.replies import redact

REMOVED = "[personal data removed]"
REMOVED_NAME = "Requester (personal data removed)"
# Rounded to three decimals: about 100 m, enough for a district's figures, not a front door.
PLACE_DECIMALS = 3


class ErasureReason(StrEnum):
    RETENTION = "retention"  # the town's period for closed cards has passed
    DATA_REQUEST = "data_request"  # the requester asked; an administrator answered


@dataclass(frozen=True)
class Erased:
    card: Card
    # The card's earlier entries as they now read (same seq: they replace the stored ones).
    history: list[HistoryEntry]
    # The entry recording the removal (seq = the card's new version).
    entry: HistoryEntry
    # Storage keys of the requester's files and their thumbnails.
    files_to_delete: list[str]


def retention_due(card: Card, *, cutoff: datetime) -> bool:
    """A closed card, not yet erased, whose last change is older than ``cutoff`` (the
    period's start)."""
    return (
        card.status == Status.CLOSED
        and card.personal_data_removed_at is None
        and card.updated_at < cutoff
    )


def erase(
    card: Card,
    history: list[HistoryEntry],
    *,
    reason: ErasureReason,
    by: Actor,
    note: str,
    at: datetime,
    also: Sequence[str] = (),
) -> Erased:
    """The card and its history without the requester's personal data (see the module).
    ``also``: more names and contacts of the same person to remove (how their other cards
    spell them: a data request covers them all)."""
    scrub = _Scrubber(card, also)
    files = [a for a in card.attachments if a.source == AttachmentSource.REQUESTER]
    kept: tuple[Attachment, ...] = tuple(
        a for a in card.attachments if a.source != AttachmentSource.REQUESTER
    )
    erased = card.model_copy(
        update={
            "subject": scrub(card.subject),
            "description": REMOVED,
            "requester": Requester(
                full_name=REMOVED_NAME,
                preferred_channel=ContactChannel.EMAIL,
                kind=card.requester.kind,
                locale=card.requester.locale,
                name_known=False,
            ),
            "location": _place(card.location, sensitive=card.sensitive),
            "attachments": kept,
            "open_question": scrub.optional(card.open_question),
            "resolution": scrub.optional(card.resolution),
            "closure_reason": scrub.optional(card.closure_reason),
            "participants": (),
            "followers": (),
            "replies": tuple(r.model_copy(update={"text": scrub(r.text)}) for r in card.replies),
            # A token nobody holds: the old status link opens nothing.
            "access_token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            "personal_data_removed_at": at,
            "version": card.version + 1,
            "updated_at": max(at, card.updated_at),
        }
    )
    entry = HistoryEntry(
        seq=erased.version,
        at=at,
        actor=by,
        action=Action.PERSONAL_DATA_REMOVED,
        changes=(FieldChange(field="personal_data", before=None, after=reason.value),),
        internal_note=InternalNote(text=scrub(note)),
    )
    return Erased(
        card=erased,
        history=[_entry(e, scrub) for e in history],
        entry=entry,
        files_to_delete=[k for a in files for k in (a.key, a.thumbnail_key) if k],
    )


class _Scrubber:
    """Text without the requester's name (whole, and each part: "Dear Ivan,") and contacts,
    and without any email, phone or identity number (``replies.redact``). Removing a word that
    only looks like the name ("Petrov Street") is the price of never keeping the name."""

    def __init__(self, card: Card, also: Sequence[str] = ()) -> None:
        r = card.requester
        names = [r.full_name if r.name_known else "", *also]
        own = [*names, *(part for n in names for part in n.split())]
        own += [r.email or "", r.phone or "", *card.participants]
        own += [c for f in card.followers for c in (f.email or "", f.phone or "")]
        words = sorted({w.strip() for w in own if len(w.strip()) >= 3}, key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in words)
        self._own = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I) if words else None

    def __call__(self, text: str) -> str:
        if self._own is not None:
            text = self._own.sub(REMOVED, text)
        return redact(text, REMOVED)

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)


def _entry(entry: HistoryEntry, scrub: _Scrubber) -> HistoryEntry:
    message = entry.public_message
    if message is not None:
        # The requester's own words go whole; the town's lose what names them.
        text = REMOVED if message.author == MessageAuthor.REQUESTER else scrub(message.text)
        message = PublicMessage(text=text, author=message.author)
    actor = entry.actor
    if actor.kind == ActorKind.REQUESTER and actor.display_name:
        actor = actor.model_copy(update={"display_name": None})
    return entry.model_copy(
        update={
            "actor": actor,
            "public_message": message,
            "internal_note": (
                InternalNote(text=scrub(entry.internal_note.text)) if entry.internal_note else None
            ),
            "changes": tuple(
                FieldChange(
                    field=c.field,
                    before=scrub.optional(c.before),
                    after=scrub.optional(c.after),
                )
                for c in entry.changes
            ),
        }
    )


def _place(location: Location | None, *, sensitive: bool) -> Location | None:
    if location is None:
        return None
    if sensitive or location.latitude is None or location.longitude is None:
        return Location(district=location.district)
    return Location(
        district=location.district,
        latitude=round(location.latitude, PLACE_DECIMALS),
        longitude=round(location.longitude, PLACE_DECIMALS),
    )
