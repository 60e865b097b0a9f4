"""One-time codes: ten minutes, five tries, used once; asking is limited per number (known
or not, alike) and per contact across its cards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import access_codes as ac
from chalicelib.domain.errors import TooManyRequests
from chalicelib.services.commands import CardCreate
from tests.conftest import START, card_form

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


def _card(town, email: str) -> str:
    form = card_form(requester={"full_name": "Anna Ivanova", "email": email})
    return town.intake.submit(CardCreate.model_validate(form), key=None).card.number


def _codes_sent(town, number: str) -> int:
    return sum(m.kind == "access_code" for m in town.outbox.for_card(number))


def test_codes_per_number_are_refused_alike_whether_the_number_exists_or_not(town, clock):
    known = _card(town, "anna@example.org")
    unknown = "2026-099999"
    hourly = town.limits.codes_per_number.windows[0].most
    for _ in range(hourly):
        town.requester.send_code(known)
        town.requester.send_code(unknown)
    refusals = []
    for number in (known, unknown):
        with pytest.raises(TooManyRequests) as refused:
            town.requester.send_code(number)
        refusals.append((refused.value.message, refused.value.retry_after))
    assert refusals[0] == refusals[1]  # the same words and wait: nothing tells them apart
    assert _codes_sent(town, known) == hourly
    clock.advance(timedelta(hours=1))
    town.requester.send_code(known)
    assert _codes_sent(town, known) == hourly + 1


def test_codes_per_contact_are_limited_across_its_cards_silently(town):
    numbers = [_card(town, "anna@example.org") for _ in range(8)]
    other = _card(town, "boris@example.org")
    for number in numbers:
        town.requester.send_code(number)  # each number's own limit has room
    hourly = town.limits.codes_per_contact.windows[0].most
    assert sum(_codes_sent(town, n) for n in numbers) == hourly
    town.requester.send_code(other)
    assert _codes_sent(town, other) == 1


def test_codes_are_six_digits():
    assert all(len(c) == 6 and c.isdigit() for c in (ac.new_code() for _ in range(200)))
