"""Mailer on SES: raw MIME, so our Message-ID and threading headers go out as composed."""

from __future__ import annotations

from typing import Any

from chalicelib.ports import OutgoingMail


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
        self._ses.send_raw_email(**request)
