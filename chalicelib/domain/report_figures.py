"""Manager reports from pre-aggregated figures: the nightly export pass folds every card (and
every rating) into per-day, per-department figures, stored one file a month; a report sums the
days of its period. Nothing scans the table when a report is asked for.

The figures (defined in the README):
- received: requests registered that day (subtasks excluded); closed: requests closed that day;
- time to first reply / to resolution: hours from registration to the town's first public word
  / to the latest resolution, for requests registered in the period (average; 90th percentile
  to the precision of a fixed histogram: 15 minutes under a day, an hour under a week, a day
  beyond);
- overdue share by category: of the requests registered in the period, those that ever missed a
  deadline;
- per district, per channel; repeat requests: those that follow up an earlier one (``related_to``);
- satisfaction: ratings given in the period (count, average, how many of each 1–5).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.card import Card
from chalicelib.domain.satisfaction import SurveyAnswer

# Histogram upper bounds in hours: quarter hours to a day, hours to a week, days to a year.
BOUNDS: tuple[float, ...] = (
    *(q / 4 for q in range(1, 97)),
    *(float(h) for h in range(25, 169)),
    *(float(d * 24) for d in range(8, 366)),
)


def bucket_of(hours: float) -> int:
    """The index of the first bound at or above ``hours`` (the last for anything longer)."""
    low, high = 0, len(BOUNDS) - 1
    while low < high:
        middle = (low + high) // 2
        if BOUNDS[middle] >= hours:
            high = middle
        else:
            low = middle + 1
    return low


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def _figures() -> dict[str, Any]:
    return {
        "received": 0,
        "closed": 0,
        "repeat": 0,
        "overdue": 0,
        "by_category": {},  # top topic -> [received, overdue]
        "by_district": {},
        "by_channel": {},
        "first_reply": {"count": 0, "hours": 0.0, "histogram": {}},
        "resolution": {"count": 0, "hours": 0.0, "histogram": {}},
        "ratings": {},  # "1".."5" -> count
        # Duplicates: reports merged into another card (counted there, not here) and the
        # people told of a card's progress besides its requester, per top topic too.
        "merged": 0,
        "followers": 0,
        "duplicates_by_category": {},  # top topic -> [merged, followers]
    }


class Aggregator:
    """Folds cards and ratings into day → department → figures (memory bounded by days ×
    departments × topics, not by the number of cards)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.days: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(_figures))

    def add_card(self, card: Card) -> None:
        if card.is_subtask:
            return
        m = card.milestones
        received = self.days[_day(card.created_at, self.zone)][card.department]
        topic = card.category.split(".", 1)[0]
        duplicates = received["duplicates_by_category"].setdefault(topic, [0, 0])
        if card.merged_into:
            # One problem, one count: a merged report is counted as such, not as a request
            # (its main card is the request, with its volume, deadlines and closure).
            received["merged"] += 1
            duplicates[0] += 1
            return
        received["followers"] += len(card.followers)
        duplicates[1] += len(card.followers)
        received["received"] += 1
        per_topic = received["by_category"].setdefault(topic, [0, 0])
        per_topic[0] += 1
        if m.missed_deadline:
            received["overdue"] += 1
            per_topic[1] += 1
        if card.related_to:
            received["repeat"] += 1
        district = card.location.district if card.location and card.location.district else "-"
        received["by_district"][district] = received["by_district"].get(district, 0) + 1
        channel = card.channel.value
        received["by_channel"][channel] = received["by_channel"].get(channel, 0) + 1
        for name, moment in (("first_reply", m.first_reply_at), ("resolution", m.resolved_at)):
            if moment is not None:
                hours = max(0.0, (moment - card.created_at).total_seconds() / 3600)
                timing = received[name]
                timing["count"] += 1
                timing["hours"] += hours
                key = str(bucket_of(hours))
                timing["histogram"][key] = timing["histogram"].get(key, 0) + 1
        if m.closed_at is not None:
            self.days[_day(m.closed_at, self.zone)][card.department]["closed"] += 1

    def add_rating(self, answer: SurveyAnswer) -> None:
        figures = self.days[_day(answer.answered_at, self.zone)][answer.department]
        key = str(answer.rating)
        figures["ratings"][key] = figures["ratings"].get(key, 0) + 1

    def months(self) -> dict[str, dict[str, Any]]:
        """Month ("2026-03") → {"days": {day: {department: figures}}}, for storing."""
        out: dict[str, dict[str, Any]] = defaultdict(lambda: {"days": {}})
        for day, departments in sorted(self.days.items()):
            out[day[:7]]["days"][day] = {d: dict(f) for d, f in departments.items()}
        return dict(out)


def months_between(start: date, end: date) -> list[str]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current.isoformat()[:7])
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def summarize(
    month_files: Iterable[dict[str, Any]],
    start: date,
    end: date,
    departments: frozenset[str] | None,
) -> dict[str, Any]:
    """The report of a period from the stored months; ``departments`` None: the whole town."""
    received: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    totals = _figures()
    histograms: dict[str, Counter[int]] = {"first_reply": Counter(), "resolution": Counter()}
    for month in month_files:
        for day, per_department in month.get("days", {}).items():
            if not start.isoformat() <= day <= end.isoformat():
                continue
            for department, figures in per_department.items():
                if departments is not None and department not in departments:
                    continue
                received[day] += figures["received"]
                closed[day] += figures["closed"]
                for name in ("received", "closed", "repeat", "overdue", "merged", "followers"):
                    totals[name] += figures.get(name, 0)  # months stored before: none
                for topic, (merged, following) in figures.get("duplicates_by_category", {}).items():
                    pair = totals["duplicates_by_category"].setdefault(topic, [0, 0])
                    pair[0] += merged
                    pair[1] += following
                for topic, (count, missed) in figures["by_category"].items():
                    pair = totals["by_category"].setdefault(topic, [0, 0])
                    pair[0] += count
                    pair[1] += missed
                for name in ("by_district", "by_channel", "ratings"):
                    for key, count in figures[name].items():
                        totals[name][key] = totals[name].get(key, 0) + count
                for name in ("first_reply", "resolution"):
                    totals[name]["count"] += figures[name]["count"]
                    totals[name]["hours"] += figures[name]["hours"]
                    for key, count in figures[name]["histogram"].items():
                        histograms[name][int(key)] += count
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    ratings = {str(r): totals["ratings"].get(str(r), 0) for r in range(1, 6)}
    rated = sum(ratings.values())
    return {
        "received": totals["received"],
        "closed": totals["closed"],
        "per_day": [{"day": d, "received": received[d], "closed": closed[d]} for d in days],
        "first_reply": _timing(totals["first_reply"], histograms["first_reply"]),
        "resolution": _timing(totals["resolution"], histograms["resolution"]),
        "overdue": {
            "count": totals["overdue"],
            "share": _share(totals["overdue"], totals["received"]),
            "by_category": [
                {
                    "category": topic,
                    "received": count,
                    "overdue": missed,
                    "share": _share(missed, count),
                }
                for topic, (count, missed) in sorted(totals["by_category"].items())
            ],
        },
        "per_district": dict(sorted(totals["by_district"].items())),
        "per_channel": dict(sorted(totals["by_channel"].items())),
        "repeat_requests": totals["repeat"],
        "duplicates": {
            "merged": totals["merged"],
            "followers": totals["followers"],
            "by_category": [
                {"category": topic, "merged": merged, "followers": following}
                for topic, (merged, following) in sorted(totals["duplicates_by_category"].items())
                if merged or following
            ],
        },
        "satisfaction": {
            "count": rated,
            "average": round(sum(int(r) * n for r, n in ratings.items()) / rated, 2)
            if rated
            else None,
            "by_rating": ratings,
        },
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timing(total: dict[str, Any], histogram: Counter[int]) -> dict[str, Any]:
    count = total["count"]
    if not count:
        return {"count": 0, "average_hours": None, "p90_hours": None}
    rank = 0.9 * count
    seen = 0
    p90 = BOUNDS[-1]
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            p90 = BOUNDS[index]
            break
    return {"count": count, "average_hours": round(total["hours"] / count, 2), "p90_hours": p90}
