"""One contract, every SmsSender: the recording twin and SNS under moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from chalicelib.adapters.memory_sms import RecordingSmsSender
from chalicelib.adapters.sns_sms import SnsSmsSender
from chalicelib.domain.errors import DeliveryFailed
from chalicelib.ports import SmsSender

TEXT = "Заявка 2026-000001: код 123456"


@dataclass
class Carrier:
    sms: SmsSender
    delivered: Callable[[], list[tuple[str, str]]]  # (E.164 number, text) the provider took


@pytest.fixture(params=["memory", "sns"])
def carrier(request) -> Iterator[Carrier]:
    if request.param == "memory":
        memory = RecordingSmsSender(country_code="7", trunk_prefix="8")
        yield Carrier(memory, lambda: list(memory.sent))
    else:
        import boto3
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        request.getfixturevalue("aws")  # moto is on
        sns = boto3.client("sns")
        backend = sns_backends[DEFAULT_ACCOUNT_ID][sns.meta.region_name]
        yield Carrier(
            SnsSmsSender(sns, country_code="7", trunk_prefix="8"),
            lambda: list(backend.sms_messages.values()),
        )


def test_a_text_goes_to_the_number_in_international_form(carrier):
    first = carrier.sms.send("+7 (916) 555-44-33", TEXT)
    second = carrier.sms.send("8 916 555 44 34", TEXT)  # national form, trunk prefix
    assert first
    assert second
    assert first != second  # each text its own provider id
    assert carrier.delivered() == [("+79165554433", TEXT), ("+79165554434", TEXT)]


def test_what_is_not_a_phone_number_is_refused_for_good(carrier):
    with pytest.raises(DeliveryFailed) as refused:
        carrier.sms.send("call me maybe", TEXT)
    assert refused.value.permanent
    assert carrier.delivered() == []
