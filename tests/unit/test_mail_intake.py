"""Email to card: creation, threading, reopening, loops, bounces, quarantine, DMARC, duplicates."""

from __future__ import annotations

import base64
import sysconfig
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from chalicelib.adapters.memory_blobs import InMemoryBlobStore
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.memory_mail import InMemoryMailLog, RecordingMailer
from chalicelib.adapters.memory_rate_limits import InMemoryRateLimiter
from chalicelib.adapters.mime import parse_mail
from chalicelib.adapters.pillow_thumbnails import PillowThumbnails
from chalicelib.adapters.telemetry import RecordingTelemetry
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Channel, Status
from chalicelib.domain.inbound_mail import MailClaim, content_digest
from chalicelib.services.mail_intake import (
    MAIL_LEASE,
    MailOutcome,
    MailPolicies,
    MailPorts,
    MailVerdicts,
    receive_mail,
)
from chalicelib.services.outbox_dispatch import DispatchPorts, dispatch_due
from chalicelib.services.policies import AttachmentPolicy, IntakePolicy, MailPolicy
from tests.factories import EXECUTOR, memory_router, notifier
from tests.unit.test_outbox import RecordingSms

OURS = "requests@town.example"
CORPUS = sorted(
    (Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data").glob("msg_*.txt")
)


@pytest.fixture
def ports(clock, directory) -> MailPorts:
    cards = InMemoryCardRepository()
    return MailPorts(
        cards=cards,
        mail_log=InMemoryMailLog(),
        limiter=InMemoryRateLimiter(),
        mailer=RecordingMailer(),
        blobs=InMemoryBlobStore(),
        directory=directory,
        clock=clock,
        telemetry=RecordingTelemetry(),
        route=memory_router(cards, directory),
        outbox=cards.outbox,
        notify=notifier(directory),
        thumbnails=PillowThumbnails(),
    )


POLICIES = MailPolicies(
    mail=MailPolicy(own_addresses=frozenset({OURS})),
    intake=IntakePolicy(),
    attachments=AttachmentPolicy(),
)


def mail(
    subject="Pothole on Lenina 5",
    body="A deep pothole by the bus stop.",
    sender="Anna Ivanova <anna@example.org>",
    message_id="<m1@example.org>",
    extra="",
    content_type="text/plain; charset=utf-8",
) -> bytes:
    encoded = base64.b64encode(subject.encode()).decode()
    headers = (
        f"From: {sender}\r\nTo: {OURS}\r\nSubject: =?utf-8?b?{encoded}?=\r\n"
        f"Message-ID: {message_id}\r\nContent-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n{extra}"
    )
    return headers.encode() + b"\r\n" + body.encode()


PASSING = MailVerdicts()


def receive(raw: bytes, ports, verdicts=PASSING, delivery="ses-1"):
    """Handle the mail, then send what it queued (as the outbox sender does at once)."""
    result = receive_mail(
        parse_mail(raw), verdicts, delivery_id=delivery, ports=ports, policies=POLICIES
    )
    sender = DispatchPorts(
        outbox=ports.outbox,
        mailer=ports.mailer,
        sms=RecordingSms(),
        mail_log=ports.mail_log,
        clock=ports.clock,
        telemetry=RecordingTelemetry(),
    )
    dispatch_due(ports=sender, policy=POLICIES.mail)
    return result


def test_a_new_mail_becomes_a_card_and_gets_one_polite_reply(ports):
    result = receive(mail(), ports)
    assert result.outcome == MailOutcome.CREATED
    assert result.replied
    card = ports.cards.get(result.card_number)
    assert card.channel == Channel.EMAIL
    assert card.subject == "Pothole on Lenina 5"
    assert card.description == "A deep pothole by the bus stop."
    assert card.requester.email == "anna@example.org"
    assert card.requester.full_name == "Anna Ivanova"
    assert card.category == POLICIES.mail.default_category
    (sent,) = ports.mailer.sent
    reply = message_from_bytes(sent.raw, policy=policy.default)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<m1@example.org>"
    assert reply["To"] == "anna@example.org"
    assert f"[#{card.number}]" in reply["Subject"]
    text = reply.get_body(preferencelist=("plain",)).get_content()
    assert card.number in text
    assert "status.html?n=" in text
    assert ports.mail_log.find((sent.message_id,))[0].card_number == card.number


def test_a_russian_mail_gets_a_russian_reply(ports):
    receive(mail(subject="Не горит фонарь", body="Здравствуйте! Во дворе не горит фонарь."), ports)
    reply = message_from_bytes(ports.mailer.sent[0].raw, policy=policy.default)
    assert "зарегистрировано" in reply.get_body(preferencelist=("plain",)).get_content()
    assert reply["Content-Language"] == "ru"


def test_the_same_mail_delivered_twice_makes_one_card(ports):
    first = receive(mail(), ports, delivery="ses-1")
    again = receive(mail(), ports, delivery="ses-2")
    assert again.outcome == MailOutcome.DUPLICATE
    assert len(ports.mailer.sent) == 1
    assert ports.cards.next_number(2026) == 2  # only one number was ever taken
    assert first.outcome == MailOutcome.CREATED


def test_a_reply_to_our_message_threads_and_resumes_work(ports, clock):
    created = receive(mail(), ports)
    card = ports.cards.get(created.card_number)
    asked = lifecycle.transition(
        card,
        Status.NEEDS_CLARIFICATION,
        lifecycle.TransitionDetails(question="Which entrance?"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    ports.cards.save(asked.card, asked.entry)
    our_id = ports.mailer.sent[0].message_id
    reply = mail(
        subject="Re: whatever",
        body="Entrance 2.\n\n> Which entrance?",
        message_id="<m2@example.org>",
        extra=f"In-Reply-To: {our_id}\r\n",
    )
    result = receive(reply, ports)
    assert result.outcome == MailOutcome.THREADED
    assert result.card_number == card.number
    after, history = ports.cards.get_with_history(card.number)
    assert after.status == Status.RECEIVED
    assert history[-1].public_message.text == "Entrance 2."
    # Not acknowledged again: the requester is told that work resumed, nothing more.
    assert [m.kind for m in ports.outbox.for_card(card.number)] == ["receipt", "resumed"]
    assert len(ports.mailer.sent) == 2


def test_the_number_tag_threads_only_for_participants_and_never_the_subject_alone(ports):
    number = receive(mail(), ports).card_number
    tagged = mail(subject=f"More photos [#{number}]", message_id="<m3@example.org>")
    assert receive(tagged, ports).outcome == MailOutcome.THREADED
    stranger = mail(
        subject=f"Re: [#{number}]", sender="eve@example.net", message_id="<m4@example.org>"
    )
    assert receive(stranger, ports).outcome == MailOutcome.CREATED
    same_subject = mail(message_id="<m5@example.org>")
    assert receive(same_subject, ports).card_number != number


def _close(ports, number: str, clock) -> lifecycle.Change:
    closed = lifecycle.transition(
        ports.cards.get(number),
        Status.CLOSED,
        lifecycle.TransitionDetails(closure_reason="Patched"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    ports.cards.save(closed.card, closed.entry)
    return closed


def test_a_reply_to_a_closed_card_reopens_it_within_the_window(ports, clock):
    number = receive(mail(), ports).card_number
    _close(ports, number, clock)
    clock.advance(timedelta(days=5))
    again = receive(
        mail(subject=f"Re: [#{number}] it is back", message_id="<m6@example.org>"), ports
    )
    assert again.outcome == MailOutcome.REOPENED
    reopened = ports.cards.get(number)
    assert reopened.status == Status.RECEIVED
    assert reopened.reopen_count == 1


def test_a_reply_long_after_closure_makes_a_linked_card(ports, clock):
    number = receive(mail(), ports).card_number
    _close(ports, number, clock)
    clock.advance(timedelta(days=POLICIES.mail.reopen_within_days + 1))
    late = receive(mail(subject=f"Re: [#{number}]", message_id="<m7@example.org>"), ports)
    assert late.outcome == MailOutcome.CREATED
    linked, history = ports.cards.get_with_history(late.card_number)
    assert linked.related_to == number
    (link,) = [e for e in history if e.action.value == "linked"]
    assert (link.actor.kind.value, link.changes[0].after, link.is_public) == (
        "system",
        number,
        False,
    )
    assert ports.cards.get(number).status == Status.CLOSED


def test_a_reply_about_a_merged_report_reaches_the_main_card_as_a_note(ports, clock):
    from chalicelib.domain import merging
    from tests.factories import OPERATOR

    number = receive(mail(), ports).card_number
    other = receive(
        mail(subject="Another report", message_id="<m8@example.org>", sender="boris@example.org"),
        ports,
    ).card_number
    pair = merging.merge(
        ports.cards.get(number), ports.cards.get(other), actor=OPERATOR.actor, at=clock.now()
    )
    ports.cards.save_together(
        [(pair.card.card, pair.card.entry), (pair.main.card, pair.main.entry)]
    )
    clock.advance(timedelta(days=1))
    answer = receive(
        mail(subject=f"Re: [#{number}] still there", message_id="<m9@example.org>"), ports
    )
    assert (answer.outcome, answer.card_number) == (MailOutcome.THREADED, other)
    merged = ports.cards.get(number)
    assert (merged.status, merged.reopen_count) == (Status.CLOSED, 0)  # not reopened
    main, history = ports.cards.get_with_history(other)
    note = history[-1]
    assert note.internal_note is not None
    assert f"The requester of {number} (merged here) wrote by email" in note.internal_note.text
    assert note.public_message is None  # the main card's requester never reads it
    assert main.status == Status.RECEIVED


def test_mail_failing_dmarc_cannot_attach_itself_to_a_card(ports):
    number = receive(mail(), ports).card_number
    forged = mail(
        subject=f"Re: [#{number}]",
        message_id="<m8@example.org>",
        extra=f"In-Reply-To: {ports.mailer.sent[0].message_id}\r\n",
    )
    result = receive(forged, ports, verdicts=MailVerdicts(dmarc="FAIL"))
    assert result.outcome == MailOutcome.CREATED
    assert result.card_number != number


@pytest.mark.parametrize("verdicts", [MailVerdicts(spam="FAIL"), MailVerdicts(virus="FAIL")])
def test_spam_or_virus_is_quarantined_without_card_or_reply(ports, verdicts):
    result = receive(mail(), ports, verdicts=verdicts)
    assert result.outcome == MailOutcome.QUARANTINED
    assert ports.mailer.sent == []
    assert ports.cards.next_number(2026) == 1


def test_a_bounce_marks_the_address_and_later_mail_to_it_gets_no_reply(ports):
    bounce = mail(
        subject="Undelivered Mail Returned to Sender",
        sender="MAILER-DAEMON@mx.net",
        message_id="<b1@mx.net>",
        extra="X-Failed-Recipients: anna@example.org\r\n",
    )
    assert receive(bounce, ports).outcome == MailOutcome.BOUNCED
    assert ports.mail_log.is_undeliverable("anna@example.org")
    result = receive(mail(message_id="<m9@example.org>"), ports)
    assert result.outcome == MailOutcome.CREATED
    assert not result.replied


@pytest.mark.parametrize(
    ("extra", "subject"),
    [
        ("Auto-Submitted: auto-replied\r\n", "Pothole on Lenina 5"),
        ("Precedence: bulk\r\n", "Pothole on Lenina 5"),
        ("List-Id: <residents.town.example>\r\n", "Pothole on Lenina 5"),
        ("Return-Path: <>\r\n", "Pothole on Lenina 5"),
        ("X-Autoreply: yes\r\n", "Pothole on Lenina 5"),
        ("", "Automatic reply: I am away until Monday"),
        ("", "Out of Office: back on the 10th"),
        ("", "Автоответ: в отпуске до понедельника"),
    ],
)
def test_automated_mail_is_set_aside_not_made_a_card_and_never_answered(ports, extra, subject):
    result = receive(mail(extra=extra, subject=subject), ports)
    assert result.outcome == MailOutcome.AUTOMATED
    assert result.card_number is None
    assert result.reason
    assert ports.cards.every_card(limit=10, cursor=None).cards == []
    assert ports.mailer.sent == []


def test_an_automatic_reply_to_a_card_joins_its_history_and_changes_nothing_else(ports, clock):
    number = receive(mail(), ports).card_number
    closed = _close(ports, number, clock)
    clock.advance(timedelta(days=2))
    our_id = ports.mailer.sent[0].message_id
    away = mail(
        subject="Automatic reply: Pothole on Lenina 5",
        body="I am on holiday until 10 March.",
        message_id="<away@example.org>",
        extra=f"In-Reply-To: {our_id}\r\nAuto-Submitted: auto-replied\r\n",
    )
    result = receive(away, ports)
    assert (result.outcome, result.card_number) == (MailOutcome.AUTOMATED, number)
    after, history = ports.cards.get_with_history(number)
    assert after.status == Status.CLOSED  # not reopened
    assert (after.reopen_count, after.updated_at) == (0, closed.card.updated_at)  # nothing reset
    assert history[-1].internal_note.text.endswith("I am on holiday until 10 March.")
    assert history[-1].public_message is None
    assert len(ports.mailer.sent) == 1  # no answer to an automatic reply


def test_our_own_address_never_gets_a_reply_and_reply_to_is_honoured(ports):
    ours = receive(mail(sender=OURS, message_id="<o1@town.example>"), ports)
    assert not ours.replied
    other = receive(
        mail(message_id="<r1@example.org>", extra="Reply-To: anna.home@example.org\r\n"), ports
    )
    assert ports.mailer.sent[-1].recipient == "anna.home@example.org"
    assert ports.cards.get(other.card_number).requester.email == "anna.home@example.org"


def test_auto_replies_are_rate_limited_per_sender(ports):
    results = [receive(mail(message_id=f"<rate{i}@example.org>"), ports) for i in range(5)]
    assert [r.replied for r in results] == [True, True, True, False, False]
    assert all(r.outcome == MailOutcome.CREATED for r in results)


def test_photos_are_attached_and_executables_are_not(ports):
    boundary = "B"
    jpeg = base64.b64encode(b"\xff\xd8\xff photo").decode()
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee photo\r\n"
        f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; "
        f"filename=hole.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n{jpeg}\r\n"
        f"--{boundary}\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: "
        f"attachment; filename=run.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(b'MZ').decode()}\r\n--{boundary}--\r\n"
    )
    raw = mail(body=body, content_type=f"multipart/mixed; boundary={boundary}")
    card = ports.cards.get(receive(raw, ports).card_number)
    (photo,) = card.attachments
    assert photo.filename == "hole.jpg"
    assert ports.blobs.inspect(photo.key).sha256 == photo.sha256


def test_a_failure_releases_the_claim_so_a_rerun_handles_the_mail(ports):
    class Broken(InMemoryMailLog):
        def is_undeliverable(self, address):
            raise ConnectionError("DynamoDB is down")

    log = Broken()
    broken = MailPorts(**{**ports.__dict__, "mail_log": log})
    with pytest.raises(ConnectionError):
        receive_mail(parse_mail(mail()), PASSING, delivery_id="d", ports=broken, policies=POLICIES)
    # Released: claimed again at once, as a retry of work that may be half done.
    digest = content_digest(parse_mail(mail()))
    claimed = log.claim("<m1@example.org>", digest, at=ports.clock.now(), lease=MAIL_LEASE)
    assert claimed == MailClaim.TAKEN_OVER
    result = receive(mail(), ports)
    assert result.outcome == MailOutcome.CREATED


def test_a_mail_service_outage_neither_loses_the_reply_nor_the_card(ports):
    class Down(RecordingMailer):
        def send(self, mail):
            raise ConnectionError("SES is down")

    down = MailPorts(**{**ports.__dict__, "mailer": Down()})
    result = receive(mail(), down)
    assert result.outcome == MailOutcome.CREATED
    assert result.replied
    (waiting,) = ports.outbox.for_card(result.card_number)
    assert (waiting.kind, waiting.status, waiting.attempts) == ("receipt", "queued", 1)
    assert "ConnectionError" in (waiting.last_error or "")


def test_mail_without_a_sender_is_rejected_with_a_reason(ports):
    raw = b"Subject: hello\r\nMessage-ID: <x@y>\r\n\r\nbody text"
    result = receive(raw, ports)
    assert result.outcome == MailOutcome.REJECTED
    assert result.reason == "no usable sender address"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_message_becomes_a_card_or_a_recorded_reason(ports, path):
    result = receive(path.read_bytes(), ports, delivery=path.name)
    assert result.outcome in {
        MailOutcome.CREATED,
        MailOutcome.REJECTED,
        MailOutcome.BOUNCED,
        MailOutcome.AUTOMATED,
    }
    if result.outcome == MailOutcome.CREATED:
        assert ports.cards.get(result.card_number).channel == Channel.EMAIL
    else:
        assert result.reason


def test_a_reply_to_a_waiting_assigned_card_resumes_work_and_tells_the_executor(ports, clock):
    number = receive(mail(), ports).card_number
    card = ports.cards.get(number)
    for change in (
        lambda c: lifecycle.assign(
            c, "ex-ivan", "front_office", actor=EXECUTOR.actor, at=clock.now()
        ),
        lambda c: lifecycle.transition(
            c,
            Status.IN_PROGRESS,
            lifecycle.TransitionDetails(),
            actor=EXECUTOR.actor,
            at=clock.now(),
        ),
        lambda c: lifecycle.transition(
            c,
            Status.AWAITING_REQUESTER,
            lifecycle.TransitionDetails(note="Need access"),
            actor=EXECUTOR.actor,
            at=clock.now(),
        ),
    ):
        done = change(card)
        ports.cards.save(done.card, done.entry)
        card = done.card
    result = receive(
        mail(
            subject=f"Re: [#{number}]", body="The gate is open now.", message_id="<m10@example.org>"
        ),
        ports,
    )
    assert result.outcome == MailOutcome.THREADED
    assert ports.cards.get(number).status == Status.IN_PROGRESS
    sent = [message_from_bytes(m.raw, policy=policy.default) for m in ports.mailer.sent]
    (notice,) = [m for m in sent if m["To"] == "ivan.sokolov@town.example"]
    assert [m["To"] for m in sent].count("anna@example.org") == 2  # receipt, work resumed
    assert notice["Auto-Submitted"] == "auto-generated"
    assert number in notice["Subject"]
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "in_progress" in body
    assert "The gate is open now." not in body  # the message itself stays in the card


def test_a_rejection_reason_names_fields_never_the_senders_data(ports, monkeypatch):
    from chalicelib.services import mail_intake

    def refuse(*args, **kwargs):
        from chalicelib.domain.errors import FieldProblem, ValidationFailed

        raise ValidationFailed([FieldProblem("requester.email", "anna@example.org is odd")])

    monkeypatch.setattr(mail_intake.intake, "submit_request", refuse)
    result = receive(mail(), ports)
    assert result.outcome == MailOutcome.REJECTED
    assert result.reason == "cannot make a card: invalid requester.email"


def _sent_message(ports, *destinations):
    from chalicelib.domain.outbox import EmailContent, OutboxMessage, OutboxStatus

    now = ports.clock.now()
    message = OutboxMessage(
        id="2026-000042.0003.clarification",
        card_number="2026-000042",
        kind="clarification",
        locale="en",
        destinations=destinations,
        email=EmailContent(subject="s", text="t", html="h"),
        sms="t",
        status=OutboxStatus.SENT,
        sent_via="email",
        next_attempt_at=None,
        created_at=now,
        updated_at=now,
    )
    ports.outbox.add(message)
    return message.id


def _dsn_for(returned_id: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: requests@town.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{returned_id}@mx>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nSorry\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; anna@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: requests@town.example\r\nMessage-ID: <{returned_id}@town.example>\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounced_notice_goes_again_by_sms_and_without_sms_is_marked_bounced(ports):
    from chalicelib.domain.outbox import DeliveryChannel, Destination, OutboxStatus

    email = Destination(channel=DeliveryChannel.EMAIL, address="anna@example.org")
    sms = Destination(channel=DeliveryChannel.SMS, address="+7 916 123-45-67")
    message_id = _sent_message(ports, email, sms)
    result = receive(_dsn_for(message_id), ports)
    assert result.outcome == MailOutcome.BOUNCED
    assert "1 message(s)" in (result.reason or "")
    again = ports.outbox.get(message_id)  # queued on the fallback and sent by the sender
    assert (again.status, again.sent_via, again.destination) == (OutboxStatus.SENT, "sms", sms)
    assert ports.mail_log.is_undeliverable("anna@example.org")

    only_mail = InMemoryCardRepository().outbox
    ports2 = MailPorts(**{**ports.__dict__, "outbox": only_mail, "mail_log": InMemoryMailLog()})
    lone = _sent_message(ports2, email)
    receive(_dsn_for(lone), ports2)
    assert only_mail.get(lone).status == OutboxStatus.BOUNCED
    # A report about someone else's mail, or ours unknown, moves nothing.
    assert "0 message(s)" in (receive(_dsn_for("not-ours"), ports2, delivery="x").reason or "")


def _photo_mail(message_id: str = "<m1@example.org>", words: str = "See photo") -> bytes:
    jpeg = base64.b64encode(b"\xff\xd8\xff photo").decode()
    body = (
        f"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n"
        "--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; "
        f"filename=hole.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n{jpeg}\r\n--B--\r\n"
    )
    return mail(body=body, content_type="multipart/mixed; boundary=B", message_id=message_id)


class Killed(BaseException):
    """The Lambda runtime killing a handler at its timeout: no except clause of ours runs."""


@pytest.mark.parametrize("dies_at", ["card made", "files stored", "files on the card"])
def test_a_delivery_killed_mid_way_is_taken_over_by_the_retry_and_makes_one_card(
    ports, clock, dies_at
):
    from chalicelib.services.mail_intake import MAIL_LEASE, MailAtWork

    class Dying(InMemoryBlobStore):
        armed = True

        def put(self, key, content, *, content_type):
            if self.armed and dies_at == "card made":
                self.armed = False
                raise Killed()
            stored = super().put(key, content, content_type=content_type)
            if self.armed and dies_at == "files stored":
                self.armed = False
                raise Killed()
            return stored

    blobs = Dying()
    dying = MailPorts(**{**ports.__dict__, "blobs": blobs})
    if dies_at == "files on the card":
        real_save = ports.cards.save

        def save_then_die(card, entry, messages=()):
            real_save(card, entry, messages)
            if blobs.armed:
                blobs.armed = False
                raise Killed()

        ports.cards.save = save_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        receive_mail(
            parse_mail(_photo_mail()), PASSING, delivery_id="d", ports=dying, policies=POLICIES
        )
    with pytest.raises(MailAtWork):  # Lambda's retry within the lease: the claim still holds
        receive_mail(
            parse_mail(_photo_mail()), PASSING, delivery_id="d", ports=dying, policies=POLICIES
        )
    clock.advance(MAIL_LEASE + timedelta(seconds=1))
    result = receive(_photo_mail(), dying)
    assert result.outcome == MailOutcome.CREATED
    assert ports.cards.numbers_taken([clock.now().year]) == 1  # one card, one number
    card = ports.cards.get(result.card_number)
    assert [a.filename for a in card.attachments] == ["hole.jpg"]
    receipts = [m for m in ports.outbox.for_card(card.number) if m.kind == "receipt"]
    assert len(receipts) == 1
    assert receive(_photo_mail(), dying).outcome == MailOutcome.DUPLICATE


def test_a_follow_up_killed_after_its_words_were_added_is_not_added_twice(ports, clock):
    from chalicelib.services.mail_intake import MAIL_LEASE

    first = receive(mail(), ports)
    follow = mail(
        subject=f"Re: [#{first.card_number}] Pothole",
        body="It got deeper",
        message_id="<m2@example.org>",
        extra="In-Reply-To: <m1@example.org>\r\n",
    )
    real_save = ports.cards.save
    calls = []

    def save_then_die(card, entry, messages=()):
        real_save(card, entry, messages)
        calls.append(entry)
        if len(calls) == 1:
            raise Killed()

    ports.cards.save = save_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        receive(follow, ports)
    clock.advance(MAIL_LEASE + timedelta(seconds=1))
    assert receive(follow, ports).outcome == MailOutcome.THREADED
    _, history = ports.cards.get_with_history(first.card_number)
    said = [e.public_message.text for e in history if e.public_message]
    assert said.count("It got deeper") == 1


def test_a_different_mail_reusing_a_message_id_is_handled_not_dropped(ports):
    first = receive(mail(), ports)
    bench = {"subject": "Broken bench", "body": "The bench is broken.", "sender": "b@example.org"}
    other = receive(mail(**bench), ports)
    assert other.outcome == MailOutcome.CREATED
    assert other.card_number != first.card_number
    assert ports.cards.get(other.card_number).subject == "Broken bench"
    # Its own repeat is a duplicate; the original's thread still leads to the first card.
    again = receive(mail(**bench), ports)
    assert again.outcome == MailOutcome.DUPLICATE
    (record,) = ports.mail_log.find(("<m1@example.org>",))
    assert record.card_number == first.card_number
