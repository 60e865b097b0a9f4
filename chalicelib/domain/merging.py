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

MOST_FOLLOWERS = 200  # a card's followers (and merged requesters), so one card's news stays mail

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
    reason = duplicate_reason(main.number)
    closed = card.model_copy(
        update={
            "status": Status.CLOSED,
            "closure_reason": reason,
            "merged_into": record,
            "followers": (),
            "open_question": None,
            "reply_by": None,
            "objection_until": None,
            "no_answer_at": None,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    card_entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.MERGED,
        changes=(
            FieldChange(field="status", before=card.status.value, after=Status.CLOSED.value),
            FieldChange(field="duplicate_of", before=None, after=main.number),
        ),
        internal_note=InternalNote(text=f"merged into {main.number} as its duplicate"),
    )
    files = len(card.attachments)
    joined = main.model_copy(
        update={
            "merged": (*main.merged, card.number),
            "followers": (*main.followers, *joining),
            "updated_at": at,
            "version": main.version + 1,
        }
    )
    main_entry = HistoryEntry(
        seq=main.version + 1,
        at=at,
        actor=actor,
        action=Action.DUPLICATE_JOINED,
        changes=(FieldChange(field="merged", before=None, after=card.number),),
        internal_note=InternalNote(
            text=f"{card.number} merged into this card ({card.channel.value}, "
            f"{files} file{'s' if files != 1 else ''}; its history stays on it); "
            f"{len(joining)} more to tell of progress"
        ),
    )
    return Pair(Change(closed, card_entry), Change(joined, main_entry))


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
    restored = card.model_copy(
        update={
            "status": record.status,
            "executor_id": record.executor_id,
            "open_question": record.open_question,
            "reply_by": record.reply_by if record.reply_by and record.reply_by > at else None,
            "objection_until": (
                record.objection_until
                if record.objection_until and record.objection_until > at
                else None
            ),
            "resolution": record.resolution,
            "closure_reason": record.closure_reason,
            "merged_into": None,
            "followers": returning,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    card_entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=Action.SPLIT,
        changes=(
            FieldChange(field="status", before=card.status.value, after=record.status.value),
            FieldChange(field="duplicate_of", before=main.number, after=None),
        ),
        internal_note=InternalNote(text=f"split from {main.number}: {reason}"),
    )
    left = main.model_copy(
        update={
            "merged": tuple(n for n in main.merged if n != card.number),
            "followers": tuple(f for f in main.followers if f.origin != card.number),
            "updated_at": at,
            "version": main.version + 1,
        }
    )
    main_entry = HistoryEntry(
        seq=main.version + 1,
        at=at,
        actor=actor,
        action=Action.DUPLICATE_LEFT,
        changes=(FieldChange(field="merged", before=card.number, after=None),),
        internal_note=InternalNote(text=f"{card.number} split off again: {reason}"),
    )
    return Pair(Change(restored, card_entry), Change(left, main_entry))


@dataclass(frozen=True)
class NewFollower:
    email: str | None
    phone: str | None
    preferred_channel: ContactChannel
    locale: str | None
    consent: Consent

    @property
    def contact_key(self) -> str | None:
        return Follower(
            id="-",
            email=self.email,
            phone=self.phone,
            preferred_channel=self.preferred_channel,
            since=self.consent.accepted_at,
            source=FollowerSource.ME_TOO,
            origin="-",
        ).contact_key


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
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=actor,
        action=action,
        changes=(
            FieldChange(
                field="followers", before=str(len(card.followers)), after=str(len(followers))
            ),
        ),
    )
    changed = card.model_copy(
        update={"followers": followers, "updated_at": at, "version": card.version + 1}
    )
    return Change(changed, entry)
