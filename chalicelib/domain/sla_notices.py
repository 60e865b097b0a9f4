"""Which SLA notices are due: reminders before a deadline and escalations after a breach.

Pure. Each notice has a stable key (card, round start, timer, step); the caller records keys it
has sent, and a key is never due twice — a timer and the sweep firing together, or a retry,
cannot send a notice again. Notices stop once the timer is met or the card is closed.

After a breach the escalation workflow (manager now, controller a working day later) owns the
chain; if a chain step is still unsent ``WORKFLOW_GRACE`` after its moment, the workflow has
failed and the next check sends it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.sla import Timer, TimerState

# "24 hours before" and "a working day after" are read on the clock deadlines run on: one
# working day (the SLA's ``working_day_hours``). Literal 24 working hours would be three working
# days, i.e. near the start of a three-day decision budget.
WORKFLOW_GRACE = timedelta(minutes=15)  # wall time


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


BREACH_CHAIN = (NoticeStep.BREACHED, NoticeStep.ESCALATED)


class Route(StrEnum):
    DIRECT = "direct"  # send now
    WORKFLOW = "workflow"  # the escalation workflow sends it (start it if it is not running)


@dataclass(frozen=True)
class Notice:
    key: str
    step: NoticeStep
    audience: Audience
    timer: Timer


def notice_key(number: str, timer: Timer, step: NoticeStep) -> str:
    return f"{number}#{timer.started_at.isoformat()}#{timer.kind.value}#{step.value}"


def breach_moments(
    timer: Timer, calendar: BusinessCalendar, *, working_day: timedelta
) -> tuple[datetime, datetime] | None:
    """When the manager is told (the breach) and when the controller is (a working day later)."""
    if timer.due_at is None:
        return None
    return timer.due_at, calendar.add(timer.due_at, working_day)


def route(
    notice: Notice, calendar: BusinessCalendar, now: datetime, *, working_day: timedelta
) -> Route:
    if notice.step not in BREACH_CHAIN:
        return Route.DIRECT
    moments = breach_moments(notice.timer, calendar, working_day=working_day)
    if moments is None:
        return Route.DIRECT
    moment = moments[0] if notice.step == NoticeStep.BREACHED else moments[1]
    return Route.WORKFLOW if now < moment + WORKFLOW_GRACE else Route.DIRECT


def due_notices(
    number: str,
    timers: list[Timer],
    *,
    sent: frozenset[str],
    card_open: bool,
    calendar: BusinessCalendar,
    working_day: timedelta,
    now: datetime,
) -> list[Notice]:
    if not card_open:
        return []
    notices = []
    for timer in timers:
        for step in _steps_reached(timer, calendar, now, working_day):
            key = notice_key(number, timer, step)
            if key not in sent:
                notices.append(Notice(key=key, step=step, audience=AUDIENCE[step], timer=timer))
    return notices


def next_check(
    timers: list[Timer], calendar: BusinessCalendar, now: datetime, *, working_day: timedelta
) -> datetime | None:
    """The next instant any notice could become due: what a one-time timer is set for."""
    candidates = [
        moment
        for timer in timers
        for moment in _thresholds(timer, calendar, now, working_day)
        if moment > now
    ]
    return min(candidates, default=None)


def _pending(timer: Timer) -> bool:
    """Still running (or breached and still unmet): a timer met late is history, not pending."""
    return timer.met_at is None and timer.state != TimerState.PAUSED


def _steps_reached(
    timer: Timer, calendar: BusinessCalendar, now: datetime, working_day: timedelta
) -> list[NoticeStep]:
    if not _pending(timer):
        return []
    if timer.state == TimerState.BREACHED:
        breached_at = timer.due_at
        steps = [NoticeStep.BREACHED]
        if breached_at is not None and calendar.between(breached_at, now) >= working_day:
            steps.append(NoticeStep.ESCALATED)
        return steps
    steps = []
    if timer.share_used >= 0.5:
        steps.append(NoticeStep.HALF_USED)
    if timer.share_used >= 0.8:
        steps.append(NoticeStep.MOSTLY_USED)
    if timer.budget > working_day and timer.budget - timer.used <= working_day:
        steps.append(NoticeStep.DAY_BEFORE)
    return steps


def _thresholds(
    timer: Timer, calendar: BusinessCalendar, now: datetime, working_day: timedelta
) -> list[datetime]:
    """When each remaining step is reached if the clock keeps running from ``now``, and when a
    breach-chain step left to the workflow must be checked on."""
    breach = breach_moments(timer, calendar, working_day=working_day)
    if not _pending(timer) or breach is None:
        return []
    moments = [moment + delay for moment in breach for delay in (timedelta(0), WORKFLOW_GRACE)]
    remaining = timer.budget - timer.used
    for left in (timer.budget * 0.5, timer.budget * 0.2, working_day):
        if timedelta(0) < left < remaining:
            moments.append(calendar.add(now, remaining - left))
    return moments
