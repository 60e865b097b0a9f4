"""Working time: adding it and measuring it, in the town's time zone, around its holidays.

Pure. Working hours are local wall-clock intervals per weekday; every interval is turned into
UTC instants for its own date, so a DST change shortens or lengthens only the interval it falls
in, exactly as a clock on the office wall does. ``add`` and ``between`` are exact inverses:
``between(t, add(t, d)) == d`` for every start ``t`` and duration ``d >= 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Minutes since local midnight; 1440 means the end of the day (24:00).
Interval = tuple[int, int]
MAX_DAYS_SEARCHED = 3 * 366  # a calendar with no working time at all must not loop forever


def _no_holidays(_: date) -> bool:
    return False


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo
    weekly_hours: Mapping[int, tuple[Interval, ...]]  # 0 = Monday ... 6 = Sunday
    is_holiday: Callable[[date], bool] = field(default=_no_holidays)
    # Dates that work although their weekday does not (or with other hours): working Saturdays.
    special_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    # The official calendar's own days (a working weekend day, a shortened eve of a holiday):
    # their hours, or None for an ordinary day.
    official_day: Callable[[date], tuple[Interval, ...] | None] | None = None
    # Day -> its working spans in UTC. The calendar never changes, so neither do they.
    _span_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.special_days:
            return self.special_days[day]
        if self.official_day is not None:
            official = self.official_day(day)
            if official is not None:
                return official
        if self.is_holiday(day):
            return ()
        return self.weekly_hours.get(day.weekday(), ())

    def is_working(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self._spans_of(self._local(moment)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of working time has passed since ``start``."""
        if duration < timedelta(0):
            raise ValueError("working time cannot be negative")
        if not duration:
            return start  # a deadline of no working time is now, not the next shift
        remaining = duration
        for span_start, span_end in self._spans_from(start):
            begin = max(span_start, start)
            available = span_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise ValueError("the calendar has no working time for three years in a row")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (zero when ``end`` is not after ``start``)."""
        total = timedelta(0)
        if end <= start:
            return total
        for span_start, span_end in self._spans_from(start, until=end):
            if span_start >= end:
                break
            total += min(span_end, end) - max(span_start, start)
        return total

    def _spans_from(
        self, start: datetime, until: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Working spans (UTC) that end after ``start``, in order: up to ``until``'s date, or,
        with no end given, until MAX_DAYS_SEARCHED days in a row have no working time."""
        day = self._local(start) - timedelta(days=1)  # a span can start on the previous date
        last = self._local(until) if until else None
        idle_days = 0
        while (last is None or day <= last) and idle_days < MAX_DAYS_SEARCHED:
            spans = self._spans_of(day)
            idle_days = 0 if spans else idle_days + 1
            for span in spans:
                if span[1] > start:
                    yield span
            day += timedelta(days=1)

    def _spans_of(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._span_cache.get(day)
        if cached is None:
            spans = ((self._instant(day, s), self._instant(day, e)) for s, e in self.hours_on(day))
            cached = tuple((begin, end) for begin, end in spans if end > begin)
            self._span_cache[day] = cached
        return cached

    def _instant(self, day: date, minute: int) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=self.timezone)
        wall = local.replace(tzinfo=None) + timedelta(minutes=minute)
        # Wall-clock time on that date (24:00 is the next midnight), then to UTC; a wall time
        # skipped by a DST jump resolves forward, as zoneinfo's fold=0 does.
        return wall.replace(tzinfo=self.timezone).astimezone(UTC)

    def _local(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            raise ValueError("working-time arithmetic needs timezone-aware datetimes")
        return moment.astimezone(self.timezone).date()
