"""One contract, every MailLog: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import threading

import pytest

from chalicelib.adapters.dynamodb_mail import DynamoMailLog
from chalicelib.adapters.memory_mail import InMemoryMailLog
from tests.conftest import AWS_FIXTURES


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def backend(request, settings):
    if request.param == "memory":
        return InMemoryMailLog()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoMailLog(aws["dynamodb"], settings.table_name)


def test_a_mail_is_claimed_once_even_under_concurrent_delivery(backend, clock):
    log = backend
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        wins.append(log.claim("<dup@example.org>", at=clock.now()))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, False, False, True]


def test_settled_and_sent_records_are_found_in_the_order_asked(backend, clock):
    log = backend
    assert log.claim("<in-1@example.org>", at=clock.now())
    log.settle("<in-1@example.org>", outcome="created", card_number="2026-000001")
    log.remember_sent("<out-1@town.example>", "2026-000001", at=clock.now())
    found = log.find(
        ("<nope@x>", "<out-1@town.example>", "<in-1@example.org>", "<out-1@town.example>")
    )
    assert [(r.message_id, r.card_number, r.outcome) for r in found] == [
        ("<out-1@town.example>", "2026-000001", "sent"),
        ("<in-1@example.org>", "2026-000001", "created"),
    ]
    assert log.find(()) == []


def test_a_released_claim_can_be_claimed_again(backend, clock):
    log = backend
    assert log.claim("<retry@example.org>", at=clock.now())
    log.release("<retry@example.org>")
    assert log.claim("<retry@example.org>", at=clock.now())


def test_bounced_addresses_are_remembered_case_insensitively(backend, clock):
    log = backend
    assert not log.is_undeliverable("gone@example.org")
    log.mark_undeliverable("Gone@Example.org", at=clock.now())
    assert log.is_undeliverable("gone@example.org")
    assert not log.is_undeliverable("here@example.org")
