"""The town's business calendar from configuration, validated with errors that name the field.

Public holidays come from the ``holidays`` package by country (and subdivision), and so do the
official calendar's weekend days that are working days (a Saturday worked so that a Monday is
off); the eve of a public holiday is shortened by ``pre_holiday_shortening_minutes`` (an hour in
Russia's labour code). The town adds its own extra days off and working days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.domain.business_calendar import BusinessCalendar, Interval
from chalicelib.domain.errors import FieldProblem, ValidationFailed

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "calendar.json"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class HolidaySource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdivision: str | None = None


class CalendarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    working_hours: dict[str, list[str]]
    public_holidays: HolidaySource | None = None
    extra_days_off: list[date] = []
    working_days: dict[date, list[str]] = {}
    pre_holiday_shortening_minutes: int = Field(default=0, ge=0, le=240)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _weekdays(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {', '.join(WEEKDAYS)}")
        return value


def load_calendar(document: dict[str, Any]) -> BusinessCalendar:
    """A BusinessCalendar, or ValidationFailed listing every problem by field."""
    try:
        config = CalendarConfig.model_validate(document)
    except ValidationError as error:
        raise ValidationFailed(
            [
                FieldProblem(
                    ".".join(str(p) for p in e["loc"]) or "calendar",
                    str(e["msg"]).removeprefix("Value error, "),
                )
                for e in error.errors(include_url=False)
            ]
        ) from None
    problems: list[FieldProblem] = []
    weekly = {
        index: _intervals(config.working_hours.get(name, []), f"working_hours.{name}", problems)
        for index, name in enumerate(WEEKDAYS)
    }
    special = {
        day: _intervals(spans, f"working_days.{day.isoformat()}", problems)
        for day, spans in config.working_days.items()
    }
    is_holiday, public = _holiday_rule(config, problems)
    if problems:
        raise ValidationFailed(problems)
    return BusinessCalendar(
        timezone=ZoneInfo(config.timezone),
        weekly_hours=weekly,
        is_holiday=is_holiday,
        special_days=special,
        official_day=_official_days(public, weekly, config.pre_holiday_shortening_minutes)
        if public is not None
        else None,
    )


def load_seed_calendar(path: Path = SEED_PATH) -> BusinessCalendar:
    return load_calendar(json.loads(path.read_text("utf-8")))


def _intervals(spans: list[str], field: str, problems: list[FieldProblem]) -> tuple[Interval, ...]:
    parsed: list[Interval] = []
    for index, text in enumerate(spans):
        match = _SPAN.match(text.strip())
        where = f"{field}[{index}]"
        if match is None:
            problems.append(FieldProblem(where, f"{text!r} is not HH:MM-HH:MM"))
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start >= 1440 or end > 1440:
            problems.append(FieldProblem(where, f"{text!r} is not a time of day (24:00 ends one)"))
        elif end <= start:
            problems.append(FieldProblem(where, f"{text!r} ends before it starts"))
        elif parsed and start < parsed[-1][1]:
            problems.append(FieldProblem(where, f"{text!r} overlaps or precedes the span before"))
        else:
            parsed.append((start, end))
    return tuple(parsed)


def _holiday_rule(
    config: CalendarConfig, problems: list[FieldProblem]
) -> tuple[Callable[[date], bool], Any]:
    """Whether a day is off, and the package's calendar (None without one)."""
    extra = frozenset(config.extra_days_off)
    source = config.public_holidays
    if source is None:
        return (lambda day: day in extra), None
    import holidays

    try:
        # English names: a substituted day off is told apart by its name.
        public = holidays.country_holidays(
            source.country, subdiv=source.subdivision, language="en_US"
        )
    except NotImplementedError:
        problems.append(
            FieldProblem(
                "public_holidays.country", f"no public-holiday data for {source.country!r}"
            )
        )
        return (lambda day: day in extra), None
    return (lambda day: day in extra or day in public), public


SUBSTITUTED = "Day off"  # the package's name of a day off moved from a worked weekend day


def _official_days(
    public: Any, weekly: dict[int, tuple[Interval, ...]], shortening: int
) -> Callable[[date], tuple[Interval, ...] | None]:
    """A weekend day the official calendar makes a working day works a full weekday's hours
    (Monday's); the working day before a public holiday (not before a substituted day off) ends
    ``shortening`` minutes early. None: an ordinary day."""

    def hours(day: date) -> tuple[Interval, ...] | None:
        public.get(day)  # the package fills in a year on first use, working weekend days too
        if day in public.weekend_workdays:
            return _shortened(weekly[0], shortening if _eve(day) else 0)
        if shortening and _eve(day) and day not in public:
            ordinary = weekly.get(day.weekday(), ())
            return _shortened(ordinary, shortening) if ordinary else None
        return None

    def _eve(day: date) -> bool:
        name = public.get(day + timedelta(days=1))
        return bool(name) and not str(name).startswith(SUBSTITUTED)

    return hours


def _shortened(spans: tuple[Interval, ...], minutes: int) -> tuple[Interval, ...]:
    """``spans`` with ``minutes`` taken off their end."""
    kept: list[Interval] = []
    remaining = sum(end - start for start, end in spans) - minutes
    for start, end in spans:
        if remaining <= 0:
            break
        kept.append((start, min(end, start + remaining)))
        remaining -= kept[-1][1] - start
    return tuple(kept)
