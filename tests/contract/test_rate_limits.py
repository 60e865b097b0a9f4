"""One contract, every RateLimiter: the in-memory twin and DynamoDB under moto."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb_rate_limits import DynamoRateLimiter
from chalicelib.adapters.memory_rate_limits import InMemoryRateLimiter
from chalicelib.domain.rate_limits import Allowance, Limits, RateLimit, Window
from tests.conftest import AWS_FIXTURES

AUTO_REPLIES = Limits().auto_replies


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def limiter(request, settings):
    if request.param == "memory":
        return InMemoryRateLimiter()
    aws = request.getfixturevalue(AWS_FIXTURES[request.param])
    return DynamoRateLimiter(aws["dynamodb"], settings.table_name)


def test_uses_step_per_window_and_reset_later(limiter, clock):
    short, day = AUTO_REPLIES.windows
    allowed = [
        limiter.take(AUTO_REPLIES, "Anna@Example.org", at=clock.now()).granted
        for _ in range(short.most + 2)
    ]
    assert allowed == [True] * short.most + [False, False]
    total = short.most
    for _ in range(10):
        clock.advance(short.length)
        while limiter.take(AUTO_REPLIES, "anna@example.org", at=clock.now()).granted:
            total += 1
    assert total == day.most  # the daily ceiling holds across short windows
    assert limiter.take(AUTO_REPLIES, "someone.else@example.org", at=clock.now()).granted
    clock.advance(timedelta(days=2))
    assert limiter.take(AUTO_REPLIES, "anna@example.org", at=clock.now()).granted


def test_a_refusal_says_when_the_fullest_window_opens(limiter):
    limit = RateLimit("t", (Window(timedelta(minutes=10), 2), Window(timedelta(hours=1), 3)))
    at = datetime(2026, 11, 30, 12, 4, tzinfo=UTC)  # windows: 12:00-12:10, 12:00-13:00
    assert limiter.take(limit, "client", at=at).granted
    assert limiter.take(limit, "client", at=at).granted
    short = limiter.take(limit, "client", at=at)
    assert not short.granted
    assert short.retry_after == timedelta(minutes=6)
    later = at + timedelta(minutes=10)  # 12:14: the short window has room, the hour has one
    assert limiter.take(limit, "client", at=later).granted
    hour = limiter.take(limit, "client", at=later)
    assert not hour.granted
    assert hour.retry_after == timedelta(minutes=46)
    assert hour.retry_after_seconds == 46 * 60


def test_a_refused_use_is_not_counted_and_limits_do_not_share_counters(limiter):
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    one = RateLimit("one", (Window(timedelta(hours=1), 1),))
    other = RateLimit("other", (Window(timedelta(hours=1), 1),))
    assert limiter.take(one, "client", at=at).granted
    for _ in range(3):
        assert not limiter.take(one, "client", at=at).granted
    assert limiter.take(other, "client", at=at).granted
    assert limiter.take(one, "another client", at=at).granted


def test_concurrent_uses_never_pass_the_limit(limiter):
    limit = RateLimit("race", (Window(timedelta(hours=1), 5), Window(timedelta(days=1), 20)))
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    granted: list[bool] = []
    barrier = threading.Barrier(12)

    def use() -> None:
        barrier.wait()
        granted.append(limiter.take(limit, "10.0.0.1", at=at).granted)

    threads = [threading.Thread(target=use) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 5


def test_several_limits_are_counted_together_or_not_at_all(limiter):
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    loose = RateLimit("loose", (Window(timedelta(hours=1), 10),))
    tight = RateLimit("tight", (Window(timedelta(minutes=10), 1), Window(timedelta(days=1), 5)))
    assert limiter.take_all([(loose, "client"), (tight, "client")], at=at).granted
    again = limiter.take_all([(loose, "client"), (tight, "client")], at=at)
    assert not again.granted
    assert again.refused_by == "tight"
    assert again.retry_after == timedelta(minutes=10)
    for _ in range(9):  # the refused use counted nowhere: nine more fit the loose limit
        assert limiter.take(loose, "client", at=at).granted
    assert not limiter.take(loose, "client", at=at).granted


def test_the_wait_is_rounded_up_to_a_whole_second():
    assert Allowance(False, timedelta(seconds=59.2)).retry_after_seconds == 60
    assert Allowance(False, timedelta(0)).retry_after_seconds == 1
