"""In-memory NoticeLog, TimerScheduler and EscalationWorkflow: twins for tests and benchmarks."""

from __future__ import annotations

import threading
from datetime import datetime

from chalicelib.ports import BreachRecord, EscalationStart


class InMemoryNoticeLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed: dict[str, set[str]] = {}

    def sent(self, number: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._claimed.get(number, ()))

    def claim(self, number: str, key: str, *, at: datetime) -> bool:
        if not key.startswith(f"{number}#"):
            raise ValueError(f"notice key {key!r} is not of card {number}")
        with self._lock:
            keys = self._claimed.setdefault(number, set())
            if key in keys:
                return False
            keys.add(key)
            return True

    def release(self, number: str, key: str) -> None:
        with self._lock:
            self._claimed.get(number, set()).discard(key)


class InMemoryTimerScheduler:
    """Timers by card number."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.timers: dict[str, datetime] = {}

    def set(self, number: str, at: datetime) -> None:
        with self._lock:
            self.timers[number] = at

    def cancel(self, number: str) -> None:
        with self._lock:
            self.timers.pop(number, None)


class InMemoryEscalations:
    def __init__(self) -> None:
        self.started: dict[str, EscalationStart] = {}

    def start(self, escalation: EscalationStart) -> bool:
        if escalation.name in self.started:
            return False
        self.started[escalation.name] = escalation
        return True


class InMemoryBreachLog:
    def __init__(self) -> None:
        self._weeks: dict[str, dict[tuple[str, str, str, datetime], BreachRecord]] = {}

    def record(self, week: str, breach: BreachRecord) -> None:
        key = (breach.category, breach.number, breach.timer, breach.breached_at)
        self._weeks.setdefault(week, {})[key] = breach

    def week(self, week: str) -> list[BreachRecord]:
        return [self._weeks.get(week, {})[k] for k in sorted(self._weeks.get(week, {}))]
