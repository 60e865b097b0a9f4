"""Sending what the outbox holds: claim a message, send it on its current channel, record the
outcome (sent, retry later, next channel, failed). At least once: a sender that dies after
sending but before recording leaves the message to be sent again when its lease runs out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import ConflictError, DeliveryFailed, NotFound
from chalicelib.domain.outbox import (
    DeliveryChannel,
    OutboxMessage,
    OutboxStatus,
    attempt_failed,
    claimed,
    delivered,
    requeued,
)
from chalicelib.observability import logger
from chalicelib.ports import (
    Clock,
    Mailer,
    MailLog,
    Outbox,
    OutgoingMail,
    SmsSender,
    Telemetry,
)
from chalicelib.services.outgoing_mail import compose
from chalicelib.services.policies import MailPolicy

BATCH = 50


@dataclass(frozen=True)
class DispatchPorts:
    outbox: Outbox
    mailer: Mailer
    sms: SmsSender
    mail_log: MailLog
    clock: Clock
    telemetry: Telemetry


def dispatch_due(*, ports: DispatchPorts, policy: MailPolicy, limit: int = BATCH) -> Counter[str]:
    """Send every message whose attempt is due; counts of the outcomes by status."""
    return _run(ports.outbox.due(ports.clock.now(), limit=limit), ports, policy)


def dispatch(ids: Iterable[str], *, ports: DispatchPorts, policy: MailPolicy) -> Counter[str]:
    """Send the named messages now if they are still waiting (new messages, from the stream)."""
    now = ports.clock.now()
    waiting = []
    for message_id in ids:
        try:
            message = ports.outbox.get(message_id)
        except NotFound:
            continue
        if message.pending and message.next_attempt_at and message.next_attempt_at <= now:
            waiting.append(message)
    return _run(waiting, ports, policy)


def retry_failed(
    *, ports: DispatchPorts, limit: int = BATCH, card_number: str | None = None
) -> list[OutboxMessage]:
    """Put messages no channel took back in the queue (after the address was fixed, or the
    provider recovered); the next dispatch sends them."""
    stuck = (
        [m for m in ports.outbox.for_card(card_number) if m.stuck]
        if card_number
        else ports.outbox.failed(limit=limit)
    )
    again = [requeued(m, at=ports.clock.now()) for m in stuck]
    for message in again:
        ports.outbox.update(message)
    return again


def deliver(message: OutboxMessage, *, ports: DispatchPorts, policy: MailPolicy) -> OutboxMessage:
    """One attempt on the message's current channel; returns the message as recorded."""
    held = claimed(message, at=ports.clock.now())
    ports.outbox.update(held)  # ConflictError: another sender holds it
    try:
        provider_id = _send(held, ports, policy)
    except DeliveryFailed as failure:
        outcome = attempt_failed(
            held, at=ports.clock.now(), error=failure.message, permanent=failure.permanent
        )
    except Exception as error:  # an unexpected fault is retried like a transient one
        logger.exception("send failed unexpectedly", extra={"outbox_id": held.id})
        outcome = attempt_failed(
            held, at=ports.clock.now(), error=type(error).__name__, permanent=False
        )
    else:
        outcome = delivered(held, at=ports.clock.now(), provider_id=provider_id)
    ports.outbox.update(outcome)
    logger.info(
        "outbox message",
        extra={
            "outbox_id": outcome.id,
            "status": outcome.status.value,
            "channel": held.destination.channel.value,
            "attempts": outcome.attempts,
        },
    )
    return outcome


def _run(messages: list[OutboxMessage], ports: DispatchPorts, policy: MailPolicy) -> Counter[str]:
    counts: Counter[str] = Counter()
    for message in messages:
        # The card's number follows the request from its channel through the stream to here.
        logger.set_correlation_id(message.card_number)
        try:
            outcome = deliver(message, ports=ports, policy=policy)
        except ConflictError:
            counts["taken"] += 1
            continue
        status = "retrying" if outcome.status == OutboxStatus.QUEUED else outcome.status.value
        counts[status] += 1
        ports.telemetry.message_settled(channel=outcome.destination.channel.value, status=status)
    logger.set_correlation_id(None)
    return counts


def _send(message: OutboxMessage, ports: DispatchPorts, policy: MailPolicy) -> str | None:
    destination = message.destination
    if destination.channel == DeliveryChannel.SMS:
        if not message.sms:
            raise DeliveryFailed("no text for SMS", permanent=True)
        return ports.sms.send(destination.address, message.sms)
    if ports.mail_log.is_undeliverable(destination.address):
        raise DeliveryFailed("the address bounced before", permanent=True)
    mail = _mail(message, destination.address, policy, ports)
    ports.mailer.send(mail)
    # Replies to this mail thread onto the card.
    ports.mail_log.remember_sent(mail.message_id, message.card_number, at=ports.clock.now())
    return mail.message_id


def _mail(
    message: OutboxMessage, recipient: str, policy: MailPolicy, ports: DispatchPorts
) -> OutgoingMail:
    if message.email is None:
        raise DeliveryFailed("no email content", permanent=True)
    content = message.email
    return compose(
        content.subject,
        content.text,
        content.html,
        recipient,
        locale=message.locale,
        policy=policy,
        now=ports.clock.now(),
        # The same Message-ID on every attempt: a mail a retry sends twice is one to clients.
        message_id=f"<{message.id}@{policy.mail_domain}>",
        auto_submitted=content.auto_submitted,
        extra=content.thread_headers,
    )


@dataclass(frozen=True)
class OutboxDispatch:
    """The outbox wired to its ports (built once by the container): sending, and the failed
    messages' dead-letter place."""

    ports: DispatchPorts
    policy: MailPolicy

    def dispatch_due(self, limit: int = BATCH) -> Counter[str]:
        return dispatch_due(ports=self.ports, policy=self.policy, limit=limit)

    def dispatch(self, ids: Iterable[str]) -> Counter[str]:
        return dispatch(ids, ports=self.ports, policy=self.policy)

    def failed(self, principal: Principal, *, limit: int) -> list[OutboxMessage]:
        """The messages no channel took (administrators)."""
        access.require_admin(principal)
        return self.ports.outbox.failed(limit=limit)

    def retry(
        self, principal: Principal, *, limit: int, card_number: str | None = None
    ) -> list[OutboxMessage]:
        """Queue failed messages again (administrators)."""
        access.require_admin(principal)
        return self.requeue(limit=limit, card_number=card_number)

    def requeue(self, *, limit: int = BATCH, card_number: str | None = None) -> list[OutboxMessage]:
        """Queue failed messages again, for the operator at the command line."""
        return retry_failed(ports=self.ports, limit=limit, card_number=card_number)
