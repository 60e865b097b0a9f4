"""One contract, every MailLog: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib.adapters.dynamodb_mail import DynamoMailLog
from chalicelib.adapters.memory_mail import InMemoryMailLog
from chalicelib.domain.inbound_mail import MailClaim
from tests.conftest import AWS_FIXTURES


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def backend(request, settings):
    if request.param == "memory":
        return InMemoryMailLog()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoMailLog(aws["dynamodb"], settings.table_name)


LEASE = timedelta(seconds=90)


def _claim(log, message_id: str, clock, digest: str = "d1") -> MailClaim:
    return log.claim(message_id, digest, at=clock.now(), lease=LEASE)


def test_a_mail_is_claimed_once_even_under_concurrent_delivery(backend, clock):
    log = backend
    wins: list[MailClaim] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        wins.append(_claim(log, "<dup@example.org>", clock))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted([MailClaim.OURS] + [MailClaim.AT_WORK] * 3)


def test_a_claim_whose_delivery_died_is_taken_over_after_its_lease(backend, clock):
    log = backend
    assert _claim(log, "<m@example.org>", clock) == MailClaim.OURS
    clock.advance(LEASE - timedelta(seconds=1))
    assert _claim(log, "<m@example.org>", clock) == MailClaim.AT_WORK
    clock.advance(timedelta(seconds=2))
    assert _claim(log, "<m@example.org>", clock) == MailClaim.TAKEN_OVER  # the retry
    log.settle("<m@example.org>", outcome="created", card_number="2026-000001")
    clock.advance(LEASE * 2)
    assert _claim(log, "<m@example.org>", clock) == MailClaim.HANDLED  # settled: a duplicate


def test_a_different_mail_or_one_of_ours_behind_a_message_id_is_told_apart(backend, clock):
    log = backend
    assert _claim(log, "<reused@example.org>", clock, "first") == MailClaim.OURS
    assert _claim(log, "<reused@example.org>", clock, "second") == MailClaim.OTHER_MAIL
    log.settle("<reused@example.org>", outcome="created", card_number="2026-000001")
    assert _claim(log, "<reused@example.org>", clock, "second") == MailClaim.OTHER_MAIL
    assert _claim(log, "<reused@example.org>", clock, "first") == MailClaim.HANDLED
    log.remember_sent("<ours@town.example>", "2026-000001", at=clock.now())
    assert _claim(log, "<ours@town.example>", clock) == MailClaim.OTHER_MAIL


def test_settled_and_sent_records_are_found_in_the_order_asked(backend, clock):
    log = backend
    assert _claim(log, "<in-1@example.org>", clock) == MailClaim.OURS
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
    assert _claim(log, "<retry@example.org>", clock) == MailClaim.OURS
    assert _claim(log, "<retry@example.org>", clock) == MailClaim.AT_WORK
    log.release("<retry@example.org>")
    # At once, and as a retry: the failed attempt may have done part of its work.
    assert _claim(log, "<retry@example.org>", clock) == MailClaim.TAKEN_OVER


def test_bounced_addresses_are_remembered_case_insensitively(backend, clock):
    log = backend
    assert not log.is_undeliverable("gone@example.org")
    log.mark_undeliverable("Gone@Example.org", at=clock.now())
    assert log.is_undeliverable("gone@example.org")
    assert not log.is_undeliverable("here@example.org")


def test_an_address_is_forgotten_on_request(backend, clock):
    log = backend
    log.mark_undeliverable("gone@example.org", at=clock.now())
    log.mark_undeliverable("other@example.org", at=clock.now())
    log.forget_address("Gone@Example.org")
    assert not log.is_undeliverable("gone@example.org")
    assert log.is_undeliverable("other@example.org")
    log.forget_address("never@example.org")  # nothing kept: nothing to do
