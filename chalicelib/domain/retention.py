"""How long the town keeps each kind of data (``seed/retention.json``, the town's to set by
its law): what is past it expires by itself, with nothing to run.

- ``outbox_days``: a message to a requester (its rendered text and the address it went to)
  is kept this long after it settled (sent, bounced, or failed on every channel), then
  DynamoDB's TTL deletes it. The card's history keeps what was said (its public messages).
- ``personal_data_years``: a closed card keeps the requester's personal data this long after
  its last change; then the retention sweep takes it off (``domain/erasure.py``) and the
  card's figures stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.outbox import OutboxMessage


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    outbox_days: int = Field(
        default=180,
        ge=7,
        le=3650,
        description="Days a settled message to a requester is kept (its text and address).",
    )

    personal_data_years: int = Field(
        default=5,
        ge=1,
        le=75,
        description="Years after a card closed (its last change) until the requester's "
        "personal data is taken off it; its figures stay.",
    )

    def erasure_cutoff(self, now: datetime) -> datetime:
        """Cards closed and untouched since before this moment have had their time."""
        return now - timedelta(days=round(365.25 * self.personal_data_years))

    def outbox_expires(self, message: OutboxMessage) -> datetime | None:
        """When a message may go: never while it waits to be sent (or re-run)."""
        if message.pending:
            return None
        return message.updated_at + timedelta(days=self.outbox_days)
