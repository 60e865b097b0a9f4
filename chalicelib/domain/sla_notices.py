"""Which SLA notices are due: reminders before a deadline and escalations after a breach.

Pure. Each notice has a stable key (card, round start, timer, step); the caller records keys it
has sent, and a key is never due twice — a timer and the sweep firing together, or a retry,
cannot send a notice again. Notices stop once the timer is met or the card is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.sla import Timer, TimerState

BEFORE_DUE = timedelta(hours=24)  # working hours
CONTROLLER_AFTER = timedelta(hours=8, minutes=15)  # one working day after the breach


class NoticeStep(StrEnum):
    HALF_USED = "half_used"
    MOSTLY_USED = "mostly_used"
    DAY_BEFORE = "day_before"
    BREACHED = "breached"
    ESCALATED = "escalated"


class Audience(StrEnum):
    EXECUTOR = "executor"
    MANAGER = "manager"
    CONTROLLER = "controller"


AUDIENCE = {
    NoticeStep.HALF_USED: Audience.EXECUTOR,
    NoticeStep.MOSTLY_USED: Audience.EXECUTOR,
    NoticeStep.DAY_BEFORE: Audience.EXECUTOR,
    NoticeStep.BREACHED: Audience.MANAGER,
    NoticeStep.ESCALATED: Audience.CONTROLLER,
}


@dataclass(frozen=True)
class Notice:
    key: str
    step: NoticeStep
    audience: Audience
    timer: Timer


def due_notices(
    number: str,
    timers: list[Timer],
    *,
    sent: frozenset[str],
    card_open: bool,
    calendar: BusinessCalendar,
    now: datetime,
) -> list[Notice]:
    if not card_open:
        return []
    notices = []
    for timer in timers:
        for step in _steps_reached(timer, calendar, now):
            key = f"{number}#{timer.started_at.isoformat()}#{timer.kind.value}#{step.value}"
            if key not in sent:
                notices.append(Notice(key=key, step=step, audience=AUDIENCE[step], timer=timer))
    return notices


def next_check(timers: list[Timer], calendar: BusinessCalendar, now: datetime) -> datetime | None:
    """The next instant any notice could become due: what a one-time timer is set for."""
    candidates = [
        moment for timer in timers for moment in _thresholds(timer, calendar, now) if moment > now
    ]
    return min(candidates, default=None)


def _steps_reached(timer: Timer, calendar: BusinessCalendar, now: datetime) -> list[NoticeStep]:
    if timer.state in (TimerState.MET, TimerState.PAUSED):
        return []
    if timer.state == TimerState.BREACHED:
        breached_at = timer.due_at
        steps = [NoticeStep.BREACHED]
        if breached_at is not None and calendar.between(breached_at, now) >= CONTROLLER_AFTER:
            steps.append(NoticeStep.ESCALATED)
        return steps
    steps = []
    if timer.share_used >= 0.5:
        steps.append(NoticeStep.HALF_USED)
    if timer.share_used >= 0.8:
        steps.append(NoticeStep.MOSTLY_USED)
    if timer.budget > BEFORE_DUE and timer.budget - timer.used <= BEFORE_DUE:
        steps.append(NoticeStep.DAY_BEFORE)
    return steps


def _thresholds(timer: Timer, calendar: BusinessCalendar, now: datetime) -> list[datetime]:
    """When each remaining step is reached if the clock keeps running from ``now``."""
    if timer.state in (TimerState.MET, TimerState.PAUSED) or timer.due_at is None:
        return []
    moments = [calendar.add(timer.due_at, CONTROLLER_AFTER), timer.due_at]
    remaining = timer.budget - timer.used
    for left in (timer.budget * 0.5, timer.budget * 0.2, BEFORE_DUE):
        if timedelta(0) < left < remaining:
            moments.append(calendar.add(now, remaining - left))
    return moments
