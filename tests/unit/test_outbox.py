"""The outbox: retries with backoff, fallback to the other channel, nothing lost, sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_mail import InMemoryMailLog, RecordingMailer
from chalicelib.adapters.memory_outbox import InMemoryOutbox
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain.errors import ConflictError, DeliveryFailed
from chalicelib.domain.outbox import (
    BACKOFF,
    LEASE,
    DeliveryChannel,
    Destination,
    EmailContent,
    OutboxMessage,
    OutboxStatus,
    attempt_failed,
    bounced,
    claimed,
    requeued,
)
from chalicelib.ports import OutgoingMail
from chalicelib.services.outbox_dispatch import (
    DispatchPorts,
    deliver,
    dispatch,
    dispatch_due,
    retry_failed,
)
from chalicelib.services.policies import MailPolicy

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMAIL = Destination(channel=DeliveryChannel.EMAIL, address="anna@example.org")
SMS = Destination(channel=DeliveryChannel.SMS, address="+7 916 123-45-67")


def message(*destinations: Destination, number: str = "2026-000001") -> OutboxMessage:
    return OutboxMessage(
        id=f"{number}.0001.receipt",
        card_number=number,
        kind="receipt",
        locale="ru",
        destinations=destinations or (EMAIL, SMS),
        email=EmailContent(
            subject="Обращение", text="Здравствуйте!\n", html="<p>Здравствуйте!</p>"
        ),
        sms="Обращение 2026-000001 зарегистрировано",
        next_attempt_at=START,
        created_at=START,
        updated_at=START,
    )


class FlakyMailer(RecordingMailer):
    """Fails the next ``failures`` sends (transient unless told), then sends."""

    def __init__(self, failures: int = 0, *, permanent: bool = False) -> None:
        super().__init__()
        self.failures = failures
        self.permanent = permanent
        self.tries = 0

    def send(self, mail: OutgoingMail) -> None:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("SES Throttling", permanent=self.permanent)
        super().send(mail)


class RecordingSms:
    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, phone: str, text: str) -> str:
        if self.fail:
            raise DeliveryFailed("SNS InvalidParameter", permanent=True)
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"


class Post:
    def __init__(self, mailer: RecordingMailer | None = None, sms: RecordingSms | None = None):
        self.clock = ManualClock(START)
        self.outbox = InMemoryOutbox()
        self.mailer = mailer or RecordingMailer()
        self.sms = sms or RecordingSms()
        self.mail_log = InMemoryMailLog()
        self.telemetry = RecordingTelemetry()
        self.ports = DispatchPorts(
            outbox=self.outbox,
            mailer=self.mailer,
            sms=self.sms,
            mail_log=self.mail_log,
            clock=self.clock,
            telemetry=self.telemetry,
        )
        self.policy = MailPolicy(from_address="requests@town.example", town_name="Test Town")

    def queue(self, *messages: OutboxMessage) -> None:
        self.outbox.add_all(messages)

    def run(self):
        return dispatch_due(ports=self.ports, policy=self.policy)


def test_a_message_goes_out_once_by_the_preferred_channel():
    post = Post()
    post.queue(message(EMAIL, SMS))
    assert post.run() == {"sent": 1}
    assert post.run() == {}  # nothing due any more
    (mail,) = post.mailer.sent
    parsed = message_from_bytes(mail.raw, policy=default)
    assert parsed["Message-ID"] == "<2026-000001.0001.receipt@town.example>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Content-Language"] == "ru"
    assert parsed.get_body(("plain",)).get_content().strip() == "Здравствуйте!"
    stored = post.outbox.get("2026-000001.0001.receipt")
    assert (stored.status, stored.sent_via, stored.provider_id) == (
        OutboxStatus.SENT,
        DeliveryChannel.EMAIL,
        mail.message_id,
    )
    assert post.sms.sent == []
    # A reply to that mail threads onto the card.
    (record,) = post.mail_log.find((mail.message_id,))
    assert record.card_number == "2026-000001"


def test_a_transient_failure_is_retried_after_the_backoff_and_keeps_the_message():
    post = Post(mailer=FlakyMailer(failures=2))
    post.queue(message(EMAIL))
    assert post.run() == {"retrying": 1}
    waiting = post.outbox.get("2026-000001.0001.receipt")
    assert waiting.next_attempt_at == START + BACKOFF[0]
    assert "Throttling" in (waiting.last_error or "")
    post.clock.advance(BACKOFF[0] - timedelta(seconds=1))
    assert post.run() == {}  # not yet
    post.clock.advance(timedelta(seconds=1))
    assert post.run() == {"retrying": 1}
    post.clock.advance(BACKOFF[1])
    assert post.run() == {"sent": 1}
    assert post.outbox.get("2026-000001.0001.receipt").attempts == 3
    # Metrics count the message once it is sent, not its attempts.
    assert post.telemetry.messages == {("email", "retrying"): 2, ("email", "sent"): 1}


def test_a_refused_address_falls_back_to_the_other_channel_at_once():
    post = Post(mailer=FlakyMailer(failures=1, permanent=True))
    post.queue(message(EMAIL, SMS))
    assert post.run() == {"retrying": 1}
    assert post.run() == {"sent": 1}
    stored = post.outbox.get("2026-000001.0001.receipt")
    assert stored.sent_via == DeliveryChannel.SMS
    assert post.sms.sent == [("+7 916 123-45-67", "Обращение 2026-000001 зарегистрировано")]


def test_when_every_channel_gives_up_the_message_is_failed_and_can_be_rerun():
    post = Post(mailer=FlakyMailer(failures=99), sms=RecordingSms(fail=True))
    post.queue(message(EMAIL, SMS))
    for wait in (timedelta(0), *BACKOFF):
        post.clock.advance(wait)
        post.run()
    post.run()  # the SMS is refused for good
    stored = post.outbox.get("2026-000001.0001.receipt")
    assert stored.status == OutboxStatus.FAILED
    assert stored.last_error == "sms: SNS InvalidParameter"
    assert post.outbox.failed(limit=10) == [stored]
    assert post.telemetry.messages[("sms", "failed")] == 1  # what the outbox alarm counts
    # The provider recovers; an administrator re-runs the failed messages.
    post.mailer.failures = 0
    post.sms.fail = False
    (again,) = retry_failed(ports=post.ports)
    assert again.status == OutboxStatus.QUEUED
    assert again.channel_index == 0
    assert post.run() == {"sent": 1}
    assert post.outbox.failed(limit=10) == []


def test_an_address_that_bounced_before_goes_straight_to_the_fallback():
    post = Post()
    post.mail_log.mark_undeliverable("anna@example.org", at=START)
    post.queue(message(EMAIL, SMS))
    post.run()
    post.run()
    assert post.mailer.sent == []
    assert len(post.sms.sent) == 1


def test_a_sender_that_died_mid_send_leaves_the_message_due_after_its_lease():
    post = Post()
    post.queue(message(EMAIL))
    post.outbox.update(claimed(post.outbox.get("2026-000001.0001.receipt"), at=START))
    assert post.run() == {}  # held by the other sender
    post.clock.advance(LEASE)
    assert post.run() == {"sent": 1}


def test_two_senders_cannot_both_claim_one_message():
    post = Post()
    post.queue(message(EMAIL))
    seen_by_both = post.outbox.get("2026-000001.0001.receipt")
    deliver(seen_by_both, ports=post.ports, policy=post.policy)
    with pytest.raises(ConflictError):
        deliver(seen_by_both, ports=post.ports, policy=post.policy)
    assert len(post.mailer.sent) == 1


def test_dispatch_by_id_sends_new_messages_and_skips_unknown_or_sent_ones():
    post = Post()
    post.queue(message(EMAIL))
    ids = ["2026-000001.0001.receipt", "2026-000099.0001.receipt"]
    assert dispatch(ids, ports=post.ports, policy=post.policy) == {"sent": 1}
    assert dispatch(ids, ports=post.ports, policy=post.policy) == {}


def test_a_bounce_after_sending_requeues_on_the_fallback_or_ends_bounced():
    sent = message(EMAIL, SMS).model_copy(update={"status": OutboxStatus.SENT})
    again = bounced(sent, at=START, reason="550 mailbox unavailable")
    assert (again.status, again.destination) == (OutboxStatus.QUEUED, SMS)
    only_mail = message(EMAIL).model_copy(update={"status": OutboxStatus.SENT})
    assert bounced(only_mail, at=START, reason="550").status == OutboxStatus.BOUNCED


def test_every_step_moves_the_version_on():
    first = message(EMAIL)
    step = attempt_failed(claimed(first, at=START), at=START, error="x", permanent=False)
    assert step.version == first.version + 2
    assert requeued(step, at=START).version == step.version + 1


def test_the_towns_retention_keeps_a_settled_message_its_days_and_refuses_a_nonsense_period():
    from pydantic import ValidationError

    from chalicelib.domain.retention import RetentionPolicy

    post = Post()
    post.queue(message(EMAIL))
    policy = RetentionPolicy(outbox_days=90)
    waiting = post.outbox.get("2026-000001.0001.receipt")
    assert policy.outbox_expires(waiting) is None
    post.run()
    sent = post.outbox.get("2026-000001.0001.receipt")
    assert policy.outbox_expires(sent) == sent.updated_at + timedelta(days=90)
    for wrong in ({"outbox_days": 1}, {"outbox_days": 100000}, {"outbox_dayz": 90}):
        with pytest.raises(ValidationError):
            RetentionPolicy.model_validate(wrong)
