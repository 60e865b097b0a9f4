"""One-time codes: limited issuing, ten minutes, five tries, used once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import access_codes as ac
from chalicelib.domain.errors import TooManyRequests
from tests.conftest import START

NUMBER = "2026-000042"


def test_a_code_opens_once_within_ten_minutes():
    code = ac.issue(None, NUMBER, "123456", now=START)
    assert code.code_hash
    assert "123456" not in code.model_dump_json()
    right, spent = ac.redeem(code, "123456", now=START + timedelta(minutes=9))
    assert right
    assert spent is not None
    assert ac.redeem(spent, "123456", now=START) == (False, None)
    late = ac.redeem(code, "123456", now=START + ac.CODE_TTL)
    assert late == (False, None)


def test_five_wrong_tries_burn_the_code():
    code = ac.issue(None, NUMBER, "123456", now=START)
    for _ in range(ac.MAX_ATTEMPTS - 1):
        right, code = ac.redeem(code, "000000", now=START)
        assert not right
        assert code is not None
    right, burned = ac.redeem(code, "000000", now=START)
    assert not right
    assert burned is not None
    assert burned.code_hash is None
    assert ac.redeem(burned, "123456", now=START) == (False, None)


def test_the_same_code_on_another_card_is_another_hash():
    assert (
        ac.issue(None, NUMBER, "123456", now=START).code_hash
        != ac.issue(None, "2026-000043", "123456", now=START).code_hash
    )


def test_issuing_is_limited_per_hour_and_per_day():
    code = None
    for minute in range(3):
        code = ac.issue(code, NUMBER, "111111", now=START + timedelta(minutes=minute))
    with pytest.raises(TooManyRequests) as hourly:
        ac.issue(code, NUMBER, "111111", now=START + timedelta(minutes=10))
    assert hourly.value.retry_after == 50 * 60 + 1
    assert "50 minutes" in hourly.value.message
    at = START + timedelta(minutes=40)
    for _ in range(7):  # 10 in all, spread so that no hour holds more than 3
        at += timedelta(minutes=21)
        code = ac.issue(code, NUMBER, "111111", now=at)
    with pytest.raises(TooManyRequests):
        ac.issue(code, NUMBER, "111111", now=at + timedelta(hours=2))
    fresh = ac.issue(code, NUMBER, "111111", now=START + timedelta(days=1, minutes=3))
    assert len(fresh.issued) <= 10


def test_codes_are_six_digits():
    assert all(len(c) == 6 and c.isdigit() for c in (ac.new_code() for _ in range(200)))
