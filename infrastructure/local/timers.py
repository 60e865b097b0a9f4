"""The local stack's stand-in for EventBridge and Step Functions: moto stores schedules but never
fires them, so a thread does, calling the same Lambda handlers AWS would.

Three threads, each passing once a real second, as on AWS these are functions of their own (a
sweep through thousands of overdue cards never holds up the outbox or the search index):
- the sweep: every five minutes of town time ``functions/sla_sweep.handler`` runs (AWS's rule);
- the stream reader: the cards table's stream is read from its checkpoint and its card records
  handed to ``functions/search_indexer.handler``, as the event source mapping does
  (``streams.py``);
- the timers, each tick:
  - every card schedule in the deadline group whose ``at()`` has come runs
    ``functions/sla_timer.handler`` and is deleted, as Scheduler does with
    ActionAfterCompletion DELETE;
  - on Monday 06:00 UTC ``functions/sla_weekly_review.handler`` runs;
  - ``functions/export_cards.handler`` runs after 01:00 UTC each day, and at start when
    today's snapshot is not written yet (the nightly export and its report figures), in a
    thread of its own;
  - ``functions/retention_sweep.handler`` runs after 02:30 UTC each day (today's share of
    the table: personal data off closed cards past the town's period);
  - the outbox is sent (``functions/outbox_dispatch.handler``);
  - escalation chains play the state machine's steps (infrastructure/sla_escalation.asl.json)
    through ``functions/sla_escalation.handler``: the manager at once, the controller at its
    moment, and not the controller if the first step said the chain stopped. Chains live in
    memory; after a restart the sweep sends any step that was left, as it would for a failed
    execution on AWS.

``AcceleratedClock`` makes town time run faster for a demo (``civicdesk run --time-factor 60``:
one real second is a town minute). It keeps its place in the data folder across restarts.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.eventbridge_scheduler import SCHEDULE_PREFIX
from chalicelib.observability import logger
from chalicelib.ports import Clock, EscalationStart
from infrastructure.local.mailroom import LambdaContext
from infrastructure.local.streams import FeedReport, StreamReader

SWEEP_EVERY = timedelta(minutes=5)
STOP_GRACE = 3.0  # seconds a run still going may take when the stack stops
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


class AcceleratedClock:
    """Town time that runs ``factor`` times faster than real time, from ``start``."""

    def __init__(self, factor: float, *, start: datetime, state: Path | None = None) -> None:
        if factor < 1:
            raise ValueError("the time factor must be 1 or more")
        self.factor = factor
        self._real_start = datetime.now(UTC)
        self._start = start
        self._state = state

    @classmethod
    def resume(cls, factor: float, state: Path) -> AcceleratedClock:
        """Start where the last run left town time, or now if that is in the past."""
        now = datetime.now(UTC)
        saved = None
        if state.exists():
            saved = datetime.fromisoformat(json.loads(state.read_text("utf-8"))["town_time"])
        return cls(factor, start=max(now, saved) if saved else now, state=state)

    def now(self) -> datetime:
        return self._start + (datetime.now(UTC) - self._real_start) * self.factor

    def save(self) -> None:
        if self._state is not None:
            self._state.write_text(json.dumps({"town_time": self.now().isoformat()}), "utf-8")


@dataclass
class _Chain:
    escalation: EscalationStart
    manager_told: bool = False


@dataclass
class LocalEscalations:
    """EscalationWorkflow for the local stack: chains the timer thread plays step by step."""

    chains: dict[str, _Chain] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, escalation: EscalationStart) -> bool:
        with self._lock:
            if escalation.name in self.chains:
                return False
            self.chains[escalation.name] = _Chain(escalation)
            return True

    def take_steps(self, now: datetime) -> list[tuple[EscalationStart, str]]:
        """Steps whose moment has come: (chain, "breached" | "escalated"), each handed out once."""
        steps = []
        with self._lock:
            for name, chain in list(self.chains.items()):
                if not chain.manager_told:
                    chain.manager_told = True
                    steps.append((chain.escalation, "breached"))
                elif now >= chain.escalation.controller_at:
                    del self.chains[name]
                    steps.append((chain.escalation, "escalated"))
        return steps

    def stop(self, name: str) -> None:
        with self._lock:
            self.chains.pop(name, None)


@dataclass
class TickReport:
    timers: list[str] = field(default_factory=list)
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (chain, step, outcome)
    swept: bool = False
    reviewed: str | None = None
    messages: dict[str, int] = field(default_factory=dict)  # outbox outcomes, by status
    indexed: FeedReport | None = None  # the search indexer's pass over the stream
    exported: bool = False  # the nightly export started
    # The nightly retention sweep's cards erased (None: it did not run this tick).
    erased: list[str] | None = None


class DeadlineTimers:
    """Fires what EventBridge and Step Functions would; ``tick`` is one pass (tests call it)."""

    def __init__(
        self,
        *,
        scheduler_client: Any,
        group: str,
        escalations: LocalEscalations,
        clock: Clock,
        interval: float = 1.0,
        stream: StreamReader | None = None,
        nightly_export: Callable[[], None] | None = None,
        housekeeping: Callable[[], None] | None = None,
    ) -> None:
        self._housekeeping = housekeeping
        self._scheduler = scheduler_client
        self._stream = stream
        self._group = group
        self._escalations = escalations
        self._clock = clock
        self._interval = interval
        self._next_sweep: datetime | None = None
        self._last_review: str | None = None
        self._last_export: str | None = None
        self._last_retention: str | None = None
        self._nightly_export = nightly_export
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # name -> (last modified, fire time, card number): schedules already read
        self._schedules: dict[str, tuple[Any, datetime | None, str]] = {}

    def tick(self, *, sweep: bool = True, feed: bool = True) -> TickReport:
        """One pass of everything (tests call it). The running stack passes ``sweep`` and
        ``feed`` on threads of their own, as on AWS they are functions of their own: a sweep
        through thousands of overdue cards must not hold up the outbox or the search index."""
        from functions import (
            outbox_dispatch,
            sla_escalation,
            sla_timer,
            sla_weekly_review,
        )

        now = self._clock.now()
        report = TickReport()
        for number in self._due_schedules(now):
            sla_timer.handler({"number": number}, _context("sla-timer"))
            report.timers.append(number)
        for escalation, step in self._escalations.take_steps(now):
            outcome = sla_escalation.handler(
                {
                    "number": escalation.number,
                    "timer": escalation.timer,
                    "round_started_at": escalation.round_started_at.isoformat(),
                    "step": step,
                },
                _context("escalation-tasks"),
            )["status"]
            if step == "breached" and outcome == "stopped":
                self._escalations.stop(escalation.name)  # the state machine's MetMeanwhile
            report.steps.append((escalation.name, step, outcome))
        if sweep:
            report.swept = self._sweep(now)
        # The table's stream and the minute rule, both at once: whatever the outbox has due.
        report.messages = outbox_dispatch.handler(
            _scheduled_event(now), _context("outbox-dispatch")
        )
        # The table's stream → the search indexer, filtered as the event source mapping is.
        if feed:
            report.indexed = self._feed()
        # The nightly export (AWS's 01:00 UTC rule), and at start when today's is not written yet.
        night = now.date().isoformat()
        due = self._last_export is None or (night != self._last_export and now.hour >= 1)
        if self._nightly_export is not None and due:
            self._last_export = night
            if not _snapshot_written():
                self._nightly_export()
                report.exported = True
        week = _review_week(now)
        if week is not None and week != self._last_review:
            self._last_review = week
            report.reviewed = sla_weekly_review.handler(
                _scheduled_event(now), _context("weekly-review")
            )["week"]
        # The retention sweep (AWS's 02:30 UTC rule): today's share of the table.
        if now.hour * 60 + now.minute >= 150 and night != self._last_retention:
            self._last_retention = night
            from functions import retention_sweep

            report.erased = retention_sweep.handler(
                _scheduled_event(now), _context("retention-sweep")
            )["erased"]
        if self._housekeeping is not None:
            self._housekeeping()
        if isinstance(self._clock, AcceleratedClock):
            self._clock.save()
        return report

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._run, args=(run,), name=name, daemon=True)
            for name, run in (
                ("deadline-timers", lambda: self.tick(sweep=False, feed=False)),
                ("deadline-sweep", lambda: self._sweep(self._clock.now())),
                ("stream-reader", self._feed),
            )
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop ticking. A run still going (a long sweep) is given a moment, then left: every
        function's writes are transactional and idempotent, as a Lambda stopped mid-run is
        retried on AWS, so the next start picks up what it left."""
        self._stop.set()
        deadline = time.monotonic() + STOP_GRACE
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _sweep(self, now: datetime) -> bool:
        """The five-minute rule's sweep, when its time has come."""
        from functions import sla_sweep

        if self._next_sweep is not None and now < self._next_sweep:
            return False
        sla_sweep.handler(_scheduled_event(now), _context("sla-sweep"))
        self._next_sweep = now + SWEEP_EVERY
        return True

    def _feed(self) -> FeedReport | None:
        """The table's stream → the search indexer, filtered as the event source mapping is."""
        from functions import search_indexer

        if self._stream is None:
            return None
        return self._stream.feed(
            search_indexer.STREAM_FILTER,
            search_indexer.handler,
            _context("search-indexer"),
            stopping=self._stop.is_set,
        )

    def _run(self, run: Callable[[], Any]) -> None:
        while not self._stop.wait(self._interval):
            try:
                run()
            except Exception:
                if self._stop.is_set():
                    return  # the stack stopped under the run: nothing to report
                # As on AWS: a failed run is logged and the next one (or the sweep) tries again.
                logger.exception("local deadline timers failed")

    def _due_schedules(self, now: datetime) -> list[str]:
        """The cards whose schedule's moment has come (each schedule deleted once fired). A
        schedule is read once per change, not every second: the list says when it changed."""
        due, listed = [], set()
        paginator = self._scheduler.get_paginator("list_schedules")
        for page in paginator.paginate(GroupName=self._group, NamePrefix=SCHEDULE_PREFIX):
            for summary in page["Schedules"]:
                name, changed = summary["Name"], summary.get("LastModificationDate")
                listed.add(name)
                known = self._schedules.get(name)
                if known is None or known[0] != changed:
                    known = (changed, *self._read_schedule(name))
                    self._schedules[name] = known
                _, at, number = known
                if at is not None and at <= now:
                    self._scheduler.delete_schedule(Name=name, GroupName=self._group)
                    self._schedules.pop(name, None)
                    due.append(number)
        for gone in set(self._schedules) - listed:
            del self._schedules[gone]
        return due

    def _read_schedule(self, name: str) -> tuple[datetime | None, str]:
        schedule = self._scheduler.get_schedule(Name=name, GroupName=self._group)
        match = _AT.match(schedule["ScheduleExpression"])
        at = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) if match else None
        return at, json.loads(schedule["Target"]["Input"])["number"]


def _snapshot_written() -> bool:
    """Today's snapshot is there already (the stack restarted since it ran): a town's worth of
    cards is not exported again at every start."""
    from chalicelib import bootstrap

    return bootstrap.container().exports.nightly_done()


def start_nightly_export() -> None:
    """The nightly export, in a thread of its own (it reads every card)."""
    from functions import export_cards

    threading.Thread(
        target=_export, args=(export_cards,), name="nightly-export", daemon=True
    ).start()


def _export(export_cards: Any) -> None:
    try:
        export_cards.handler(_scheduled_event(datetime.now(UTC)), _context("export-cards"))
    except Exception:
        logger.exception("local nightly export failed")  # its status file says why


def _context(name: str) -> Any:
    """A stand-in Lambda context, typed loosely for the Powertools-typed handlers."""
    return LambdaContext(name)


def _scheduled_event(now: datetime) -> dict[str, Any]:
    """An EventBridge scheduled event, as AWS delivers it."""
    return {
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-central-1",
        "resources": ["arn:aws:events:eu-central-1:000000000000:rule/civicdesk-local"],
        "detail": {},
    }


def _review_week(now: datetime) -> str | None:
    """The ISO week label once Monday 06:00 UTC has passed (the CDK rule's cron), else None."""
    utc = now.astimezone(UTC)
    if utc.weekday() != 0 or utc.hour < 6:
        return None
    year, week, _ = utc.isocalendar()
    return f"{year}-W{week:02d}"
