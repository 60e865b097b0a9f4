"""Mailer on SES: raw MIME, so our Message-ID and threading headers go out as composed."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.boto_calls import delivery_failure
from chalicelib.ports import OutgoingMail

# SES refuses these for the message or the address itself: sending again cannot help.
PERMANENT = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerified",
        "MailFromDomainNotVerifiedException",
        "InvalidParameterValue",
        "AccountSendingPausedException",
        "ConfigurationSetDoesNotExist",
    }
)


class SesMailer:
    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self._ses = client
        self._configuration_set = configuration_set

    def send(self, mail: OutgoingMail) -> None:
        request: dict[str, Any] = {
            "Destinations": [mail.recipient],
            "RawMessage": {"Data": mail.raw},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            self._ses.send_raw_email(**request)
        except (ClientError, BotoCoreError) as error:
            raise delivery_failure("SES", error, PERMANENT) from error
