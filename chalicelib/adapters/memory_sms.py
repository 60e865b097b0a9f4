"""The SmsSender twin: records each text as SNS would take it (the number in E.164), and refuses
what SNS refuses (a number that is not one), for good."""

from __future__ import annotations

import re

from chalicelib.adapters.sns_sms import e164
from chalicelib.domain.errors import DeliveryFailed

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


class RecordingSmsSender:
    def __init__(self, *, country_code: str = "7", trunk_prefix: str = "8") -> None:
        self.sent: list[tuple[str, str]] = []
        self._country_code = country_code
        self._trunk_prefix = trunk_prefix

    def send(self, phone: str, text: str) -> str:
        number = e164(phone, self._country_code, self._trunk_prefix)
        if not E164.match(number):
            raise DeliveryFailed("SMS InvalidParameter: not a phone number", permanent=True)
        self.sent.append((number, text))
        return f"sms-{len(self.sent)}"
