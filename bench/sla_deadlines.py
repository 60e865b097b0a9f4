"""Deadline computations per second on the town's business calendar (RU holidays, lunch break).

Reported as a rate and as a ratio to a plain ``datetime + timedelta`` over the same starts, in
the same run, for 1, 3 and 15 working days (first reply, decision, long decision).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.adapters.calendar_config import load_seed_calendar

WORKING_DAY = timedelta(hours=8, minutes=15)
SAMPLES = 3000


def rate(compute, starts: list[datetime]) -> float:
    began = time.perf_counter()
    for start in starts:
        compute(start)
    return len(starts) / (time.perf_counter() - began)


def main() -> None:
    calendar = load_seed_calendar()
    rng = random.Random(42)  # noqa: S311 - sampling, not secrets
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(0, 525_600)) for _ in range(SAMPLES)]
    calendar.add(starts[0], WORKING_DAY)  # warm the holiday data for the year
    print(f"deadline computations, {SAMPLES} random starts in 2026 (Europe/Moscow, RU holidays)")
    for days in (1, 3, 15):
        duration = WORKING_DAY * days
        plain = rate(lambda s, d=duration: s + d, starts)
        working = rate(lambda s, d=duration: calendar.add(s, d), starts)
        print(
            f"  add {days:>2} working day(s)   {working:9.0f}/s   "
            f"{working / plain:.4f}x of plain datetime addition ({plain:,.0f}/s)"
        )
    measured = rate(lambda s: calendar.between(s, s + timedelta(days=10)), starts)
    print(f"  measure 10 calendar days  {measured:9.0f}/s")


if __name__ == "__main__":
    main()
