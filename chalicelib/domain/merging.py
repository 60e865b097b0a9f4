"""Merging duplicates and undoing it, and following a card: each a pair of changes (the merged
card, the main card) or one, with the history entries that record them. Pure.

A merged card closes as "duplicate of N", its requester (and its followers) follow the main
card, and it keeps what split gives back (``MergeRecord``). Its deadlines stop: the time it
spends merged is a pause (``domain.sla``), so a split card's deadlines run on as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.card import (
    Card,
    Consent,
    ContactChannel,
    Follower,
    FollowerSource,
    MergeRecord,
    Status,
    contact_key,
)
from chalicelib.domain.duplicates import may_take_merges
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import (
    Action,
    Actor,
    FieldChange,
    HistoryEntry,
    InternalNote,
)
from chalicelib.domain.lifecycle import Change

# A card's followers (and merged requesters). Their messages are written in the change's own
# DynamoDB transaction (at most 100 items, the card's own few among them): one message each.
MOST_FOLLOWERS = 50

# Field codes of the refusals (the portal and console have words for each).
INTO_ITSELF = "into_itself"
ALREADY_MERGED = "already_merged"
CLOSED_LONG_AGO = "closed_long_ago"
NOT_MERGED = "not_merged"
TOO_MANY_FOLLOWERS = "too_many_followers"
HAS_SUBTASKS = "has_subtasks"


def duplicate_reason(main: str) -> str:
    return f"duplicate of {main}"


@dataclass(frozen=True)
class Pair:
    """The two cards of a merge or a split, each changed with its own entry."""

    card: Change
    main: Change


def merge(card: Card, main: Card, *, actor: Actor, at: datetime) -> Pair:
    """``card`` closed as a duplicate of ``main``; its requester and followers follow ``main``.
    Raises TransitionForbidden (field ``into``) when the merge cannot be."""
    if card.number == main.number:
        raise TransitionForbidden(
            "a card cannot be merged into itself", field="into", field_code=INTO_ITSELF
        )
    if card.merged_into:
        raise TransitionForbidden(
            f"card {card.number} is already merged into {card.merged_into.into}",
            field="into",
            field_code=ALREADY_MERGED,
        )
    if main.merged_into:
        raise TransitionForbidden(
            f"card {main.number} is itself merged into {main.merged_into.into}",
            field="into",
            field_code=ALREADY_MERGED,
        )
    if not may_take_merges(main, at):
        raise TransitionForbidden(
            f"card {main.number} was closed too long ago to take duplicates; "
            "this one is a new report",
            field="into",
            field_code=CLOSED_LONG_AGO,
        )
    for one in (card, main):
        if one.is_subtask or (one is card and one.subtasks):
            raise TransitionForbidden(
                f"card {one.number} is part of work between departments (subtasks)",
                field="into",
                field_code=HAS_SUBTASKS,
            )
    coming = _followers_from(card, at)
    known = {f.contact_key for f in main.followers} | {main.requester.contact_key}
    joining = [f for f in coming if f.contact_key not in known]
    if len(main.followers) + len(joining) > MOST_FOLLOWERS:
        raise TransitionForbidden(
            f"card {main.number} has {len(main.followers)} followers, the most a card may have "
            f"is {MOST_FOLLOWERS}",
            field="into",
            field_code=TOO_MANY_FOLLOWERS,
        )
    record = MergeRecord(
        into=main.number,
        at=at,
        by=actor.id or actor.kind.value,
        status=card.status,
        executor_id=card.executor_id,
        open_question=card.open_question,
        reply_by=card.reply_by,
        objection_until=card.objection_until,
        resolution=card.resolution,
        closure_reason=card.closure_reason,
    )
    closed = _changed(
        card,
        {
            "status": Status.CLOSED,
            "closure_reason": duplicate_reason(main.number),
            "merged_into": record,
            "followers": (),
            "open_question": None,
            "reply_by": None,
            "objection_until": None,
            "no_answer_at": None,
        },
        Action.MERGED,
        (
            FieldChange(field="status", before=card.status.value, after=Status.CLOSED.value),
            FieldChange(field="duplicate_of", before=None, after=main.number),
        ),
        f"merged into {main.number} as its duplicate",
        actor=actor,
        at=at,
    )
    files = len(card.attachments)
    joined = _changed(
        main,
        {"merged": (*main.merged, card.number), "followers": (*main.followers, *joining)},
        Action.DUPLICATE_JOINED,
        (FieldChange(field="merged", before=None, after=card.number),),
        f"{card.number} merged into this card ({card.channel.value}, "
        f"{files} file{'s' if files != 1 else ''}; its history stays on it); "
        f"{len(joining)} more to tell of progress",
        actor=actor,
        at=at,
    )
    return Pair(closed, joined)


def _followers_from(card: Card, at: datetime) -> list[Follower]:
    """The merged card's requester as a follower (when they left a contact), and its own
    followers, who came with it."""
    requester = card.requester
    found = list(card.followers)
    if requester.contact_key:
        found.insert(
            0,
            Follower(
                id=uuid.uuid4().hex,
                email=requester.email,
                phone=requester.phone,
                preferred_channel=requester.preferred_channel,
                locale=requester.locale,
                since=at,
                source=FollowerSource.MERGED,
                origin=card.number,
                consent=card.consent,
            ),
        )
    return found


def split(card: Card, main: Card, *, actor: Actor, at: datetime, reason: str) -> Pair:
    """A merge undone: ``card`` back to the state it had, its requester and followers back
    from ``main``."""
    record = card.merged_into
    if record is None or record.into != main.number:
        raise TransitionForbidden(
            f"card {card.number} is not merged into {main.number}",
            field="number",
            field_code=NOT_MERGED,
        )
    returning = tuple(
        f for f in main.followers if f.origin == card.number and f.source == FollowerSource.ME_TOO
    )
    restored = _changed(
        card,
        {
            "status": record.status,
            "executor_id": record.executor_id,
            "open_question": record.open_question,
            "reply_by": _still_ahead(record.reply_by, at),
            "objection_until": _still_ahead(record.objection_until, at),
            "resolution": record.resolution,
            "closure_reason": record.closure_reason,
            "merged_into": None,
            "followers": returning,
        },
        Action.SPLIT,
        (
            FieldChange(field="status", before=card.status.value, after=record.status.value),
            FieldChange(field="duplicate_of", before=main.number, after=None),
        ),
        f"split from {main.number}: {reason}",
        actor=actor,
        at=at,
    )
    left = _changed(
        main,
        {
            "merged": tuple(n for n in main.merged if n != card.number),
            "followers": tuple(f for f in main.followers if f.origin != card.number),
        },
        Action.DUPLICATE_LEFT,
        (FieldChange(field="merged", before=card.number, after=None),),
        f"{card.number} split off again: {reason}",
        actor=actor,
        at=at,
    )
    return Pair(restored, left)


def _still_ahead(moment: datetime | None, at: datetime) -> datetime | None:
    """A wait's date the split card gets back: only if it has not passed meanwhile."""
    return moment if moment and moment > at else None


@dataclass(frozen=True)
class NewFollower:
    email: str | None
    phone: str | None
    preferred_channel: ContactChannel
    locale: str | None
    consent: Consent

    @property
    def contact_key(self) -> str | None:
        return contact_key(self.email, self.phone)


def follow(card: Card, who: NewFollower, *, actor: Actor, at: datetime) -> Change | None:
    """``who`` follows ``card``; None when they already do (or are its requester): following
    twice is following once."""
    joining = Follower(
        id=uuid.uuid4().hex,
        email=who.email,
        phone=who.phone,
        preferred_channel=who.preferred_channel,
        locale=who.locale,
        since=at,
        source=FollowerSource.ME_TOO,
        origin=card.number,
        consent=who.consent,
    )
    key = joining.contact_key
    if key == card.requester.contact_key or any(f.contact_key == key for f in card.followers):
        return None
    if len(card.followers) >= MOST_FOLLOWERS:
        raise TransitionForbidden(
            f"this request already has {MOST_FOLLOWERS} followers, the most it may have; "
            "you can still report it yourself",
            field="contact",
            field_code=TOO_MANY_FOLLOWERS,
        )
    return _followers_changed(card, (*card.followers, joining), Action.FOLLOWED, actor, at)


def unfollow(card: Card, follower_id: str, *, actor: Actor, at: datetime) -> Change | None:
    """The follower stops following; None when they already had."""
    kept = tuple(f for f in card.followers if f.id != follower_id)
    if len(kept) == len(card.followers):
        return None
    return _followers_changed(card, kept, Action.UNFOLLOWED, actor, at)


def _followers_changed(
    card: Card, followers: tuple[Follower, ...], action: Action, actor: Actor, at: datetime
) -> Change:
    # The entry says how many, never who: the history is read by every staff member.
    count = FieldChange(
        field="followers", before=str(len(card.followers)), after=str(len(followers))
    )
    return _changed(card, {"followers": followers}, action, (count,), None, actor=actor, at=at)


def _changed(
    card: Card,
    updates: dict[str, object],
    action: Action,
    changes: tuple[FieldChange, ...],
    note: str | None,
    *,
    actor: Actor,
    at: datetime,
) -> Change:
    """``card`` with ``updates`` at its next version, and the entry that records them."""
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=action,
        changes=changes,
        internal_note=InternalNote(text=note) if note else None,
    )
    changed = card.model_copy(update={**updates, "updated_at": at, "version": card.version + 1})
    return Change(changed, entry)
