"""One contract, every CardRepository: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.domain import lifecycle, merging
from chalicelib.domain.card import Priority, Reply, ReplyKind, ReplyStatus, Status
from chalicelib.domain.duplicates import Sought, address_key
from chalicelib.domain.errors import ConflictError, NotFound, ValidationFailed
from chalicelib.ports import CardRepository, IdempotencyRecord, MissedDeadline
from tests.conftest import AWS_FIXTURES
from tests.factories import EXECUTOR, submit


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def cards(request, settings) -> Iterator[CardRepository]:
    if request.param == "memory":
        yield InMemoryCardRepository()
    else:
        aws = request.getfixturevalue(AWS_FIXTURES[request.param])
        yield DynamoCardRepository(aws["dynamodb"], settings.table_name)


def test_numbers_are_unique_and_increasing_under_concurrency(cards):
    taken: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(10):
            n = cards.next_number(2026)
            with lock:
                taken.append(n)

    workers = [threading.Thread(target=take) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(taken) == list(range(1, 41))
    assert cards.next_number(2027) == 1
    # About how many cards there are, without reading them (for progress over every card).
    assert cards.numbers_taken(range(2000, 2031)) == 41
    assert cards.numbers_taken([2027, 2027]) == 1
    assert cards.numbers_taken([1999]) == 0


def test_a_card_and_its_history_come_back_as_written(cards, clock, directory):
    card = submit(cards, clock, directory).card
    assert cards.get(card.number) == card
    stored, history = cards.get_with_history(card.number)
    assert stored == card
    assert [e.seq for e in history] == [1]


def test_an_unknown_number_is_not_found(cards):
    with pytest.raises(NotFound):
        cards.get("2026-999999")
    with pytest.raises(NotFound):
        cards.get_with_history("2026-999999")


def test_save_appends_history_and_refuses_a_stale_version(cards, clock, directory):
    card = submit(cards, clock, directory).card
    first = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())
    cards.save(first.card, first.entry)
    # A second writer who also read version 1 loses, and learns the current version.
    rival = lifecycle.comment(card, "Late note", public=False, actor=EXECUTOR.actor, at=clock.now())
    with pytest.raises(ConflictError) as error:
        cards.save(rival.card, rival.entry)
    assert error.value.current_version == 2
    stored, history = cards.get_with_history(card.number)
    assert stored.version == 2
    assert stored.executor_id == "ex-ivan"
    assert [e.action.value for e in history] == ["created", "assigned"]


def test_creating_an_existing_number_or_key_conflicts_and_writes_nothing(cards, clock, directory):
    card = submit(cards, clock, directory, key="k-1").card
    _, entries = cards.get_with_history(card.number)
    other = card.model_copy(update={"number": "2026-000777", "id": "other"})
    stale = IdempotencyRecord(
        key="k-1", request_hash="h", claim="lapsed", claimed_until=clock.now()
    )
    with pytest.raises(ConflictError):
        cards.create(other, entries[0], stale)  # the key is done: the claim is not ours
    with pytest.raises(NotFound):
        cards.get("2026-000777")  # the transaction wrote nothing
    with pytest.raises(ConflictError):
        cards.create(card, entries[0])


def test_idempotency_records_are_found_by_key_and_keep_no_token(cards, clock, directory):
    receipt = submit(cards, clock, directory, key="client-key-9")
    record = cards.find_idempotent("client-key-9")
    assert record is not None
    assert record.card_number == receipt.card.number
    assert record.done
    assert receipt.access_token not in repr(record)
    assert cards.find_idempotent("never-used") is None


def _claim(key: str, claim: str, until) -> IdempotencyRecord:
    return IdempotencyRecord(key=key, request_hash="h", claim=claim, claimed_until=until)


def test_a_key_is_claimed_once_until_its_lease_lapses_and_released_only_by_its_claim(cards, clock):
    now = clock.now()
    first = _claim("k", "first", now + timedelta(seconds=60))
    assert cards.claim_idempotent(first, now=now) == first
    second = _claim("k", "second", now + timedelta(seconds=60))
    standing = cards.claim_idempotent(second, now=now + timedelta(seconds=30))
    assert (standing.claim, standing.done) == ("first", False)
    cards.release_idempotent(second)  # not its claim: nothing happens
    assert cards.find_idempotent("k").claim == "first"
    later = now + timedelta(seconds=61)
    assert cards.claim_idempotent(_claim("k", "third", later), now=later).claim == "third"
    cards.release_idempotent(_claim("k", "third", later))
    assert cards.find_idempotent("k") is None


def test_parallel_claims_of_one_key_have_one_winner(cards, clock):
    now = clock.now()
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        mine = _claim("race", f"c{n}", now + timedelta(seconds=60))
        barrier.wait()
        if cards.claim_idempotent(mine, now=now).claim == mine.claim:
            winners.append(mine.claim)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_queue_puts_urgent_first_then_earliest_deadline_and_paginates(cards, clock, directory):
    made = []
    for priority in ["low", "normal", "urgent", "normal", "high"]:
        clock.advance(timedelta(minutes=1))
        made.append(submit(cards, clock, directory, priority=priority).card)
    submit(cards, clock, directory, category="lighting.streetlight_out")  # another department
    order: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = cards.queue("roads", Status.RECEIVED, limit=2, cursor=cursor)
        order += [c.number for c in page.cards]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    by_priority = sorted(made, key=lambda c: (c.priority.rank, c.first_response_due))
    assert order == [c.number for c in by_priority]
    assert made[2].priority == Priority.URGENT
    assert order[0] == made[2].number
    assert pages >= 3


def test_queue_follows_status_changes(cards, clock, directory):
    card = submit(cards, clock, directory).card
    change = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())
    cards.save(change.card, change.entry)
    moved = lifecycle.transition(
        change.card,
        Status.IN_PROGRESS,
        lifecycle.TransitionDetails(),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(moved.card, moved.entry)
    assert cards.queue("roads", Status.RECEIVED, limit=10).cards == []
    assert [c.number for c in cards.queue("roads", Status.IN_PROGRESS, limit=10).cards] == [
        card.number
    ]


def test_a_forged_cursor_is_a_validation_error(cards):
    with pytest.raises(ValidationFailed):
        cards.queue("roads", Status.RECEIVED, limit=10, cursor="%%%not-base64")


def test_a_written_card_is_due_at_once_and_a_check_moves_or_removes_it(cards, clock, directory):
    first = submit(cards, clock, directory).card
    clock.advance(timedelta(minutes=1))
    second = submit(cards, clock, directory).card
    now = clock.now()
    assert cards.due(now, limit=10).numbers == [first.number, second.number]
    assert cards.set_next_check(first.number, first.version, now + timedelta(hours=2))
    assert cards.set_next_check(second.number, second.version, None)
    assert cards.due(now, limit=10).numbers == []
    assert cards.due(now + timedelta(hours=2), limit=10).numbers == [first.number]
    # A change makes the card due again, whatever its next check was.
    clock.advance(timedelta(minutes=1))
    change = lifecycle.comment(
        first, "Crew booked", public=False, actor=EXECUTOR.actor, at=clock.now()
    )
    cards.save(change.card, change.entry)
    assert cards.due(clock.now(), limit=10).numbers == [first.number]


def test_a_stale_check_does_not_move_a_card_that_changed(cards, clock, directory):
    card = submit(cards, clock, directory).card
    change = lifecycle.comment(card, "Noted", public=False, actor=EXECUTOR.actor, at=clock.now())
    cards.save(change.card, change.entry)
    assert not cards.set_next_check(card.number, card.version, None)
    assert cards.due(clock.now(), limit=10).numbers == [card.number]
    assert not cards.set_next_check("2026-999999", 1, None)


def test_the_due_index_pages_in_time_order_across_time_zones(cards, clock, directory):
    from zoneinfo import ZoneInfo

    numbers = [submit(cards, clock, directory).card.number for _ in range(5)]
    base = clock.now()
    moments = [base + timedelta(minutes=m) for m in (50, 10, 40, 20, 30)]
    zones = ["UTC", "Europe/Moscow", "America/New_York", "Asia/Tokyo", "UTC"]
    for number, moment, zone in zip(numbers, moments, zones, strict=True):
        assert cards.set_next_check(number, 1, moment.astimezone(ZoneInfo(zone)))
    seen: list[str] = []
    cursor = None
    while True:
        page = cards.due(base + timedelta(hours=1), limit=2, cursor=cursor)
        seen.extend(page.numbers)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [numbers[i] for i in (1, 3, 4, 2, 0)]
    assert cards.due(base + timedelta(minutes=20), limit=10).numbers == [numbers[1], numbers[3]]


def test_open_cards_are_counted_per_owner_through_assign_resolve_and_reopen(
    cards, clock, directory
):
    """The counters routing reads follow every write that changes the owner or the status."""
    first = submit(cards, clock, directory).card
    second = submit(cards, clock, directory).card
    assert cards.open_counts(["ex-ivan", "ex-maria"]) == {"ex-ivan": 0, "ex-maria": 0}

    def apply(change: lifecycle.Change) -> None:
        cards.save(change.card, change.entry)

    apply(lifecycle.assign(first, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()))
    apply(lifecycle.assign(second, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()))
    assert cards.open_counts(["ex-ivan", "ex-maria"]) == {"ex-ivan": 2, "ex-maria": 0}

    moved = cards.get(second.number)
    apply(
        lifecycle.assign(
            moved, "ex-maria", "roads", actor=EXECUTOR.actor, at=clock.now(), reason="Ivan is away"
        )
    )
    assert cards.open_counts(["ex-ivan", "ex-maria"]) == {"ex-ivan": 1, "ex-maria": 1}

    working = cards.get(first.number)
    details = lifecycle.TransitionDetails(resolution="Patched", reason="It is back")
    for target in (Status.IN_PROGRESS, Status.RESOLVED):
        working = cards.get(first.number)
        apply(lifecycle.transition(working, target, details, actor=EXECUTOR.actor, at=clock.now()))
    assert cards.open_counts(["ex-ivan"]) == {"ex-ivan": 0}  # resolved is not open
    reopened = lifecycle.transition(
        cards.get(first.number), Status.IN_PROGRESS, details, actor=EXECUTOR.actor, at=clock.now()
    )
    apply(reopened)
    assert cards.open_counts(["ex-ivan"]) == {"ex-ivan": 1}


def test_a_failed_write_leaves_the_counters_alone(cards, clock, directory):
    card = submit(cards, clock, directory).card
    change = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())
    cards.save(change.card, change.entry)
    with pytest.raises(ConflictError):
        cards.save(change.card, change.entry)  # the same version twice: stale
    assert cards.open_counts(["ex-ivan"]) == {"ex-ivan": 1}


def test_open_counts_read_any_number_of_people(cards):
    people = [f"ex-{n:03d}" for n in range(130)]  # more than one BatchGetItem takes
    assert cards.open_counts(people) == dict.fromkeys(people, 0)


def test_the_latest_card_of_a_requester_in_a_category(cards, clock, directory):
    assert cards.latest_from("anna@example.org", "roads.potholes") is None
    first = submit(cards, clock, directory).card
    clock.advance(timedelta(hours=1))
    second = submit(cards, clock, directory).card
    submit(cards, clock, directory, category="lighting.streetlight_out")
    other = submit(
        cards,
        clock,
        directory,
        requester={"full_name": "Boris", "email": "boris@example.org"},
    ).card
    found = cards.latest_from("anna@example.org", "roads.potholes")
    assert found is not None
    assert (found.number, found.created_at) == (second.number, second.created_at)
    assert first.number != found.number
    assert cards.latest_from("boris@example.org", "roads.potholes").number == other.number
    phone_only = submit(
        cards,
        clock,
        directory,
        requester={"full_name": "Vera", "phone": "+7 (900) 111-22-33", "preferred_channel": "sms"},
    ).card
    assert phone_only.requester.contact_key == "tel:79001112233"
    assert cards.latest_from("tel:79001112233", "roads.potholes").number == phone_only.number


def test_a_subtask_is_created_with_its_parent_change_or_not_at_all(cards, clock, directory):
    parent = submit(cards, clock, directory).card
    child = submit(InMemoryCardRepository(), clock, directory).card.model_copy(
        update={"number": "2026-000900", "parent": parent.number, "department": "lighting"}
    )
    linked = lifecycle.comment(
        parent, "Asked lighting", public=False, actor=EXECUTOR.actor, at=clock.now()
    )
    linked_card = linked.card.model_copy(update={"subtasks": (child.number,)})
    created = lifecycle.comment(
        child, "Subtask", public=False, actor=EXECUTOR.actor, at=clock.now()
    )
    child_entry = created.entry.model_copy(update={"seq": 1})
    cards.create_subtask(linked_card, linked.entry, child, child_entry)
    assert cards.get(parent.number).subtasks == (child.number,)
    assert cards.get(child.number).parent == parent.number
    # A stale parent: neither write happens.
    another = child.model_copy(update={"number": "2026-000901"})
    with pytest.raises(ConflictError):
        cards.create_subtask(linked_card, linked.entry, another, child_entry)
    with pytest.raises(NotFound):
        cards.get("2026-000901")


def test_a_phones_cards_are_found_by_its_last_ten_digits_newest_first(cards, clock, directory):
    def by_phone(phone: str, email: str | None = None) -> str:
        requester = {"full_name": "Anna", "phone": phone, "preferred_channel": "sms"}
        if email:
            requester["email"] = email
        number = submit(cards, clock, directory, requester=requester).card.number
        clock.advance(timedelta(minutes=1))
        return number

    first = by_phone("+7 916 123-45-67", email="anna@example.org")
    second = by_phone("8 (916) 123 45 67")
    by_phone("+7 916 000-00-00")
    assert [p.number for p in cards.from_phone("+79161234567", limit=5)] == [second, first]
    assert [p.number for p in cards.from_phone("89161234567", limit=1)] == [second]
    assert cards.from_phone("123", limit=5) == []


def test_the_overdue_list_holds_what_the_check_said_until_the_next_write(cards, clock, directory):
    late = submit(cards, clock, directory).card
    clock.advance(timedelta(minutes=1))
    later = submit(cards, clock, directory).card
    other = submit(cards, clock, directory, category="lighting.streetlight_out").card
    now = clock.now()
    assert cards.overdue("roads", limit=10).cards == []
    missed = {
        late.number: MissedDeadline("roads", now - timedelta(hours=3)),
        later.number: MissedDeadline("roads", now - timedelta(hours=1)),
        other.number: MissedDeadline(other.department, now - timedelta(hours=5)),
    }
    for number, deadline in missed.items():
        assert cards.set_next_check(number, 1, now + timedelta(hours=1), deadline)
    first_page = cards.overdue("roads", limit=1)
    assert [c.number for c in first_page.cards] == [late.number]
    assert first_page.overdue_since == {late.number: now - timedelta(hours=3)}
    rest = cards.overdue("roads", limit=1, cursor=first_page.cursor)
    assert [c.number for c in rest.cards] == [later.number]
    assert [c.number for c in cards.overdue(other.department, limit=10).cards] == [other.number]
    # A check that finds the deadline met takes the card off; so does any write, until its check.
    assert cards.set_next_check(later.number, 1, now + timedelta(hours=1), None)
    change = lifecycle.comment(late, "Crew booked", public=False, actor=EXECUTOR.actor, at=now)
    cards.save(change.card, change.entry)
    assert cards.overdue("roads", limit=10).cards == []


def test_cards_with_a_reply_waiting_for_approval_are_listed_oldest_draft_first(
    cards, clock, directory
):
    def with_reply(card, status: ReplyStatus, drafted_minutes_ago: int):
        change = lifecycle.comment(
            card, "Draft", public=False, actor=EXECUTOR.actor, at=clock.now()
        )
        reply = Reply(
            id="r1",
            kind=ReplyKind.REFUSAL,
            text="We cannot do this.",
            status=status,
            drafted_by="ex-ivan",
            drafted_at=clock.now() - timedelta(minutes=drafted_minutes_ago),
        )
        cards.save(change.card.model_copy(update={"replies": (reply,)}), change.entry)
        return change.card

    newer = with_reply(submit(cards, clock, directory).card, ReplyStatus.AWAITING_APPROVAL, 5)
    older = with_reply(submit(cards, clock, directory).card, ReplyStatus.AWAITING_APPROVAL, 50)
    with_reply(submit(cards, clock, directory).card, ReplyStatus.SENT, 90)
    listed = cards.awaiting_approval("roads", limit=10)
    assert [c.number for c in listed.cards] == [older.number, newer.number]
    assert cards.awaiting_approval("lighting", limit=10).cards == []
    # Approved (sent): off the list with the same write.
    approved = cards.get(older.number)
    change = lifecycle.comment(approved, "Sent", public=False, actor=EXECUTOR.actor, at=clock.now())
    sent = approved.replies[0].model_copy(update={"status": ReplyStatus.SENT})
    cards.save(change.card.model_copy(update={"replies": (sent,)}), change.entry)
    assert [c.number for c in cards.awaiting_approval("roads", limit=10).cards] == [newer.number]


def test_every_card_pages_through_all_cards_with_their_overdue_mark(cards, clock, directory):
    made = [submit(cards, clock, directory).card for _ in range(5)]
    late = made[2]
    assert cards.set_next_check(late.number, 1, None, MissedDeadline("roads", clock.now()))
    seen: list[str] = []
    overdue: dict = {}
    cursor = None
    while True:
        page = cards.every_card(limit=2, cursor=cursor)
        seen += [c.number for c in page.cards]
        overdue.update(page.overdue_since)
        cursor = page.cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(c.number for c in made)
    assert overdue == {late.number: clock.now()}


def test_a_written_card_carries_its_milestones(cards, clock, directory):
    card = submit(cards, clock, directory).card
    change = lifecycle.comment(
        card, "We will come Monday", public=True, actor=EXECUTOR.actor, at=clock.now()
    )
    # A card handed in without its milestones moved (as a raw write would) gets them all the same.
    bare = change.card.model_copy(update={"milestones": card.milestones})
    cards.save(bare, change.entry)
    assert cards.get(card.number).milestones.first_reply_at == clock.now()
    assert cards.get_with_history(card.number)[0].milestones == change.card.milestones


def test_pins_near_a_point_are_open_cards_and_recent_closures_without_the_sensitive(
    cards, clock, directory
):
    from chalicelib.domain import geo

    here = {"address": "Lenina 60", "latitude": 55.7755, "longitude": 37.625}
    old = submit(cards, clock, directory, location=here).card
    closing = lifecycle.transition(
        old,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Repaired"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(closing.card, closing.entry)
    clock.advance(timedelta(weeks=6))
    still_open = submit(cards, clock, directory, location=here).card
    submit(cards, clock, directory, location=here, category="social.benefits")  # sensitive
    submit(cards, clock, directory, location={"address": "Lenina 60"})  # no point
    far = {"latitude": 55.70, "longitude": 37.55}
    submit(cards, clock, directory, location=far)
    cells = geo.around(55.7755, 37.625)
    recent = cards.placed_in(cells, since=clock.now() - timedelta(weeks=4), limit=50)
    assert [p.number for p in recent] == [still_open.number]
    pin = recent[0]
    assert (pin.category, pin.status, pin.finished_at) == ("roads.potholes", Status.RECEIVED, None)
    assert (pin.latitude, pin.longitude) == (55.7755, 37.625)
    everything = cards.placed_in(cells, since=clock.now() - timedelta(weeks=8), limit=50)
    assert [p.number for p in everything] == [still_open.number, old.number]
    assert everything[1].status == Status.CLOSED
    assert everything[1].finished_at == closing.card.updated_at


def test_the_desk_holds_a_departments_open_cards_with_what_the_check_said(cards, clock, directory):
    first = submit(cards, clock, directory).card
    clock.advance(timedelta(minutes=1))
    second = submit(cards, clock, directory, subject="Pothole " + "deep " * 30).card
    elsewhere = submit(cards, clock, directory, category="lighting.streetlight_out").card
    lines = cards.desk("roads")
    assert [r.number for r in lines] == [first.number, second.number]
    assert len(lines[1].subject) == 120  # the line keeps what a queue shows, not the card
    # At intake the line shows the first reply's deadline; the check then says the nearest.
    assert lines[0].deadline == first.first_response_due
    assert lines[0].overdue_since is None
    now = clock.now()
    missed = MissedDeadline("roads", now - timedelta(hours=2))
    assert cards.set_next_check(first.number, 1, now, missed, deadline=now + timedelta(hours=5))
    line = cards.desk("roads")[0]
    assert (line.deadline, line.overdue_since) == (now + timedelta(hours=5), missed.due_at)
    assert [r.number for r in cards.desk(elsewhere.department)] == [elsewhere.number]
    # Closing takes a card off the desk.
    closing = lifecycle.transition(
        second,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Duplicate"),
        actor=EXECUTOR.actor,
        at=now,
    )
    cards.save(closing.card, closing.entry)
    assert [r.number for r in cards.desk("roads")] == [first.number]


def _sought(category: str, latitude: float | None, longitude: float | None, **more) -> Sought:
    return Sought(
        category=category,
        latitude=latitude,
        longitude=longitude,
        address_key=more.get("address_key"),
        words=frozenset(),
        radius_metres=more.get("radius", 250),
    )


def test_twins_are_one_topic_near_a_point_open_or_recently_finished(cards, clock, directory):
    here = {"address": "Lenina 5", "latitude": 55.7755, "longitude": 37.625}
    first = submit(cards, clock, directory, location=here).card
    clock.advance(timedelta(minutes=5))
    near = {"address": "Lenina 7", "latitude": 55.7757, "longitude": 37.6252}
    second = submit(cards, clock, directory, location=near, subject="Hole by the stop").card
    submit(cards, clock, directory, location=here, category="lighting.streetlight_out")
    submit(cards, clock, directory, location={"latitude": 55.70, "longitude": 37.55})
    # Sensitive topics are never filed for the look-up (about a person, not a place).
    submit(cards, clock, directory, location=here, category="social.benefits")
    # Without a point, a card is filed at its address (spelled another way here).
    no_point = submit(cards, clock, directory, location={"address": "ул. Ленина, д. 5"}).card
    found = cards.twins(
        _sought("roads.potholes", 55.7755, 37.625, address_key=address_key("Ленина 5")),
        since=clock.now() - timedelta(days=30),
        limit=50,
    )
    assert sorted(t.number for t in found) == sorted([first.number, second.number, no_point.number])
    line = next(t for t in found if t.number == second.number)
    assert (line.category, line.status, line.finished_at) == (
        "roads.potholes",
        Status.RECEIVED,
        None,
    )
    assert (line.latitude, line.longitude, line.address) == (55.7757, 37.6252, "Lenina 7")
    assert {"hole", "stop"} <= line.words  # stems, not the text
    assert next(t for t in found if t.number == no_point.number).latitude is None
    # A card finished long ago is not read; one finished lately is.
    closing = lifecycle.transition(
        first,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(closing.card, closing.entry)
    clock.advance(timedelta(days=10))
    sought = _sought("roads.potholes", 55.7755, 37.625)
    recent = cards.twins(sought, since=clock.now() - timedelta(days=30), limit=50)
    assert first.number in {t.number for t in recent}
    lately = cards.twins(sought, since=clock.now() - timedelta(days=5), limit=50)
    assert first.number not in {t.number for t in lately}


def test_save_together_writes_both_cards_or_neither(cards, clock, directory):
    main = submit(cards, clock, directory).card
    card = submit(cards, clock, directory, subject="Same pothole").card
    pair = merging.merge(card, main, actor=EXECUTOR.actor, at=clock.now())
    # The main card moved on meanwhile: neither card is written.
    moved = lifecycle.comment(main, "Crew sent", public=False, actor=EXECUTOR.actor, at=clock.now())
    cards.save(moved.card, moved.entry)
    with pytest.raises(ConflictError) as error:
        cards.save_together([(pair.card.card, pair.card.entry), (pair.main.card, pair.main.entry)])
    assert error.value.current_version == 2
    assert cards.get(card.number).merged_into is None
    assert [e.action.value for e in cards.get_with_history(card.number)[1]] == ["created"]
    # Read again, the merge goes through: both cards and both entries.
    pair = merging.merge(card, cards.get(main.number), actor=EXECUTOR.actor, at=clock.now())
    cards.save_together([(pair.card.card, pair.card.entry), (pair.main.card, pair.main.entry)])
    merged, history = cards.get_with_history(card.number)
    assert (merged.status, merged.duplicate_of) == (Status.CLOSED, main.number)
    assert history[-1].action.value == "merged"
    stored_main = cards.get(main.number)
    assert stored_main.merged == (card.number,)
    assert stored_main.version == 3
    # A merged card is no longer a candidate: its main card stands for it.
    found = cards.twins(
        _sought("roads.potholes", 55.751, 37.618), since=clock.now() - timedelta(days=30), limit=50
    )
    assert [t.number for t in found] == [main.number]


def test_requested_lines_are_the_public_requests_of_a_range_newest_first(cards, clock, directory):
    from datetime import UTC, datetime

    clock.set(datetime(2026, 1, 30, 23, 0, tzinfo=UTC))
    january = submit(cards, clock, directory).card
    clock.advance(timedelta(days=2))  # into February
    february = submit(cards, clock, directory, category="lighting.streetlight_out").card
    submit(cards, clock, directory, category="social.benefits")  # sensitive: never listed
    start, end = clock.now() - timedelta(days=10), clock.now()
    found = cards.requested(start, end, limit=10)
    assert [line.number for line in found] == [february.number, january.number]
    line = found[1]
    assert (line.category, line.status, line.department) == (
        "roads.potholes",
        Status.RECEIVED,
        "roads",
    )
    assert (line.latitude, line.longitude, line.address) == (55.751, 37.618, "Lenina 5")
    assert [line.number for line in cards.requested(start, end, limit=1)] == [february.number]
    lamps = cards.requested(
        start, end, limit=10, wanted=lambda line: line.category.startswith("lighting")
    )
    assert [line.number for line in lamps] == [february.number]
    assert cards.requested(start, start + timedelta(days=1), limit=10) == []


def test_updates_are_the_public_status_changes_of_a_period_oldest_first(cards, clock, directory):
    card = submit(cards, clock, directory).card
    hidden = submit(cards, clock, directory, category="social.benefits").card
    start = clock.now()
    clock.advance(timedelta(minutes=5))
    owned = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())
    cards.save(owned.card, owned.entry)  # no status change: no update
    moved = lifecycle.transition(
        owned.card,
        Status.IN_PROGRESS,
        lifecycle.TransitionDetails(),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(moved.card, moved.entry)
    secret = lifecycle.transition(
        hidden,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Handled"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(secret.card, secret.entry)
    clock.advance(timedelta(minutes=5))
    closing = lifecycle.transition(
        moved.card,
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    cards.save(closing.card, closing.entry)
    found = cards.updates(start, clock.now(), limit=10)
    assert [(u.number, u.status, u.notes) for u in found] == [
        (card.number, Status.IN_PROGRESS, None),
        (card.number, Status.CLOSED, "Patched"),
    ]
    assert cards.updates(start, clock.now(), limit=1)[0].status == Status.IN_PROGRESS
    assert cards.updates(start - timedelta(days=1), start, limit=10) == []


def test_shares_of_every_card_are_disjoint_and_cover_them_all(cards, clock, directory):
    made = {submit(cards, clock, directory).card.number for _ in range(12)}
    seen: list[str] = []
    for share in range(4):
        cursor = None
        while True:
            page = cards.every_card(limit=3, cursor=cursor, segment=(share, 4))
            seen += [c.number for c in page.cards]
            cursor = page.cursor
            if cursor is None:
                break
    assert sorted(seen) == sorted(made)  # each card once


def test_cards_of_a_contact_are_found_by_its_key(cards, clock, directory):
    olga = {"full_name": "Olga", "email": "Olga@Example.org", "preferred_channel": "email"}
    mine = [submit(cards, clock, directory, requester=olga).card.number for _ in range(2)]
    submit(cards, clock, directory)
    assert cards.of_contact("olga@example.org") == sorted(mine)
    assert cards.of_contact("nobody@example.org") == []


def test_a_rewrite_replaces_the_history_then_saves_the_card_at_its_version(cards, clock, directory):
    from chalicelib.domain.erasure import REMOVED, ErasureReason, erase
    from chalicelib.domain.history import SYSTEM

    card = submit(cards, clock, directory).card
    for n in range(30):  # more entries than one batch of writes holds
        noted = lifecycle.comment(
            cards.get(card.number),
            f"call anna@example.org ({n})",
            public=False,
            actor=EXECUTOR.actor,
            at=clock.now(),
        )
        cards.save(noted.card, noted.entry)
    stored, history = cards.get_with_history(card.number)
    done = erase(
        stored, history, reason=ErasureReason.RETENTION, by=SYSTEM, note="old", at=clock.now()
    )
    # Someone else changed the card first: the card is refused, nothing is marked.
    moved = lifecycle.comment(
        stored, "one more", public=False, actor=EXECUTOR.actor, at=clock.now()
    )
    cards.save(moved.card, moved.entry)
    with pytest.raises(ConflictError):
        cards.rewrite(done.card, done.history, done.entry)
    assert cards.get(card.number).personal_data_removed_at is None
    # Read again and erased: every entry rewritten, the card saved with its entry.
    stored, history = cards.get_with_history(card.number)
    done = erase(
        stored, history, reason=ErasureReason.RETENTION, by=SYSTEM, note="old", at=clock.now()
    )
    cards.rewrite(done.card, done.history, done.entry)
    after, entries = cards.get_with_history(card.number)
    assert after.personal_data_removed_at == clock.now()
    assert after.version == stored.version + 1
    assert [e.seq for e in entries] == list(range(1, after.version + 1))
    assert "anna@example.org" not in repr(entries)
    assert entries[1].internal_note is not None
    assert entries[1].internal_note.text == f"call {REMOVED} (0)"
    assert cards.of_contact("anna@example.org") == []
