"""How long the town waits for the requester, and what the requester's silence means.

Two waits, both ending by themselves:

- A question (``needs_clarification``, ``awaiting_requester``) carries a reply-by date: the
  topic's allowance of working time from the moment it is asked, or the date staff gave. The
  requester is reminded before it; when it passes unanswered the card comes back to staff
  marked "no answer", or closes with the reason "no answer from the requester", as the town
  chose. A card whose closing is not allowed yet (open subtasks, a miss not explained) comes
  back to staff instead, saying why.
- A resolution may be objected to until ``objection_days`` calendar days later (what the
  requester reads in the message: "by 14 December"). Without an objection the card closes,
  "confirmed by silence"; an objection reopens it (``lifecycle.object_to_resolution``).

Pure: the SLA check asks which step is due and saves the change returned here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from chalicelib.domain import lifecycle
from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.card import Card, Status
from chalicelib.domain.history import (
    SYSTEM,
    Action,
    FieldChange,
    HistoryEntry,
    InternalNote,
)

# The closure reasons the requester reads, in their language.
NO_ANSWER_REASON = {
    "en": "No answer from the requester by the reply-by date",
    "ru": "Заявитель не ответил в установленный срок",
}
CONFIRMED_BY_SILENCE = {
    "en": "Confirmed by silence: no objection to the resolution was received",
    "ru": "Подтверждено молчанием: возражений по решению не поступило",
}


class WhenUnanswered(StrEnum):
    BACK_TO_STAFF = "back_to_staff"
    CLOSE = "close"


class WaitStep(StrEnum):
    REMINDER = "reply_reminder"  # the requester is reminded of the question
    NO_ANSWER = "no_answer"  # the reply-by date passed
    SILENCE = "confirmed_by_silence"  # the objection window ended


@dataclass(frozen=True)
class WaitingRules:
    """The town's setting (``waiting`` in the SLA configuration)."""

    # Working time the requester has to answer; by topic (``roads``, ``roads.snow``) or else.
    reply_within: timedelta = timedelta(hours=40)
    reply_within_by_category: Mapping[str, timedelta] = field(default_factory=dict)
    remind_before: timedelta = timedelta(hours=8)
    when_unanswered: WhenUnanswered = WhenUnanswered.BACK_TO_STAFF
    objection_days: int = 14

    def reply_by(self, category: str, asked_at: datetime, calendar: BusinessCalendar) -> datetime:
        for key in (category, category.split(".")[0]):
            if key in self.reply_within_by_category:
                return calendar.add(asked_at, self.reply_within_by_category[key])
        return calendar.add(asked_at, self.reply_within)

    def objection_until(self, resolved_at: datetime) -> datetime:
        return resolved_at + timedelta(days=self.objection_days)


@dataclass(frozen=True)
class Moment:
    step: WaitStep
    at: datetime
    # What the step belongs to (the wait's start, or the resolution): a reminder is sent
    # once per question, never once per check.
    key: str


def moments(
    card: Card, history: list[HistoryEntry], rules: WaitingRules, calendar: BusinessCalendar
) -> list[Moment]:
    """The steps ahead (or due) of the card's current wait for its requester. A card without
    its date (written before waits had limits) gets the rule's: no card waits forever."""
    if card.status.waits_for_requester:
        since = _wait_started(history, card.updated_at)
        reply_by = card.reply_by or rules.reply_by(card.category, since, calendar)
        allowed = calendar.between(since, reply_by)
        remind = calendar.add(since, max(allowed - rules.remind_before, allowed / 2))
        key = f"{card.number}#{since.isoformat()}"
        return [
            Moment(WaitStep.REMINDER, remind, f"{key}#{WaitStep.REMINDER.value}"),
            Moment(WaitStep.NO_ANSWER, reply_by, f"{key}#{WaitStep.NO_ANSWER.value}"),
        ]
    if card.status == Status.RESOLVED:
        until = card.objection_until or rules.objection_until(
            card.milestones.resolved_at or card.updated_at
        )
        key = f"{card.number}#{until.isoformat()}#{WaitStep.SILENCE.value}"
        return [Moment(WaitStep.SILENCE, until, key)]
    return []


def _wait_started(history: list[HistoryEntry], fallback: datetime) -> datetime:
    for entry in reversed(history):
        if entry.status_after is not None and entry.status_after.waits_for_requester:
            return entry.at
    return fallback


def reminded(card: Card, *, at: datetime) -> lifecycle.Change:
    """The requester was reminded of the open question (the message goes with this entry);
    nothing else changes: the town has not acted on the card."""
    entry = HistoryEntry(
        seq=card.version + 1, at=at, actor=SYSTEM, action=Action.REQUESTER_REMINDED
    )
    return lifecycle.Change(card=card.model_copy(update={"version": card.version + 1}), entry=entry)


def unanswered(
    card: Card,
    *,
    rules: WaitingRules,
    at: datetime,
    tz: tzinfo,
    locale: str,
    not_closable: str | None = None,
) -> lifecycle.Change:
    """The reply-by date passed: the card closes (the town's choice, when closing is allowed
    now) or comes back to staff marked "no answer"."""
    if rules.when_unanswered == WhenUnanswered.CLOSE and not_closable is None:
        reason = NO_ANSWER_REASON.get(locale, NO_ANSWER_REASON["en"])
        details = lifecycle.TransitionDetails(closure_reason=reason)
        return lifecycle.transition(card, Status.CLOSED, details, actor=SYSTEM, at=at)
    asked_by = (card.reply_by or at).astimezone(tz).strftime("%d.%m.%Y %H:%M")
    note = f"No answer from the requester by {asked_by}: the card is back with staff."
    if rules.when_unanswered == WhenUnanswered.CLOSE:
        note += f" Not closed by itself: {not_closable}."
    back = lifecycle.back_in_work(card)
    entry = HistoryEntry(
        seq=card.version + 1,
        at=at,
        actor=SYSTEM,
        action=Action.STATUS_CHANGED,
        changes=(
            FieldChange(field="status", before=card.status.value, after=back.value),
            FieldChange(field="no_answer_at", before=None, after=at.isoformat()),
        ),
        internal_note=InternalNote(text=note),
    )
    updated = card.model_copy(
        update={
            "status": back,
            "open_question": None,
            "reply_by": None,
            "no_answer_at": at,
            "updated_at": at,
            "version": card.version + 1,
        }
    )
    return lifecycle.Change(card=updated, entry=entry)


def confirmed_by_silence(card: Card, *, at: datetime, locale: str) -> lifecycle.Change:
    """The objection window ended without an objection: the resolution stands, the card closes."""
    reason = CONFIRMED_BY_SILENCE.get(locale, CONFIRMED_BY_SILENCE["en"])
    details = lifecycle.TransitionDetails(closure_reason=reason)
    return lifecycle.transition(card, Status.CLOSED, details, actor=SYSTEM, at=at)
