"""Messages to requesters waiting to leave: one record per message, with what became of it.

A message is written in the same transaction as the card change that caused it, so a change
is never saved without its notice, and a failed send never undoes the change. Delivery tries
the requester's preferred channel, retries with backoff, then falls back to the other channel;
a message no channel could take is ``failed`` and stays until someone re-queues it.

Sending is claimed like a lease: a sender moves ``next_attempt_at`` past the time a send can
take before it sends, so a sender that dies mid-send leaves the message due again, not lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Waits after the 1st, 2nd, ... failed attempt on one channel; then the next channel is tried.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
LEASE = timedelta(minutes=2)
MAX_ERROR = 300


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Destination(_Frozen):
    channel: DeliveryChannel
    address: str


class EmailContent(_Frozen):
    subject: str
    text: str
    html: str
    # RFC 3834: "auto-replied" for an answer to the requester's own mail.
    auto_submitted: str = "auto-generated"
    # Threading of an answer to the requester's mail (In-Reply-To, References).
    thread_headers: dict[str, str] = Field(default_factory=dict)


class OutboxMessage(_Frozen):
    id: str
    card_number: str
    kind: str
    locale: str
    # The preferred channel first, then the fallback.
    destinations: tuple[Destination, ...] = Field(min_length=1)
    email: EmailContent | None = None
    sms: str | None = None
    status: OutboxStatus = OutboxStatus.QUEUED
    channel_index: int = Field(default=0, ge=0)
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: datetime | None
    last_error: str | None = None
    sent_via: DeliveryChannel | None = None
    provider_id: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=1, ge=1)

    @property
    def destination(self) -> Destination:
        return self.destinations[self.channel_index]

    @property
    def pending(self) -> bool:
        return self.status == OutboxStatus.QUEUED

    @property
    def stuck(self) -> bool:
        """No channel took it: it waits for someone to re-queue it."""
        return self.status in (OutboxStatus.FAILED, OutboxStatus.BOUNCED)


def claimed(message: OutboxMessage, *, at: datetime) -> OutboxMessage:
    """The message as a sender holds it: not due again until the lease runs out."""
    return _next(message, at, next_attempt_at=at + LEASE)


def delivered(message: OutboxMessage, *, at: datetime, provider_id: str | None) -> OutboxMessage:
    return _next(
        message,
        at,
        status=OutboxStatus.SENT,
        attempts=message.attempts + 1,
        next_attempt_at=None,
        sent_via=message.destination.channel,
        provider_id=provider_id,
        last_error=None,
    )


def attempt_failed(
    message: OutboxMessage, *, at: datetime, error: str, permanent: bool
) -> OutboxMessage:
    """After a failed send: retry later, or move to the next channel, or give up (failed)."""
    attempts = message.attempts + 1
    reason = f"{message.destination.channel.value}: {error}"[:MAX_ERROR]
    if not permanent and attempts <= len(BACKOFF):
        return _next(
            message,
            at,
            attempts=attempts,
            next_attempt_at=at + BACKOFF[attempts - 1],
            last_error=reason,
        )
    if message.channel_index + 1 < len(message.destinations):
        return _next(
            message,
            at,
            channel_index=message.channel_index + 1,
            attempts=0,
            next_attempt_at=at,
            last_error=reason,
        )
    return _next(
        message,
        at,
        status=OutboxStatus.FAILED,
        attempts=attempts,
        next_attempt_at=None,
        last_error=reason,
    )


def bounced(message: OutboxMessage, *, at: datetime, reason: str) -> OutboxMessage:
    """The mail service said afterwards that a sent mail did not arrive: try the fallback."""
    if message.channel_index + 1 < len(message.destinations):
        return _next(
            message,
            at,
            status=OutboxStatus.QUEUED,
            channel_index=message.channel_index + 1,
            attempts=0,
            next_attempt_at=at,
            sent_via=None,
            last_error=reason[:MAX_ERROR],
        )
    return _next(
        message,
        at,
        status=OutboxStatus.BOUNCED,
        next_attempt_at=None,
        last_error=reason[:MAX_ERROR],
    )


def requeued(message: OutboxMessage, *, at: datetime) -> OutboxMessage:
    """Run a failed or bounced message again from its preferred channel."""
    return _next(
        message,
        at,
        status=OutboxStatus.QUEUED,
        channel_index=0,
        attempts=0,
        next_attempt_at=at,
    )


def _next(message: OutboxMessage, at: datetime, **changes: object) -> OutboxMessage:
    return message.model_copy(update={**changes, "updated_at": at, "version": message.version + 1})


def message_id(number: str, seq: int, kind: str) -> str:
    """``2026-000042.0003.clarification``: one message per kind per card change, so writing
    the same change twice cannot queue the message twice."""
    return f"{number}.{seq:04d}.{kind}"


def card_of(message_id_: str) -> str:
    return message_id_.split(".", 1)[0]


def outbox_id_of(mail_message_id: str, mail_domain: str) -> str | None:
    """The outbox message behind one of our mail Message-IDs (``<id@domain>``), if it is one."""
    local, _, domain = mail_message_id.strip().strip("<>").rpartition("@")
    if domain.lower() != mail_domain.lower() or local.count(".") != 2:
        return None
    return local
