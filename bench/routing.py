"""Routing decisions per second with 500 rules and 50 districts, and the DynamoDB reads one
decision makes as the number of cards grows (issue 5's target: constant).

Part 1 runs in-process on the in-memory twins: where the time goes (placing the card,
choosing the rule, the whole decision), and, in the same run, the rules tried one by one with
no topic index, as a ratio. Part 2 runs the deployed adapters under moto with 100 and then
5,000 cards already in the table and counts AWS calls and items read per decision.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.moto_env  # noqa: F401  (first: the environment boto3 and Powertools read)
from bench.api_calls import CallCounter

DISTRICTS = 50
RULES = 500
ARRIVALS = 5_000
MONDAY_NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def main() -> None:
    directory, rules = _town()
    arrivals = _arrivals(directory, random.Random(5))  # noqa: S311 - sampling, not secrets
    _speed(directory, rules, arrivals)
    for cards in (100, 5_000):
        _reads(directory, rules, arrivals, cards)


def _town() -> tuple[Any, Any]:
    """The seed town's departments, topics and staff with 50 districts (16-sided polygons on a
    grid, a street each) and 500 rules: ten topics in each district, then the shipped rules."""
    import json

    from chalicelib.adapters.rules_config import load_seed_rules
    from chalicelib.adapters.static_directory import SEED_PATH, DirectoryDocument, StaticDirectory
    from chalicelib.domain.directory import LocalizedName
    from chalicelib.domain.routing import Rule, RuleSet
    from chalicelib.domain.territory import District, StreetEntry, Territory

    districts, streets = [], []
    for n in range(DISTRICTS):
        cx, cy = 37.0 + (n % 10) * 0.1, 55.0 + (n // 10) * 0.1
        ring = tuple(
            (cx + 0.05 * math.cos(2 * math.pi * k / 16), cy + 0.05 * math.sin(2 * math.pi * k / 16))
            for k in range(17)
        )
        districts.append(
            District(f"d{n}", LocalizedName(en=f"District {n}", ru=f"Район {n}"), ((ring,),))
        )
        streets.append(StreetEntry(names=(f"Street {n}",), district=f"d{n}"))
    document = DirectoryDocument.model_validate(json.loads(SEED_PATH.read_text("utf-8")))
    directory = StaticDirectory(document, Territory(districts, streets))
    tree = directory.categories()
    topics = tree.leaf_codes[:10]
    per_district = [
        Rule(
            id=f"r{n}-{i}",
            categories=(code,),
            districts=(f"d{n}",),
            department=tree.department_for(code),
        )
        for n in range(DISTRICTS)
        for i, code in enumerate(topics)
    ][: RULES - len(load_seed_rules(MONDAY_NOON).rules)]
    seed = load_seed_rules(MONDAY_NOON)
    ruleset = RuleSet(
        version=1,
        triage_department="front_office",
        rules=(*per_district, *seed.rules),
        saved_at=MONDAY_NOON,
        saved_by="bench",
    )
    assert len(ruleset.rules) == RULES
    return directory, ruleset


def _arrivals(directory: Any, rng: random.Random) -> list[Any]:
    from chalicelib.domain.card import Location, Priority, Requester
    from chalicelib.services.routing import Arrival

    codes = directory.categories().leaf_codes
    made = []
    for i in range(ARRIVALS):
        n = rng.randrange(DISTRICTS)
        if i % 3:
            location = Location(
                latitude=55.0 + (n // 10) * 0.1 + rng.uniform(-0.03, 0.03),
                longitude=37.0 + (n % 10) * 0.1 + rng.uniform(-0.03, 0.03),
            )
        else:
            location = Location(address=f"Street {n}, {rng.randint(1, 90)}")
        made.append(
            Arrival(
                category=rng.choice(codes),
                priority=Priority.NORMAL,
                requester=Requester(
                    full_name="Resident",
                    email=f"resident{i}@example.org",
                    preferred_channel="email",
                ),
                location=location,
                at=MONDAY_NOON + timedelta(minutes=i),
            )
        )
    return made


def _rate(work: Callable[[Any], object], items: list[Any]) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return len(items) / (time.perf_counter() - started)


def _speed(directory: Any, ruleset: Any, arrivals: list[Any]) -> None:
    from chalicelib.adapters.calendar_config import load_seed_calendar
    from chalicelib.adapters.memory_cards import InMemoryCardRepository
    from chalicelib.adapters.memory_rules import InMemoryRoutingRules
    from chalicelib.domain.card import RequesterKind
    from chalicelib.domain.routing import CardFacts, CompiledRules, Rule, matches
    from chalicelib.services.routing import RoutingPolicy, moment_of, place, router

    calendar = load_seed_calendar()
    territory = directory.territory()
    compiled = CompiledRules(ruleset)
    placed = [place(a.location, territory) for a in arrivals]
    facts = [
        CardFacts(
            category=a.category,
            district=p.district if p else None,
            requester_kind=RequesterKind.INDIVIDUAL,
            moment=moment_of(a.at, calendar),
        )
        for a, p in zip(arrivals, placed, strict=True)
    ]

    def one_by_one(card: CardFacts) -> Rule | None:
        """Every rule in order, no topic index: what a plain loop over the rules costs."""
        return next((rule for rule in ruleset.rules if matches(rule, card)), None)

    assert [one_by_one(f) for f in facts[:500]] == [compiled.first_match(f) for f in facts[:500]]
    place_rate = _rate(lambda a: place(a.location, territory), arrivals)
    indexed = _rate(compiled.first_match, facts)
    plain = _rate(one_by_one, facts)
    route = router(
        rules=InMemoryRoutingRules(lambda: ruleset),
        cards=InMemoryCardRepository(),
        directory=directory,
        policy=RoutingPolicy(calendar=calendar),
    )
    whole = _rate(route, arrivals)
    triaged = sum(1 for f in facts if compiled.first_match(f) is None)
    print(
        f"routing, {RULES} rules, {DISTRICTS} districts, {ARRIVALS:,} cards "
        f"({triaged} to triage): placing {place_rate:,.0f}/s; choosing the rule "
        f"{indexed:,.0f}/s (tried one by one: {plain:,.0f}/s, {indexed / plain:.1f}x slower); "
        f"whole decision on in-memory ports {whole:,.0f}/s"
    )


def _reads(directory: Any, ruleset: Any, arrivals: list[Any], existing: int) -> None:
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.calendar_config import load_seed_calendar
    from chalicelib.adapters.card_items import card_item
    from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
    from chalicelib.adapters.dynamodb_rules import DynamoRoutingRules
    from chalicelib.services.routing import RoutingPolicy, router
    from chalicelib.settings import Settings
    from infrastructure.local.resources import ensure_resources

    settings = Settings.from_env({})
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        ensure_resources(settings, dynamodb=dynamodb, s3=boto3.client("s3"))
        _fill(dynamodb, settings.table_name, existing, card_item)
        cards = DynamoCardRepository(dynamodb, settings.table_name)
        route = router(
            rules=DynamoRoutingRules(dynamodb, settings.table_name, seed=lambda: ruleset),
            cards=cards,
            directory=directory,
            policy=RoutingPolicy(calendar=load_seed_calendar()),
        )
        route(arrivals[0])  # first use stores the rules and warms the cache
        counter = CallCounter()
        counter.attach(dynamodb)
        decisions = 50
        for arrival in arrivals[1 : decisions + 1]:
            route(arrival)
        calls, items = counter.take()
        print(
            f"  with {existing:,} cards in the table: per decision "
            f"{sum(calls.values()) / decisions:.1f} AWS calls "
            f"({', '.join(f'{k} {v / decisions:.1f}' for k, v in sorted(calls.items()))}), "
            f"{items / decisions:.1f} items read"
        )


def _fill(dynamodb: Any, table: str, count: int, card_item: Any) -> None:
    from chalicelib.domain.card import Card, Channel, ContactChannel, Priority, Requester
    from chalicelib.domain.history import SYSTEM, Action, HistoryEntry

    batch = []
    for sequence in range(1, count + 1):
        at = MONDAY_NOON - timedelta(days=1, minutes=sequence)
        card = Card(
            id=f"card-{sequence}",
            number=f"2026-{sequence:06d}",
            channel=Channel.WEB,
            subject="Pothole",
            description="A pothole by the stop",
            category="roads.potholes",
            priority=Priority.NORMAL,
            requester=Requester(
                full_name="Bench",
                preferred_channel=ContactChannel.EMAIL,
                email=f"old{sequence}@example.org",
            ),
            consent=None,
            department="roads",
            executor_id="ex-ivan" if sequence % 2 else "ex-maria",
            created_at=at,
            updated_at=at,
            first_response_due=at + timedelta(days=1),
            access_token_hash="0" * 64,
        )
        created = HistoryEntry(seq=1, at=at, actor=SYSTEM, action=Action.CREATED)
        batch.append({"PutRequest": {"Item": card_item(card, created)}})
        if len(batch) == 25:
            dynamodb.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        dynamodb.batch_write_item(RequestItems={table: batch})
    # The open-card counters the card writes would have kept.
    for staff_id, open_cards in (("ex-ivan", (count + 1) // 2), ("ex-maria", count // 2)):
        dynamodb.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"WORKLOAD#{staff_id}"},
                "sk": {"S": "#WORKLOAD"},
                "open": {"N": str(open_cards)},
            },
        )


if __name__ == "__main__":
    main()
