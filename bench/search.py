"""Local search latency at 100,000 cards (the embedded index the local stack uses).

Prints the time to build the index and, per kind of query, the median and 95th percentile
latency over repeated runs, with the hits found. Figures, not asserts: machines are noisy.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.adapters.embedded_search import EmbeddedSearchIndex
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.search import Scope, SearchDoc, SearchFilters, SearchQuery

CARDS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RUNS = 30
TOPICS = {
    "lighting.streetlight_out": ("lighting", ["streetlight", "lamp", "dark", "фонарь", "темно"]),
    "roads.potholes": ("roads", ["pothole", "asphalt", "hole", "яма", "асфальт"]),
    "waste.missed_pickup": ("sanitation", ["garbage", "bin", "pickup", "мусор", "контейнер"]),
    "parks.benches": ("parks", ["bench", "park", "broken", "скамейка", "парк"]),
}
STREETS = ["Lenina", "Mira", "Gagarina", "Pushkina", "Sadovaya", "Ленина", "Мира", "Садовая"]
FILLER = [
    "the",
    "near",
    "by",
    "at",
    "on",
    "with",
    "after",
    "since",
    "morning",
    "evening",
    "residents",
    "please",
    "fix",
    "soon",
]
TOWN = Scope(
    everything=True, departments=frozenset(), private_departments=frozenset(), staff_id="o"
)
ROADS = Scope(
    everything=False,
    departments=frozenset({"roads"}),
    private_departments=frozenset({"roads"}),
    staff_id="ex-ivan",
)


def docs(count: int) -> list[SearchDoc]:
    rng = random.Random(7)  # noqa: S311 - repeatable made-up data
    start = datetime(2022, 1, 1, tzinfo=UTC)
    made = []
    for n in range(1, count + 1):
        category, (department, words) = rng.choice(list(TOPICS.items()))
        street = rng.choice(STREETS)
        text = " ".join(rng.choices(words, k=3) + rng.choices(FILLER, k=12))
        created = start + timedelta(minutes=n * 20)
        made.append(
            SearchDoc(
                id=f"card-{n}",
                number=f"{created.year}-{n:06d}",
                version=1,
                subject=f"{words[0].title()} on {street}",
                status=rng.choice(list(Status)),
                category=category,
                category_top=category.split(".")[0],
                department=department,
                district=f"d{rng.randint(1, 12)}",
                channel=rng.choice([Channel.WEB, Channel.EMAIL, Channel.PHONE]),
                created_at=created,
                updated_at=created,
                overdue=rng.random() < 0.05,
                sensitive=False,
                executor_id=None,
                open_text={
                    "subject": f"{words[0]} {street}",
                    "description": text,
                    "address": f"{street} {rng.randint(1, 90)}",
                    "people": "Resident",
                },
                private_text={},
            )
        )
    return made


def timed(index: EmbeddedSearchIndex, query: SearchQuery, scope: Scope) -> tuple[float, float, int]:
    times = []
    total = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        total = index.search(query, scope).total
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], total


def main() -> None:
    made = docs(CARDS)
    index = EmbeddedSearchIndex()
    started = time.perf_counter()
    for at in range(0, len(made), 500):
        index.index(made[at : at + 500])
    built = time.perf_counter() - started
    print(f"Embedded search index, {CARDS:,} cards")
    print(f"  build: {built:.1f} s ({CARDS / built:,.0f} cards/s, stems cached per word)")
    cases = [
        ("one common word", SearchQuery("pothole"), TOWN),
        ("two words, EN", SearchQuery("streetlight Lenina"), TOWN),
        ("two words, RU forms", SearchQuery("фонари ленина"), TOWN),
        ("rare word", SearchQuery("kiosk"), TOWN),
        (
            "words + filters",
            SearchQuery("asphalt", SearchFilters(status=(Status.IN_PROGRESS,), district=("d3",))),
            TOWN,
        ),
        ("no words, newest first", SearchQuery(""), TOWN),
        ("department scope", SearchQuery("Mira"), ROADS),
        ("deep page (offset 5,000)", SearchQuery("pothole", offset=5000), TOWN),
    ]
    print(f"  query latency over {RUNS} runs, with facet counts over every match:")
    for name, query, scope in cases:
        median, p95, total = timed(index, query, scope)
        print(f"    {name:<28} median {median:7.1f} ms   p95 {p95:7.1f} ms   {total:>7,} found")


if __name__ == "__main__":
    main()
