"""SLA timers derived from a card's history, on working time, paused while the town waits for
the requester (an answer, or the objection window of a resolution). Pure: deadlines are
recomputed from the history every time, so they stay right after any number of pauses,
reopenings or policy changes.

Timers (each a working-time budget from the moment its clock starts):
- registration: until the card has an owner working on it (assigned, or out of ``received``);
- first_reply: until the town first writes to the requester (any public message of ours);
- decision: until ``resolved``;
- closure: until ``closed``.
A reopen starts a new round: decision and closure run again with full budgets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.card import Priority, Status
from chalicelib.domain.history import Action, HistoryEntry, MessageAuthor

# The history field a manager's new decision deadline is recorded in.
DECISION_DEADLINE = "decision_deadline"


class TimerKind(StrEnum):
    REGISTRATION = "registration"
    FIRST_REPLY = "first_reply"
    DECISION = "decision"
    CLOSURE = "closure"


class TimerState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class SlaTargets:
    """Working-time budgets of one category × priority."""

    registration: timedelta
    first_reply: timedelta
    decision: timedelta
    closure: timedelta

    def budget(self, kind: TimerKind) -> timedelta:
        return {
            TimerKind.REGISTRATION: self.registration,
            TimerKind.FIRST_REPLY: self.first_reply,
            TimerKind.DECISION: self.decision,
            TimerKind.CLOSURE: self.closure,
        }[kind]


@dataclass(frozen=True)
class SlaMatrix:
    """Targets by priority, overridden per category (``roads``) or subcategory (``roads.snow``)."""

    defaults: dict[Priority, SlaTargets]
    by_category: dict[str, dict[Priority, SlaTargets]]
    # "1d" in the matrix; also what "a day before" and "a working day after" mean in notices.
    working_day: timedelta = timedelta(hours=8)

    def targets(self, category: str, priority: Priority) -> SlaTargets:
        for key in (category, category.split(".")[0]):
            if priority in self.by_category.get(key, {}):
                return self.by_category[key][priority]
        return self.defaults[priority]


@dataclass(frozen=True)
class Timer:
    kind: TimerKind
    state: TimerState
    started_at: datetime
    budget: timedelta
    used: timedelta
    due_at: datetime | None  # None while paused: the clock is stopped
    met_at: datetime | None = None

    @property
    def share_used(self) -> float:
        return self.used / self.budget if self.budget else 1.0


def timers(
    history: Iterable[HistoryEntry], targets: SlaTargets, calendar: BusinessCalendar, now: datetime
) -> list[Timer]:
    """Every timer of the card's current round, as of ``now``."""
    entries = sorted(history, key=lambda e: e.seq)
    created = entries[0].at
    pauses = _pauses(entries, now)
    round_start = _last_reopen(entries) or created
    agreed = _with_agreed_deadline(targets, entries, round_start, pauses, calendar)
    return [
        _timer(
            TimerKind.REGISTRATION, created, _registered_at(entries), targets, pauses, calendar, now
        ),
        _timer(
            TimerKind.FIRST_REPLY, created, _first_reply_at(entries), targets, pauses, calendar, now
        ),
        _timer(
            TimerKind.DECISION,
            round_start,
            _status_reached(entries, Status.RESOLVED, round_start),
            agreed,
            pauses,
            calendar,
            now,
        ),
        _timer(
            TimerKind.CLOSURE,
            round_start,
            _status_reached(entries, Status.CLOSED, round_start),
            agreed,
            pauses,
            calendar,
            now,
        ),
    ]


Span = tuple[datetime, datetime]


def _timer(
    kind: TimerKind,
    start: datetime,
    met_at: datetime | None,
    targets: SlaTargets,
    pauses: list[Span],
    calendar: BusinessCalendar,
    now: datetime,
) -> Timer:
    budget = targets.budget(kind)
    used = _active_time(start, met_at or now, pauses, calendar)
    if met_at is not None:
        state = TimerState.MET if used <= budget else TimerState.BREACHED
        # Only the pauses before it was met moved its due time (a pause open now would
        # otherwise push it years ahead).
        before = [(lo, min(hi, met_at)) for lo, hi in pauses if lo < met_at]
        return Timer(
            kind, state, start, budget, used, _due(start, budget, before, calendar), met_at
        )
    if used >= budget and budget > timedelta(0):
        state = TimerState.BREACHED
    elif any(pause_start <= now < pause_end for pause_start, pause_end in pauses):
        # The clock is stopped: there is no due time until the requester answers.
        return Timer(kind, TimerState.PAUSED, start, budget, used, None)
    else:
        state = TimerState.RUNNING
    return Timer(kind, state, start, budget, used, _due(start, budget, pauses, calendar))


def _active_time(
    start: datetime, end: datetime, pauses: list[Span], calendar: BusinessCalendar
) -> timedelta:
    total = calendar.between(start, end)
    for pause_start, pause_end in pauses:
        lo, hi = max(pause_start, start), min(pause_end, end)
        if hi > lo:
            total -= calendar.between(lo, hi)
    return total


def _due(
    start: datetime, budget: timedelta, pauses: list[Span], calendar: BusinessCalendar
) -> datetime:
    """When the budget runs out if no new pause comes: skip past every known pause."""
    cursor, remaining = start, budget
    for pause_start, pause_end in pauses:
        if pause_end <= cursor:
            continue
        if pause_start > cursor:
            available = calendar.between(cursor, pause_start)
            if remaining <= available:
                return calendar.add(cursor, remaining)
            remaining -= available
        cursor = max(cursor, pause_end)
    return calendar.add(cursor, remaining)


def _pauses(entries: list[HistoryEntry], now: datetime) -> list[Span]:
    """Spans spent waiting for the requester (an answer, or an objection to the resolution:
    the closure deadline does not run out while a resolved card waits to close by itself);
    an open pause runs to ``now`` (and beyond)."""
    spans: list[Span] = []
    paused_since: datetime | None = None
    for entry in entries:
        status = entry.status_after
        if status is None:
            continue
        # Merged into another card: its deadlines wait for the main card (or a split).
        stops = status.stops_the_clock or entry.action == Action.MERGED
        if stops and paused_since is None:
            paused_since = entry.at
        elif not stops and paused_since is not None:
            spans.append((paused_since, entry.at))
            paused_since = None
    if paused_since is not None:
        spans.append((paused_since, max(now, paused_since) + timedelta(days=3650)))
    return spans


def _with_agreed_deadline(
    targets: SlaTargets,
    entries: list[HistoryEntry],
    round_start: datetime,
    pauses: list[Span],
    calendar: BusinessCalendar,
) -> SlaTargets:
    """A manager's new decision deadline becomes the decision budget of the current round; the
    closure moves with it, keeping its time after the decision, if it would fall earlier."""
    agreed = None
    for entry in entries:
        for change in entry.changes:
            if change.field == DECISION_DEADLINE and change.after and entry.at >= round_start:
                agreed = datetime.fromisoformat(change.after)
    if agreed is None:
        return targets
    budget = _active_time(round_start, agreed, pauses, calendar)
    after_decision = max(targets.closure - targets.decision, timedelta(0))
    return replace(targets, decision=budget, closure=max(targets.closure, budget + after_decision))


def _registered_at(entries: list[HistoryEntry]) -> datetime | None:
    """When the card first had an owner (routing may give it one as it is created) or left
    ``received``."""
    undone = _undone_merges(entries)
    for entry in entries:
        owner_set = any(c.field == "executor_id" and c.after for c in entry.changes)
        moved = entry.status_after not in (None, Status.RECEIVED) and entry.seq not in undone
        if owner_set or moved:
            return entry.at
    return None


def _first_reply_at(entries: list[HistoryEntry]) -> datetime | None:
    for entry in entries:
        message = entry.public_message
        if message is not None and message.author == MessageAuthor.TOWN:
            return entry.at
    return None


def _status_reached(
    entries: list[HistoryEntry], status: Status, since: datetime
) -> datetime | None:
    undone = _undone_merges(entries)
    for entry in entries:
        reached = entry.at >= since and entry.status_after == status
        if reached and entry.action != Action.REOPENED and entry.seq not in undone:
            return entry.at
    return None


def _undone_merges(entries: list[HistoryEntry]) -> set[int]:
    """Merges a later split undid: the card was not closed by them after all."""
    undone: set[int] = set()
    merge: int | None = None
    for entry in entries:
        if entry.action == Action.MERGED:
            merge = entry.seq
        elif entry.action == Action.SPLIT and merge is not None:
            undone.add(merge)
            merge = None
    return undone


def _last_reopen(entries: list[HistoryEntry]) -> datetime | None:
    reopens = [e.at for e in entries if e.action == Action.REOPENED]
    return reopens[-1] if reopens else None


def overdue_since(status: Status, timers: list[Timer]) -> datetime | None:
    """When the earliest deadline the card missed and has not met since passed: it is overdue
    from then (the overdue list and the card show this one time). None: not overdue."""
    missed = [
        t.due_at
        for t in timers
        if t.state == TimerState.BREACHED and t.met_at is None and t.due_at is not None
    ]
    if status == Status.CLOSED or not missed:
        return None
    return min(missed)
