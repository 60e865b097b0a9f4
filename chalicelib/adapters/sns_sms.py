"""SmsSender on Amazon SNS (the SMS channel of AWS End User Messaging): transactional texts,
so carriers deliver them as service messages, not marketing."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.boto_calls import delivery_failure

# The number or the text is refused as it is: another attempt on this number cannot help.
PERMANENT = frozenset({"InvalidParameter", "InvalidParameterValue", "OptedOut"})


class SnsSmsSender:
    def __init__(
        self, client: Any, *, country_code: str, trunk_prefix: str, sender_id: str | None = None
    ) -> None:
        self._sns = client
        self._country_code = country_code
        self._trunk_prefix = trunk_prefix
        self._sender_id = sender_id

    def send(self, phone: str, text: str) -> str:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self._sender_id,
            }
        try:
            response = self._sns.publish(
                PhoneNumber=e164(phone, self._country_code, self._trunk_prefix),
                Message=text,
                MessageAttributes=attributes,
            )
        except (ClientError, BotoCoreError) as error:
            raise delivery_failure("SNS", error, PERMANENT) from error
        return str(response["MessageId"])


def e164(phone: str, country_code: str, trunk_prefix: str) -> str:
    """``+7 (495) 123-45-67`` → ``+74951234567``; a national ``8 495 123-45-67`` gets the
    town's country code in place of the trunk prefix. SNS wants E.164; people write freely."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+"):
        return f"+{digits}"
    if trunk_prefix and digits.startswith(trunk_prefix):
        digits = digits[len(trunk_prefix) :]
    return f"+{country_code}{digits}"
