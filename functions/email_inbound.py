"""SES receipt rule → Lambda (after the rule's S3 action stored the raw mail at inbound/<id>).

Thin: read each record's message id and verdicts, hand the delivery to the mail service.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SESEvent, event_source

from chalicelib import bootstrap
from chalicelib.observability import entrypoint
from chalicelib.services.mail_intake import MailVerdicts


@entrypoint
@event_source(data_class=SESEvent)
def handler(event: SESEvent, context: Any) -> dict[str, Any]:
    mail_intake = bootstrap.container().mail_intake
    outcomes = []
    for record in event.records:
        receipt = record.ses.receipt.raw_event
        verdicts = MailVerdicts(
            spam=_status(receipt, "spamVerdict"),
            virus=_status(receipt, "virusVerdict"),
            dmarc=_status(receipt, "dmarcVerdict"),
        )
        result = mail_intake.deliver(record.ses.mail.message_id, verdicts)
        outcomes.append({"outcome": result.outcome.value, "card": result.card_number})
    return {"handled": outcomes}


def _status(receipt: dict[str, Any], verdict: str) -> str:
    """A verdict SES did not evaluate (e.g. no dmarcVerdict in the event) is GRAY, not FAIL."""
    return str((receipt.get(verdict) or {}).get("status", "GRAY"))
