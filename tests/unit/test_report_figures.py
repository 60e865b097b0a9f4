"""Report figures: folded per day and department, summed over a period, percentiles from the
histogram, shares, satisfaction; months to read for a period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.card import Location, Milestones
from chalicelib.domain.report_figures import (
    BOUNDS,
    Aggregator,
    bucket_of,
    months_between,
    summarize,
)
from chalicelib.domain.satisfaction import SurveyAnswer
from tests.factories import new_card

UTC_ZONE = ZoneInfo("UTC")
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _card(clock, directory, n: int, **changes):
    card = new_card(clock, directory)
    return card.model_copy(update={"number": f"2026-{n:06d}", "created_at": DAY, **changes})


def test_buckets_are_found_at_their_upper_bound():
    assert bucket_of(0) == 0
    assert BOUNDS[bucket_of(0.25)] == 0.25
    assert BOUNDS[bucket_of(0.3)] == 0.5
    assert BOUNDS[bucket_of(30)] == 30.0
    assert BOUNDS[bucket_of(100000)] == BOUNDS[-1]
    assert months_between(date(2026, 1, 31), date(2026, 3, 1)) == ["2026-01", "2026-02", "2026-03"]


def test_a_period_sums_its_days_and_reads_percentiles_from_the_histogram(clock, directory):
    figures = Aggregator(UTC_ZONE)
    for n in range(1, 11):  # first replies after 1..10 hours; every other one missed a deadline
        figures.add_card(
            _card(
                clock,
                directory,
                n,
                location=Location(address="Lenina 5", district="d3"),
                related_to="2026-000001" if n == 10 else None,
                milestones=Milestones(
                    first_reply_at=DAY + timedelta(hours=n),
                    resolved_at=DAY + timedelta(days=2) if n <= 4 else None,
                    closed_at=DAY + timedelta(days=3) if n <= 2 else None,
                    missed_deadline=n % 2 == 0,
                ),
            )
        )
    figures.add_card(_card(clock, directory, 99, parent="2026-000001"))  # a subtask: not counted
    for rating in (5, 4, 5):
        figures.add_rating(
            SurveyAnswer(
                number="2026-000001",
                rating=rating,
                department="roads",
                category="roads.potholes",
                answered_at=DAY + timedelta(days=4),
            )
        )
    months = [{"month": m, **data} for m, data in figures.months().items()]
    report = summarize(months, date(2026, 3, 1), date(2026, 3, 31), None)
    assert report["received"] == 10
    assert report["closed"] == 2
    assert report["per_day"][1] == {"day": "2026-03-02", "received": 10, "closed": 0}
    assert report["per_day"][4] == {"day": "2026-03-05", "received": 0, "closed": 2}
    assert report["first_reply"] == {"count": 10, "average_hours": 5.5, "p90_hours": 9.0}
    assert report["resolution"]["count"] == 4
    assert report["resolution"]["average_hours"] == 48.0
    assert report["overdue"]["share"] == 0.5
    assert report["overdue"]["by_category"] == [
        {"category": "roads", "received": 10, "overdue": 5, "share": 0.5}
    ]
    assert report["per_district"] == {"d3": 10}
    assert report["per_channel"] == {"web": 10}
    assert report["repeat_requests"] == 1
    assert report["satisfaction"] == {
        "count": 3,
        "average": 4.67,
        "by_rating": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2},
    }
    # Another department's view, and a period with nothing in it.
    assert (
        summarize(months, date(2026, 3, 1), date(2026, 3, 31), frozenset({"parks"}))["received"]
        == 0
    )
    empty = summarize([], date(2026, 3, 1), date(2026, 3, 2), None)
    assert empty["first_reply"] == {"count": 0, "average_hours": None, "p90_hours": None}
    assert empty["satisfaction"]["average"] is None
