"""Working time: exact inverses, around lunch, weekends, holidays, DST, midnight and year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.calendar_config import load_calendar, load_seed_calendar
from chalicelib.domain.business_calendar import BusinessCalendar
from chalicelib.domain.errors import ValidationFailed

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
SEED = load_seed_calendar()


def at(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def test_a_working_day_with_lunch():
    start = at(MSK, 2026, 3, 2, 9, 0)  # Monday
    assert SEED.add(start, hours(4)) == at(MSK, 2026, 3, 2, 13, 0)
    assert SEED.add(start, hours(5)) == at(MSK, 2026, 3, 2, 14, 45)  # lunch 13:00-13:45
    assert SEED.between(start, at(MSK, 2026, 3, 2, 18, 0)) == timedelta(hours=8, minutes=15)


def test_friday_evening_rolls_over_the_weekend():
    friday = at(MSK, 2026, 3, 13, 16, 0)
    assert SEED.add(friday, hours(1)) == at(MSK, 2026, 3, 16, 9, 15)  # 45 min Fri, 15 Mon
    assert SEED.between(friday, at(MSK, 2026, 3, 16, 9, 15)) == hours(1)


def test_russian_new_year_holidays_and_the_year_end():
    # The holidays package's Russian calendar: 31 Dec 2026 and 1-8 Jan 2027 are days off,
    # 9-10 Jan a weekend, 11 Jan a working Monday.
    for day in [date(2026, 12, 31)] + [date(2027, 1, d) for d in range(1, 11)]:
        assert SEED.hours_on(day) == (), day
    assert SEED.hours_on(date(2027, 1, 11)) == ((540, 780), (825, 1080))
    before_new_year = at(MSK, 2026, 12, 30, 17, 0)
    due = SEED.add(before_new_year, hours(2))
    assert due == at(MSK, 2027, 1, 11, 10, 0)  # 1 h on 30 Dec, 1 h on 11 Jan
    assert SEED.between(before_new_year, due) == hours(2)


def test_a_town_day_off_and_a_working_saturday():
    calendar = load_calendar(
        {
            "timezone": "Europe/Moscow",
            "working_hours": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"]},
            "extra_days_off": ["2026-03-03"],
            "working_days": {"2026-03-07": ["10:00-14:00"]},
        }
    )
    monday_evening = at(MSK, 2026, 3, 2, 17, 0)
    assert calendar.add(monday_evening, hours(2)) == at(MSK, 2026, 3, 7, 11, 0)


def test_dst_spring_forward_shortens_the_night_shift_not_the_day():
    night = BusinessCalendar(timezone=BERLIN, weekly_hours=dict.fromkeys(range(7), ((0, 1440),)))
    saturday_noon = at(BERLIN, 2026, 3, 28, 12, 0)
    sunday_noon = at(BERLIN, 2026, 3, 29, 12, 0)  # clocks jumped 02:00 -> 03:00 between
    assert night.between(saturday_noon, sunday_noon) == hours(23)
    assert night.add(saturday_noon, hours(23)) == sunday_noon


def test_dst_fall_back_gives_the_night_an_extra_hour():
    night = BusinessCalendar(timezone=BERLIN, weekly_hours=dict.fromkeys(range(7), ((0, 1440),)))
    before = at(BERLIN, 2026, 10, 24, 12, 0)
    after = at(BERLIN, 2026, 10, 25, 12, 0)
    assert night.between(before, after) == hours(25)


def test_office_hours_are_wall_clock_hours_across_dst():
    office = BusinessCalendar(timezone=BERLIN, weekly_hours=dict.fromkeys(range(7), ((540, 1080),)))
    friday = at(BERLIN, 2026, 3, 27, 17, 0)
    # 1 h Friday, 9 h Saturday, 9 h Sunday (after the jump), 1 h Monday.
    assert office.add(friday, hours(20)) == at(BERLIN, 2026, 3, 30, 10, 0)


def test_continuous_shifts_across_midnight_have_no_gap():
    duty = BusinessCalendar(timezone=MSK, weekly_hours=dict.fromkeys(range(7), ((0, 1440),)))
    evening = at(MSK, 2026, 3, 2, 23, 30)
    assert duty.add(evening, hours(1)) == at(MSK, 2026, 3, 3, 0, 30)


def test_zero_and_outside_hours():
    sunday = at(MSK, 2026, 3, 1, 12, 0)
    assert SEED.add(sunday, timedelta(0)) == sunday
    assert SEED.add(sunday, timedelta(minutes=1)) == at(MSK, 2026, 3, 2, 9, 1)
    assert SEED.between(sunday, sunday - hours(5)) == timedelta(0)
    assert not SEED.is_working(sunday)
    assert SEED.is_working(at(MSK, 2026, 3, 2, 9, 0))
    assert not SEED.is_working(at(MSK, 2026, 3, 2, 13, 10))


def test_bad_uses_are_refused():
    with pytest.raises(ValueError, match="negative"):
        SEED.add(at(MSK, 2026, 3, 2, 9), timedelta(minutes=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        SEED.add(datetime(2026, 3, 2, 9), hours(1))
    never = BusinessCalendar(timezone=MSK, weekly_hours={})
    with pytest.raises(ValueError, match="no working time"):
        never.add(at(MSK, 2026, 3, 2, 9), hours(1))


def test_configuration_errors_name_the_field():
    with pytest.raises(ValidationFailed) as error:
        load_calendar({"timezone": "Mars/Olympus", "working_hours": {"monday": []}})
    assert {p.field for p in error.value.problems} == {"timezone", "working_hours"}
    with pytest.raises(ValidationFailed) as error:
        load_calendar(
            {
                "timezone": "Europe/Moscow",
                "public_holidays": {"country": "XX"},
                "working_hours": {
                    "mon": ["9-18", "18:00-09:00", "08:00-10:00", "07:00-08:00", "25:00-26:00"]
                },
                "working_days": {"2026-03-07": ["10:00-10:00"]},
            }
        )
    assert [p.field for p in error.value.problems] == [
        "working_hours.mon[0]",
        "working_hours.mon[1]",
        "working_hours.mon[3]",
        "working_hours.mon[4]",
        "working_days.2026-03-07[0]",
        "public_holidays.country",
    ]


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))


@settings(max_examples=300, deadline=None)
@given(start=moments, duration=durations)
def test_measuring_what_was_added_gives_it_back(start, duration):
    due = SEED.add(start, duration)
    assert due >= start
    assert SEED.between(start, due) == duration


@settings(max_examples=300, deadline=None)
@given(start=moments, end=moments)
def test_adding_what_was_measured_lands_on_or_before_the_end(start, end):
    measured = SEED.between(start, end)
    landed = SEED.add(start, measured)
    assert landed <= max(start, end)
    assert SEED.between(landed, max(start, end)) == timedelta(0)


def test_working_days_match_the_official_calendar_day_for_day():
    """The package's own working-day function is the official calendar: a Saturday worked so
    that a Monday is off (20 and 22 February 2027) included."""
    import holidays

    official = holidays.country_holidays("RU", years=[2026, 2027])
    day = date(2026, 1, 1)
    while day.year < 2028:
        assert bool(SEED.hours_on(day)) == official.is_working_day(day), day
        day += timedelta(days=1)
    assert SEED.hours_on(date(2027, 2, 20)) == ((540, 780), (825, 1080))  # a working Saturday
    assert SEED.hours_on(date(2027, 2, 22)) == ()  # its Monday off


def test_the_eve_of_a_public_holiday_is_an_hour_shorter():
    assert SEED.hours_on(date(2026, 11, 3)) == ((540, 780), (825, 1020))  # before 4 November
    assert SEED.hours_on(date(2026, 11, 2)) == ((540, 780), (825, 1080))  # an ordinary Monday
    monday = at(MSK, 2026, 11, 3, 16, 0)
    assert SEED.add(monday, hours(2)) == at(MSK, 2026, 11, 5, 10, 0)  # 1 h on the 3rd, then 5th
