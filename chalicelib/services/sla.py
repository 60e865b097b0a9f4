"""Watching deadlines so that nobody has to: reminders before, escalations after, by themselves.
The same watch ends the town's waits for the requester: it reminds them of an open question,
brings the card back (or closes it) when the reply-by date passes, and closes a resolution
nobody objected to.

A card's *check* derives its timers from the history, records a missed deadline on the card,
sends the reminders that are due, starts the post-breach escalation chain, and sets the card's
next check — its one-time timer and its place in the sweep index. Three things call a check:
the card's own timer, the five-minute sweep over the due index, and (for the chain's steps) the
escalation workflow. Each notice is claimed before it is sent, so any overlap between them, and
any retry, sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chalicelib.domain import requester_waits, sla_overdue
from chalicelib.domain.access import Principal
from chalicelib.domain.attention import PING_PONG_AFTER, attention_notices
from chalicelib.domain.card import Card, Status
from chalicelib.domain.directory import Role, StaffMember
from chalicelib.domain.errors import ConflictError, TransitionForbidden
from chalicelib.domain.history import SYSTEM, HistoryEntry
from chalicelib.domain.notifications import NotificationKind, Occasion
from chalicelib.domain.requester_waits import WaitStep, WhenUnanswered
from chalicelib.domain.sla import Timer, TimerKind, TimerState, overdue_since
from chalicelib.domain.sla_notices import (
    Audience,
    Notice,
    NoticeStep,
    Route,
    breach_moments,
    due_notices,
    next_check,
    route,
)
from chalicelib.observability import logger
from chalicelib.ports import (
    BreachLog,
    BreachRecord,
    CardRepository,
    Clock,
    Directory,
    EscalationStart,
    EscalationWorkflow,
    Mailer,
    MissedDeadline,
    NoticeLog,
    NotificationTemplates,
    OutgoingMail,
    TimerScheduler,
)
from chalicelib.services import sla_review
from chalicelib.services.card_changes import require_subtasks_done
from chalicelib.services.notifications import Notifier
from chalicelib.services.outgoing_mail import attention_notice, deadline_notice
from chalicelib.services.policies import MailPolicy, SlaPolicy
from chalicelib.services.sla_review import BreachGroup, iso_week

SWEEP_PAGE = 100
# One sweep stops after this many cards so that it ends well inside its Lambda's timeout; the
# rest stay due and the next sweep, five minutes later, takes them.
SWEEP_MAX_CARDS = 1000
_SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class SlaPorts:
    cards: CardRepository
    notices: NoticeLog
    breaches: BreachLog
    mailer: Mailer
    directory: Directory
    scheduler: TimerScheduler
    escalations: EscalationWorkflow
    clock: Clock
    templates: NotificationTemplates
    # Looked up when a requester's message is written: a check that sends none never loads
    # the link secret.
    notify: Callable[[], Notifier]


@dataclass(frozen=True)
class SlaPolicies:
    deadlines: SlaPolicy
    mail: MailPolicy
    ping_pong_after: int = PING_PONG_AFTER


@dataclass(frozen=True)
class CheckResult:
    number: str
    sent: tuple[str, ...] = ()  # notice keys sent by this check
    escalations: tuple[str, ...] = ()  # escalation chains started by this check
    breaches: tuple[str, ...] = ()  # timers whose breach this check recorded on the card
    next_check: datetime | None = None
    waited: str | None = None  # the step of the wait for the requester this check took


@dataclass
class SweepReport:
    checked: int = 0
    sent: int = 0
    escalations: int = 0
    failed: list[str] = field(default_factory=list)
    more: bool = False  # stopped at SWEEP_MAX_CARDS; the next sweep goes on


def check_card(number: str, *, ports: SlaPorts, policies: SlaPolicies) -> CheckResult:
    now = ports.clock.now()
    card, history = ports.cards.get_with_history(number)
    card, history, recorded, timers = _record_breaches(card, history, ports, policies, now)
    claimed = ports.notices.sent(number)
    told = _tell_colleagues(card, history, claimed, ports, policies, now)
    waits = _wait_moments(card, history, policies)
    card, history, waited = _watch_wait(card, history, waits, claimed, ports, policies, now)
    if waited:  # the card moved on: its timers and its wait are the new ones
        timers = policies.deadlines.timers(card, history, now)
        waits = _wait_moments(card, history, policies)
    if card.status == Status.CLOSED:
        # Nothing more to watch: cancel the timer and leave the due index.
        ports.scheduler.cancel(number)
        ports.cards.set_next_check(number, card.version, None)
        return CheckResult(number, sent=told, breaches=recorded, waited=waited)
    calendar = policies.deadlines.calendar
    working_day = policies.deadlines.working_day
    notices = due_notices(
        number,
        timers,
        sent=claimed,
        card_open=True,
        calendar=calendar,
        working_day=working_day,
        now=now,
    )
    sent: list[str] = list(told)
    started: list[str] = []
    for notice in _latest_reminder_per_timer(card.number, notices, ports, now):
        if route(notice, calendar, now, working_day=working_day) == Route.WORKFLOW:
            escalation = _escalation(card, notice.timer, policies)
            if escalation is not None and ports.escalations.start(escalation):
                started.append(escalation.name)
        elif _deliver(card, notice, ports, policies, now):
            sent.append(notice.key)
    # The next moment anything is due: a deadline's notice, or a step of the requester's wait.
    timer_next = next_check(timers, calendar, now, working_day=working_day)
    ahead = (*(m.at for m in waits), timer_next)
    upcoming = min((m for m in ahead if m is not None and m > now), default=None)
    if upcoming is None:
        ports.scheduler.cancel(number)
    else:
        ports.scheduler.set(number, upcoming)
    # Last, so that a failure above leaves the card due and the next sweep tries again.
    ports.cards.set_next_check(
        number,
        card.version,
        upcoming,
        missed_deadline(card, timers),
        deadline=running_deadline(timers),
    )
    logger.info(
        "deadlines checked",
        extra={"card": number, "sent": len(sent), "escalations": len(started)},
    )
    return CheckResult(number, tuple(sent), tuple(started), recorded, upcoming, waited)


def _wait_moments(
    card: Card, history: list[HistoryEntry], policies: SlaPolicies
) -> list[requester_waits.Moment]:
    deadlines = policies.deadlines
    return requester_waits.moments(card, history, deadlines.waiting, deadlines.calendar)


def _watch_wait(
    card: Card,
    history: list[HistoryEntry],
    waits: list[requester_waits.Moment],
    claimed: frozenset[str],
    ports: SlaPorts,
    policies: SlaPolicies,
    now: datetime,
) -> tuple[Card, list[HistoryEntry], str | None]:
    """Take the step of the wait for the requester that is due, if any: the card (and its
    history) as now stored, and the step taken."""
    rules = policies.deadlines.waiting
    due = [m for m in waits if m.at <= now and m.key not in claimed]
    if not due:
        return card, history, None
    step = due[-1]  # past the reply-by date, the reminder is moot
    locale = card.requester.locale or policies.mail.default_locale
    if step.step == WaitStep.REMINDER:
        if not ports.notices.claim(card.number, step.key, at=now):
            return card, history, None
        change = requester_waits.reminded(card, at=now)
        occasion = Occasion(NotificationKind.REPLY_REMINDER)
        messages = [] if card.is_subtask else ports.notify().compose(card, change.entry, occasion)
    else:
        if step.step == WaitStep.SILENCE:
            change = requester_waits.confirmed_by_silence(card, at=now, locale=locale)
        else:
            change = requester_waits.unanswered(
                card,
                rules=rules,
                at=now,
                tz=policies.mail.timezone,
                locale=locale,
                not_closable=(
                    _why_not_closable(card, history, ports, policies, now)
                    if rules.when_unanswered == WhenUnanswered.CLOSE
                    else None
                ),
            )
        messages = ports.notify().for_change(card, change)
    try:
        ports.cards.save(change.card, change.entry, messages)
    except ConflictError:
        # Staff (or the requester) changed the card this instant: that write made it due
        # again, and the next check decides on the card as it is then.
        if step.step == WaitStep.REMINDER:
            ports.notices.release(card.number, step.key)
        return card, history, None
    logger.info("requester wait step", extra={"card": card.number, "step": step.step.value})
    return change.card, [*history, change.entry], step.step.value


def _why_not_closable(
    card: Card,
    history: list[HistoryEntry],
    ports: SlaPorts,
    policies: SlaPolicies,
    now: datetime,
) -> str | None:
    """Why the card may not be closed now (by the same rules as staff), or None."""
    try:
        require_subtasks_done(card, ports.cards)
        sla_overdue.require_explained(card, history, policies.deadlines.timers(card, history, now))
    except TransitionForbidden as refused:
        return refused.message
    return None


def running_deadline(timers: list[Timer]) -> datetime | None:
    """The nearest deadline still running: what the card's queue line shows."""
    return min(
        (t.due_at for t in timers if t.state == TimerState.RUNNING and t.due_at is not None),
        default=None,
    )


def missed_deadline(card: Card, timers: list[Timer]) -> MissedDeadline | None:
    """The earliest deadline the open card missed and has not met since: it is overdue."""
    since = overdue_since(card.status, timers)
    return None if since is None else MissedDeadline(department=card.department, due_at=since)


def sweep(*, ports: SlaPorts, policies: SlaPolicies) -> SweepReport:
    """Check every card that is due: the safety net under the per-card timers."""
    now = ports.clock.now()
    report = SweepReport()
    cursor: str | None = None
    while True:
        page = ports.cards.due(now, limit=SWEEP_PAGE, cursor=cursor)
        for number in page.numbers:
            try:
                result = check_card(number, ports=ports, policies=policies)
            except Exception:
                # One bad card must not stop the others; it stays due and is tried again.
                logger.exception("deadline check failed", extra={"card": number})
                report.failed.append(number)
                continue
            report.checked += 1
            report.sent += len(result.sent)
            report.escalations += len(result.escalations)
        cursor = page.cursor
        if cursor is None:
            return report
        if report.checked + len(report.failed) >= SWEEP_MAX_CARDS:
            report.more = True
            return report


class StepOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # the sweep (or a retry) was first
    STOPPED = "stopped"  # met, paused or closed meanwhile: the chain ends
    NOT_DUE = "not_due"  # woken early: the sweep sends it when it is due


def escalation_step(
    number: str,
    timer_kind: TimerKind,
    round_started_at: datetime,
    step: NoticeStep,
    *,
    ports: SlaPorts,
    policies: SlaPolicies,
) -> StepOutcome:
    """One step of the escalation workflow, re-decided from the card as it is now."""
    now = ports.clock.now()
    card, history = ports.cards.get_with_history(number)
    timer = next(
        (
            t
            for t in policies.deadlines.timers(card, history, now)
            if t.kind == timer_kind and t.started_at == round_started_at
        ),
        None,
    )
    if card.status == Status.CLOSED or timer is None or timer.met_at is not None:
        return StepOutcome.STOPPED
    calendar = policies.deadlines.calendar
    reached = due_notices(
        number,
        [timer],
        sent=frozenset(),
        card_open=True,
        calendar=calendar,
        working_day=policies.deadlines.working_day,
        now=now,
    )
    notice = next((n for n in reached if n.step == step), None)
    if notice is None:
        return StepOutcome.STOPPED if not reached else StepOutcome.NOT_DUE
    return (
        StepOutcome.SENT
        if _deliver(card, notice, ports, policies, now)
        else StepOutcome.ALREADY_SENT
    )


def _record_breaches(
    card: Card,
    history: list[HistoryEntry],
    ports: SlaPorts,
    policies: SlaPolicies,
    now: datetime,
) -> tuple[Card, list[HistoryEntry], tuple[str, ...], list[Timer]]:
    """Log each newly missed deadline of an open card on the card and in the week's breach list.

    Returns the card as now stored, its history, the timers recorded, and its timers."""
    recorded: list[str] = []
    for _ in range(len(TimerKind) + _SAVE_ATTEMPTS):
        timers = policies.deadlines.timers(card, history, now)
        missed = [
            t
            for t in timers
            if card.status != Status.CLOSED
            and t.met_at is None
            and t.due_at is not None
            and t.due_at <= now
            and not sla_overdue.breach_recorded(history, t)
        ]
        if not missed:
            return card, history, tuple(recorded), timers
        timer = missed[0]
        change = sla_overdue.record_breach(card, timer, actor=SYSTEM, at=now)
        try:
            ports.cards.save(change.card, change.entry)
        except ConflictError:
            # Staff changed the card this instant: read it again and decide again.
            card, history = ports.cards.get_with_history(card.number)
            continue
        assert timer.due_at is not None
        ports.breaches.record(
            iso_week(timer.due_at, policies.mail.timezone),
            BreachRecord(
                number=card.number,
                category=card.category,
                department=card.department,
                timer=timer.kind.value,
                breached_at=timer.due_at,
            ),
        )
        card, history = change.card, [*history, change.entry]
        recorded.append(timer.kind.value)
    return card, history, tuple(recorded), policies.deadlines.timers(card, history, now)


def _latest_reminder_per_timer(
    number: str, notices: list[Notice], ports: SlaPorts, now: datetime
) -> list[Notice]:
    """One reminder per timer per check: when a check catches up on several steps at once
    (50% and 80% passed since the last look), the executor gets the latest one, not a pile of
    mails saying the same; the earlier steps are marked done so they never follow."""
    latest: dict[TimerKind, Notice] = {}
    for notice in notices:
        if notice.audience == Audience.EXECUTOR:
            superseded = latest.get(notice.timer.kind)
            if superseded is not None:
                ports.notices.claim(number, superseded.key, at=now)
            latest[notice.timer.kind] = notice
    return [n for n in notices if n.audience != Audience.EXECUTOR or n in latest.values()]


def _escalation(card: Card, timer: Timer, policies: SlaPolicies) -> EscalationStart | None:
    moments = breach_moments(
        timer, policies.deadlines.calendar, working_day=policies.deadlines.working_day
    )
    if moments is None:
        return None
    return EscalationStart(
        number=card.number,
        timer=timer.kind.value,
        round_started_at=timer.started_at,
        breached_at=moments[0],
        controller_at=moments[1],
    )


def _deliver(
    card: Card, notice: Notice, ports: SlaPorts, policies: SlaPolicies, now: datetime
) -> bool:
    recipients = recipients_of(card, notice.audience, ports.directory)
    if not recipients:
        logger.warning(
            "deadline notice has nobody to go to",
            extra={"card": card.number, "audience": notice.audience.value},
        )
    mails = [
        deadline_notice(
            card,
            notice,
            member,
            directory=ports.directory,
            templates=ports.templates,
            policy=policies.mail,
            now=now,
        )
        for member in recipients
    ]
    return _send_once(card.number, notice.key, mails, ports, now)


def _tell_colleagues(
    card: Card,
    history: list[HistoryEntry],
    claimed: frozenset[str],
    ports: SlaPorts,
    policies: SlaPolicies,
    now: datetime,
) -> tuple[str, ...]:
    """Mentions and ping-pong alerts the card owes, through the same once-only notice log as
    the deadline notices."""
    sent = []
    for notice in attention_notices(card, history, sent=claimed, limit=policies.ping_pong_after):
        if notice.staff_id is None:
            recipients = recipients_of(card, Audience.CONTROLLER, ports.directory)
        else:
            member = ports.directory.staff_member(notice.staff_id)
            recipients = [member] if member else []
        mails = [
            attention_notice(
                card,
                notice,
                member,
                directory=ports.directory,
                templates=ports.templates,
                policy=policies.mail,
                now=now,
            )
            for member in recipients
        ]
        if _send_once(card.number, notice.key, mails, ports, now):
            sent.append(notice.key)
    return tuple(sent)


def _send_once(
    number: str, key: str, mails: list[OutgoingMail], ports: SlaPorts, now: datetime
) -> bool:
    """Claim the notice, then mail it; a failed send gives the claim back for the next check.
    False when someone else had claimed it."""
    if not ports.notices.claim(number, key, at=now):
        return False
    try:
        for mail in mails:
            ports.mailer.send(mail)
    except Exception:
        ports.notices.release(number, key)
        raise
    return True


def recipients_of(card: Card, audience: Audience, directory: Directory) -> list[StaffMember]:
    """The executor (or, with none yet, the department's managers), the department's managers
    (or, with none, the controllers), or the controllers."""
    staff = directory.staff()
    managers = [m for m in staff if Role.MANAGER in m.roles and card.department in m.departments]
    controllers = [m for m in staff if Role.CONTROLLER in m.roles]
    if audience == Audience.EXECUTOR:
        executor = directory.staff_member(card.executor_id) if card.executor_id else None
        return [executor] if executor else managers or controllers
    if audience == Audience.MANAGER:
        return managers or controllers
    return controllers


@dataclass(frozen=True)
class Sla:
    """The SLA watch wired to its ports (built once by the container): per-card checks, the
    sweep, escalation steps, and the weekly review of repeated missed deadlines."""

    ports: SlaPorts
    policies: SlaPolicies

    def check_card(self, number: str) -> CheckResult:
        return check_card(number, ports=self.ports, policies=self.policies)

    def sweep(self) -> SweepReport:
        return sweep(ports=self.ports, policies=self.policies)

    def escalation_step(
        self, number: str, timer_kind: TimerKind, round_started_at: datetime, step: NoticeStep
    ) -> StepOutcome:
        return escalation_step(
            number, timer_kind, round_started_at, step, ports=self.ports, policies=self.policies
        )

    def last_week(self) -> str:
        return sla_review.last_week(self.ports.clock.now(), self.policies.mail)

    def repeated_breaches(
        self, principal: Principal, week: str | None, *, locale: str
    ) -> tuple[str, list[BreachGroup]]:
        """The week asked for (default: last week) and its categories with repeated misses."""
        week = week or self.last_week()
        groups = sla_review.review_for(
            principal,
            week,
            breaches=self.ports.breaches,
            directory=self.ports.directory,
            locale=locale,
        )
        return week, groups

    def send_weekly_review(self) -> tuple[str, int]:
        """Last week's review mailed to every controller: the week and how many were sent."""
        week = self.last_week()
        sent = sla_review.send_weekly_review(
            week,
            breaches=self.ports.breaches,
            directory=self.ports.directory,
            mailer=self.ports.mailer,
            templates=self.ports.templates,
            policy=self.policies.mail,
            now=self.ports.clock.now(),
        )
        return week, sent
