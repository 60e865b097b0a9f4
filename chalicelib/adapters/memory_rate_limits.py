"""In-memory RateLimiter: the twin of the DynamoDB one; passes the same contract suite."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from chalicelib.domain.rate_limits import Allowance, RateLimit, refused, subject_digest


class InMemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def take(self, limit: RateLimit, subject: str, *, at: datetime) -> Allowance:
        digest = subject_digest(subject)
        keys = [(limit.name, digest, window.slot(at)) for window in limit.windows]
        with self._lock:
            full = [
                window
                for key, window in zip(keys, limit.windows, strict=True)
                if self._counts[key] >= window.most
            ]
            if full:
                return refused(max(full, key=lambda w: w.ends(at)), at)
            for key in keys:
                self._counts[key] += 1
        return Allowance(True)
