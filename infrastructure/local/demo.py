"""``civicdesk demo``: a generated town in the local stack, for a first look, screenshots and the
benchmarks.

Every card is made by the product's own use cases, as if it happened: the intake (routing by the
town's rules, deadlines on its calendar, the receipt), then staff moving it along at later times
(assigned, in progress, a note, resolved, closed; some sent back for clarification), and a
rating for some. They run against an in-memory twin of the card table, a chunk at a time, on a
clock set to each moment; each chunk is then written to the stack's DynamoDB through the same item
builders the DynamoDB adapters write with (``card_items``, ``outbox_item``), 25 items a call, with
the year counters and the owners' workload counters moved on, so later requests number and route
as if the town had really lived those months. Messages of the past are stored as delivered: the
outbox sends nothing for them. Cards still open are watched by the deadline sweep like any other.
"""

from __future__ import annotations

import functools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.card_items import card_item, due_keys, entry_item
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.dynamodb_outbox import outbox_item
from chalicelib.adapters.dynamodb_surveys import survey_item
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.domain.access import Principal
from chalicelib.domain.card import Card, Channel, Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import DomainError
from chalicelib.domain.history import HistoryEntry
from chalicelib.domain.outbox import OutboxMessage, OutboxStatus, delivered
from chalicelib.domain.satisfaction import answer

SEED = Path(__file__).resolve().parents[2] / "chalicelib" / "seed"
CHUNK = 500  # cards made in memory before they are written
BATCH = 25  # BatchWriteItem's limit
WHAT = {
    "roads": ("pothole", "broken asphalt", "a deep hole in the road", "яма на дороге"),
    "lighting": ("streetlight out", "the lamp is dark", "no light at night", "не горит фонарь"),
    "waste": ("missed pickup", "the bins were not emptied", "garbage left", "не вывезли мусор"),
    "parks": ("broken bench", "fallen tree", "playground damaged", "сломана скамейка"),
    "housing": ("leaking roof", "no heating", "broken entrance door", "течёт крыша"),
    "water": ("no water", "burst pipe", "low pressure", "нет воды"),
    "transport": ("bus late", "stop without shelter", "timetable wrong", "автобус опаздывает"),
    "social": ("help with benefits", "care visit", "housing support", "нужна помощь"),
    "other": ("noise at night", "stray dogs", "question about the town", "шум ночью"),
}
FIRST = ("Anna", "Ivan", "Maria", "Pavel", "Olga", "Sergey", "Elena", "Dmitry", "Нина", "Борис")
LAST = ("Ivanova", "Petrov", "Smirnova", "Sokolov", "Kuznetsova", "Orlov", "Волкова", "Фёдоров")


@dataclass
class Seeded:
    cards: int = 0
    items: int = 0
    ratings: int = 0
    refused_steps: int = 0  # staff steps the rules refused (the card stays where it got to)


class _Unmeasured:
    """Telemetry for the generated past: it is not the town's traffic, so no metrics."""

    def card_created(self, *, channel: str, category: str) -> None:
        return None

    def mail_handled(self, *, outcome: str) -> None:
        return None

    def mail_decoded(self, *, steps: Sequence[str]) -> None:
        return None


class _Recording(InMemoryCardRepository):
    """The in-memory twin, remembering each card's last write as the DynamoDB adapter gets it
    (the card before its milestones move on, and the entry that moves them)."""

    def __init__(self, first_numbers: dict[int, int]) -> None:
        super().__init__()
        self._counters.update(first_numbers)
        self.last_write: dict[str, tuple[Card, HistoryEntry]] = {}

    def create(self, card: Card, entry: HistoryEntry, *args: Any, **kwargs: Any) -> None:
        super().create(card, entry, *args, **kwargs)
        self.last_write[card.number] = (card, entry)

    def save(self, card: Card, entry: HistoryEntry, *args: Any, **kwargs: Any) -> None:
        super().save(card, entry, *args, **kwargs)
        self.last_write[card.number] = (card, entry)


def seed_town(
    *,
    cards: int,
    months: int,
    dynamodb: Any,
    settings: Any,
    build: Callable[..., Any],
    seed: int = 2026,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Seeded:
    """Make ``cards`` requests spread over the last ``months`` and write them to ``dynamodb``.
    ``build(cards=..., clock=...)`` wires the product's container over the given ports."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, repeatable
    now = datetime.now(UTC)
    start = now - timedelta(days=30 * months)
    step = (now - start) / max(cards, 1)
    seeded = Seeded()
    made = 0
    while made < cards:
        count = min(CHUNK, cards - made)
        moments = [start + step * (made + i) for i in range(count)]
        repository = _Recording(_counters(dynamodb, settings.table_name, moments))
        clock = ManualClock(moments[0])
        container = build(cards=repository, clock=clock, telemetry=_Unmeasured())
        for at in moments:
            _live_one(container, repository, clock, at, now, rng, seeded)
        items = list(_items(repository, rng, now, seeded))
        _write(dynamodb, settings.table_name, items)
        _move_counters(dynamodb, settings.table_name, repository)
        seeded.items += len(items)
        made += count
        seeded.cards = made
        progress(made, cards)
    return seeded


def _live_one(
    c: Any,
    repository: _Recording,
    clock: ManualClock,
    at: datetime,
    now: datetime,
    rng: random.Random,
    seeded: Seeded,
) -> None:
    from chalicelib.services.commands import Assign, CardCreate, CommentCreate, Transition

    clock.set(at)
    channel = rng.choices([Channel.WEB, Channel.EMAIL, Channel.PHONE], weights=[55, 25, 20])[0]
    receipt = c.intake.submit(
        CardCreate.model_validate(_form(rng, channel)), key=None, channel=channel
    )
    card = receipt.card
    casework = c.casework
    age_days = (now - at).total_seconds() / 86400
    # The last weeks' requests are still being worked on; older ones are closed, but for a
    # few left behind (the overdue list a manager opens).
    if age_days > 45:
        stage = 4 if rng.random() > 0.01 else rng.randint(0, 3)
    else:
        stage = sum(rng.random() < min(0.97, age_days / d) for d in (2, 5, 10, 14))
    manager = _staff(c, card.department, Role.MANAGER)
    executor = _staff(c, card.department, Role.EXECUTOR, rng)
    if manager is None or executor is None:
        return
    steps: list[tuple[Principal, Callable[..., Any], Any]] = []
    if card.executor_id is None:
        steps.append((manager, casework.assign, {"executor_id": executor.staff_id}))
    else:
        executor = _principal_of(c, card.executor_id) or executor
    if stage >= 1:
        steps.append((executor, casework.transition, {"to": Status.IN_PROGRESS}))
    if stage >= 2:
        text = rng.choice(("Crew booked", "Parts ordered", "Checked on site", "Бригада выехала"))
        steps.append((executor, casework.comment, {"text": text}))
    if stage >= 3:
        resolution = rng.choice(("Repaired", "Fixed by the crew", "Done", "Устранено"))
        steps.append(
            (executor, casework.transition, {"to": Status.RESOLVED, "resolution": resolution})
        )
    if stage >= 4:
        steps.append(
            (manager, casework.transition, {"to": Status.CLOSED, "closure_reason": "Done"})
        )
    commands: dict[Any, Any] = {
        casework.assign: Assign,
        casework.transition: Transition,
        casework.comment: CommentCreate,
    }
    moment = at
    for who, action, fields in steps:
        moment += timedelta(hours=rng.uniform(1, 30))
        if moment >= now:
            break
        clock.set(moment)
        try:
            _step(casework, who, card.number, commands[action], action, fields, repository)
        except DomainError:
            seeded.refused_steps += 1
            return


# Why a demo card slipped, as staff explain it before resolving an overdue card.
MISSED_BECAUSE = {"reason": "insufficient_information", "next_step": "reassign"}


def _step(
    casework: Any,
    who: Principal,
    number: str,
    command_type: Any,
    action: Callable[..., Any],
    fields: dict[str, Any],
    repository: _Recording,
) -> None:
    """One staff step; an overdue card gets its miss explained first, as staff must."""
    from chalicelib.domain.errors import TransitionForbidden
    from chalicelib.services.commands import OverdueExplain

    def version() -> int:
        return int(repository.get(number).version)

    try:
        action(who, number, command_type.model_validate({**fields, "version": version()}))
    except TransitionForbidden as held:
        if held.field != "overdue":
            raise
        explain = OverdueExplain.model_validate({**MISSED_BECAUSE, "version": version()})
        casework.explain_overdue(who, number, explain)
        action(who, number, command_type.model_validate({**fields, "version": version()}))


def _items(
    repository: _Recording, rng: random.Random, now: datetime, seeded: Seeded
) -> Iterator[dict[str, Any]]:
    for number, (card, entry) in repository.last_write.items():
        item = card_item(card, entry)
        if card.status == Status.CLOSED:  # a check long ago settled a closed card's deadlines
            for key in due_keys(card):
                item.pop(key, None)
        yield item
        for logged in repository.get_with_history(number)[1]:
            yield entry_item(number, logged)
        stored = repository.get(number)
        if stored.status in (Status.RESOLVED, Status.CLOSED) and rng.random() < 0.3:
            rated = answer(stored, rng.choice((3, 4, 5, 5, 5, 2, 1)), None, at=stored.updated_at)
            seeded.ratings += 1
            yield survey_item(rated)
    for number in repository.last_write:
        for message in repository.outbox.for_card(number):
            yield outbox_item(_as_sent(message, now))


def _as_sent(message: OutboxMessage, now: datetime) -> OutboxMessage:
    if message.status != OutboxStatus.QUEUED:
        return message
    at = min(now, (message.next_attempt_at or message.created_at) + timedelta(seconds=20))
    return delivered(message, at=at, provider_id="demo")


def _write(dynamodb: Any, table: str, items: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(items), BATCH):
        requests = [{"PutRequest": {"Item": i}} for i in items[start : start + BATCH]]
        while requests:
            answer_ = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = answer_.get("UnprocessedItems", {}).get(table, [])


def _counters(dynamodb: Any, table: str, moments: Sequence[datetime]) -> dict[int, int]:
    """Where each year's numbering stands, so that generated numbers follow the real ones."""
    taken = {}
    for year in {m.year for m in moments}:
        got = dynamodb.get_item(
            TableName=table,
            Key={ts.PARTITION_KEY: {"S": ts.counter_pk(year)}, ts.SORT_KEY: {"S": ts.COUNTER_SK}},
        ).get("Item")
        taken[year] = int(got["value"]["N"]) if got else 0
    return taken


def _move_counters(dynamodb: Any, table: str, repository: _Recording) -> None:
    """The numbers used and the open cards each person now owns, as the adapters count them."""
    used = Counter(int(n[:4]) for n in repository.last_write)
    updates = [(ts.counter_pk(year), ts.COUNTER_SK, "value", n) for year, n in used.items()]
    updates += [
        (ts.workload_pk(staff_id), ts.WORKLOAD_SK, "open", n)
        for staff_id, n in repository.open_counts(list(repository._open)).items()
        if n
    ]
    for pk, sk, name, delta in updates:
        dynamodb.update_item(
            TableName=table,
            Key={ts.PARTITION_KEY: {"S": pk}, ts.SORT_KEY: {"S": sk}},
            UpdateExpression="ADD #n :d",
            ExpressionAttributeNames={"#n": name},
            ExpressionAttributeValues={":d": {"N": str(delta)}},
        )


def _form(rng: random.Random, channel: Channel) -> dict[str, Any]:
    category = rng.choice(_categories())
    words = WHAT.get(category.split(".")[0], WHAT["other"])
    street = rng.choice(_streets())
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    contact: dict[str, Any] = {"full_name": name}
    if channel == Channel.PHONE or rng.random() < 0.3:
        contact |= {
            "phone": f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "preferred_channel": "sms",
        }
    else:
        contact |= {
            "email": f"resident{rng.randint(1, 40000)}@example.org",
            "preferred_channel": "email",
        }
    house = rng.randint(1, 120)
    return {
        "subject": f"{rng.choice(words[:3]).capitalize()} at {street} {house}",
        "description": f"{rng.choice(words)} near {street} {house}; {rng.choice(words)}. "
        "Please have a look.",
        "category": category,
        "priority": rng.choices(["low", "normal", "high"], weights=[10, 80, 10])[0],
        "requester": contact,
        "consent": {"accepted": True, "text_version": "2026-01"},
        "location": {"address": f"{street} {house}"},
    }


@functools.cache  # read once, not for every generated request
def _categories() -> list[str]:
    tree = json.loads((SEED / "directory.json").read_text("utf-8"))["categories"]
    return [f"{top['code']}.{leaf['code']}" for top in tree for leaf in top["children"]]


@functools.cache
def _streets() -> list[str]:
    streets = json.loads((SEED / "streets.json").read_text("utf-8"))["streets"]
    return sorted({s["names"][0] for s in streets})


def _staff(
    c: Any, department: str, role: Role, rng: random.Random | None = None
) -> Principal | None:
    members = [m for m in c.directory.staff() if role in m.roles and department in m.departments]
    if not members:
        return None
    return _principal(rng.choice(members) if rng else members[0])


def _principal_of(c: Any, staff_id: str) -> Principal | None:
    member = c.directory.staff_member(staff_id)
    return _principal(member) if member is not None else None


def _principal(member: Any) -> Principal:
    return Principal(
        staff_id=member.id, name=member.name, roles=member.roles, departments=member.departments
    )


def progress_bar(done: int, total: int, started: float) -> None:
    """``[#####     ]  45,000/100,000 cards  1,234/s  about 0:45 left`` on one line."""
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    left = int((total - done) / rate) if rate else 0
    print(
        f"\r[{'#' * filled}{' ' * (width - filled)}] {done:,}/{total:,} cards  "
        f"{rate:,.0f}/s  about {left // 60}:{left % 60:02d} left",
        end="" if done < total else "\n",
        file=sys.stderr,
        flush=True,
    )
