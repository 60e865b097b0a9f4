"""One contract, every Outbox: the in-memory twin and DynamoDB under moto. New messages go in
with the card change that causes them, in the same write."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb_cards import DynamoCardRepository
from chalicelib.adapters.dynamodb_outbox import DynamoOutbox
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Status
from chalicelib.domain.errors import ConflictError, NotFound
from chalicelib.domain.outbox import OutboxStatus, attempt_failed, claimed, delivered
from tests.conftest import AWS_FIXTURES, START
from tests.factories import EXECUTOR, notifier, submit


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def post(request, settings, directory):
    if request.param == "memory":
        cards = InMemoryCardRepository()
        outbox = cards.outbox
    else:
        aws = request.getfixturevalue(AWS_FIXTURES[request.param])
        cards = DynamoCardRepository(aws["dynamodb"], settings.table_name)
        outbox = DynamoOutbox(aws["dynamodb"], settings.table_name)
    return cards, outbox, notifier(directory)


def test_a_message_is_written_with_the_card_and_read_back_whole(post, clock, directory):
    cards, outbox, notify = post
    card = submit(cards, clock, directory, notify=notify).card
    (message,) = outbox.for_card(card.number)
    assert outbox.get(message.id) == message
    assert outbox.due(START, limit=10) == [message]
    with pytest.raises(NotFound):
        outbox.get("2026-000999.0001.receipt")


def test_a_refused_change_writes_no_message(post, clock, directory):
    cards, outbox, notify = post
    card = submit(cards, clock, directory).card
    card = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=START).card
    change = lifecycle.transition(
        card,
        Status.NEEDS_CLARIFICATION,
        lifecycle.TransitionDetails(question="Which house?"),
        actor=EXECUTOR.actor,
        at=START,
    )
    # Someone else saved version 2 first: the stale change and its message are both refused.
    with pytest.raises(ConflictError):
        cards.save(change.card, change.entry, notify.for_change(card, change))
    assert outbox.for_card(card.number) == []


def test_due_lists_earliest_first_up_to_the_time_and_limit(post, clock, directory):
    cards, outbox, notify = post
    numbers = []
    for _ in range(3):
        numbers.append(submit(cards, clock, directory, notify=notify).card.number)
        clock.advance(timedelta(minutes=1))
    due = outbox.due(START + timedelta(minutes=1), limit=10)
    assert [m.card_number for m in due] == numbers[:2]
    assert [m.card_number for m in outbox.due(START + timedelta(hours=1), limit=1)] == numbers[:1]


def test_an_update_needs_the_version_it_read_and_leaves_the_queue_when_sent(post, clock, directory):
    cards, outbox, notify = post
    number = submit(cards, clock, directory, notify=notify).card.number
    (message,) = outbox.for_card(number)
    held = claimed(message, at=START)
    outbox.update(held)
    with pytest.raises(ConflictError):
        outbox.update(claimed(message, at=START))  # a second sender, from the same read
    assert outbox.due(START, limit=10) == []  # leased
    outbox.update(delivered(held, at=START, provider_id="ses-1"))
    assert outbox.due(START + timedelta(days=1), limit=10) == []
    assert outbox.get(message.id).status == OutboxStatus.SENT


def test_failed_messages_are_listed_for_a_rerun(post, clock, directory):
    cards, outbox, notify = post
    number = submit(cards, clock, directory, notify=notify).card.number
    (message,) = outbox.for_card(number)
    for _ in message.destinations:
        message = attempt_failed(message, at=START, error="refused", permanent=True)
    outbox.update(message.model_copy(update={"version": 2}))
    (failed,) = outbox.failed(limit=10)
    assert failed.status == OutboxStatus.FAILED
    assert outbox.due(START + timedelta(days=1), limit=10) == []


def test_a_settled_message_expires_after_the_towns_retention_and_a_waiting_one_never(
    aws, settings, clock, directory
):
    from chalicelib.adapters import table_schema as ts
    from chalicelib.adapters.retention_config import shipped_retention
    from chalicelib.domain.retention import RetentionPolicy

    assert shipped_retention().outbox_days == 180  # the town's file, checked on load
    cards = DynamoCardRepository(aws["dynamodb"], settings.table_name)
    outbox = DynamoOutbox(aws["dynamodb"], settings.table_name, RetentionPolicy(outbox_days=30))
    card = submit(cards, clock, directory, notify=notifier(directory)).card
    (waiting,) = outbox.for_card(card.number)

    def stored() -> dict:
        key = {ts.PARTITION_KEY: {"S": ts.outbox_pk(card.number)}, ts.SORT_KEY: {"S": waiting.id}}
        return aws["dynamodb"].get_item(TableName=settings.table_name, Key=key)["Item"]

    assert ts.TTL_ATTRIBUTE not in stored()
    held = claimed(waiting, at=START)
    outbox.update(held)
    assert ts.TTL_ATTRIBUTE not in stored()  # still to be sent
    sent = delivered(held, at=START + timedelta(minutes=1), provider_id="ses-1")
    outbox.update(sent)
    expires = int(stored()[ts.TTL_ATTRIBUTE]["N"])
    assert expires == int((sent.updated_at + timedelta(days=30)).timestamp())


def test_forgetting_a_card_deletes_its_messages_and_no_others(post, clock, directory):
    cards, outbox, notify = post
    mine = submit(cards, clock, directory, notify=notify).card
    other = submit(cards, clock, directory, notify=notify).card
    assert len(outbox.for_card(mine.number)) == 1
    assert outbox.forget_card(mine.number) == 1
    assert outbox.for_card(mine.number) == []
    assert outbox.due(START + timedelta(days=1), limit=10) == outbox.for_card(other.number)
    assert outbox.forget_card(mine.number) == 0
