"""The town's business calendar from configuration, validated with errors that name the field.

Public holidays come from the ``holidays`` package by country (and subdivision); the town adds
its own extra days off and working days (e.g. a working Saturday before a long weekend).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

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
    is_holiday = _holiday_rule(config, problems)
    if problems:
        raise ValidationFailed(problems)
    return BusinessCalendar(
        timezone=ZoneInfo(config.timezone),
        weekly_hours=weekly,
        is_holiday=is_holiday,
        special_days=special,
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


def _holiday_rule(config: CalendarConfig, problems: list[FieldProblem]) -> Callable[[date], bool]:
    extra = frozenset(config.extra_days_off)
    source = config.public_holidays
    if source is None:
        return lambda day: day in extra
    import holidays

    try:
        public = holidays.country_holidays(source.country, subdiv=source.subdivision)
    except NotImplementedError:
        problems.append(
            FieldProblem(
                "public_holidays.country", f"no public-holiday data for {source.country!r}"
            )
        )
        return lambda day: day in extra
    return lambda day: day in extra or day in public
