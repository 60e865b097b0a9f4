"""In-memory RateLimiter: the twin of the DynamoDB one; passes the same contract suite."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.rate_limits import Allowance, RateLimit, refused, subject_digest


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def take(self, limit: RateLimit, subject: str, *, at: datetime) -> Allowance:
        return self.take_all([(limit, subject)], at=at)

    def take_all(self, uses: Sequence[tuple[RateLimit, str]], *, at: datetime) -> Allowance:
        counted = [
            ((limit.name, subject_digest(subject), window.slot(at)), limit, window)
            for limit, subject in uses
            for window in limit.windows
        ]
        with self._lock:
            full = [(lim, win) for key, lim, win in counted if self._counts[key] >= win.most]
            if full:
                limit, window = max(full, key=lambda pair: pair[1].ends(at))
                return refused(window, at, limit)
            for key, _, _ in counted:
                self._counts[key] += 1
        return Allowance(True)
