"""The SES handler driven by AWS's own event shape, with real raw mail in S3 (all under moto)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.services.mail_delivery import Shelf
from functions import email_inbound, outbox_dispatch
from infrastructure.local.mailroom import LambdaContext
from tests.integration.conftest import body, ses_event, store_raw_mail

CORPUS = sorted(
    (Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data").glob("msg_*.txt")
)
MAIL = (
    b"From: Anna Ivanova <anna@example.org>\r\nTo: requests@town.example\r\n"
    b"Subject: Pothole on Lenina 5\r\nMessage-ID: <pothole-1@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nA deep pothole by the bus stop.\r\n"
)


def _sent_count(aws) -> int:
    """Messages moto's SES accepted (its send quota counts recipients, not messages)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return len(ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages)


def test_the_sample_event_with_a_real_mail_makes_a_card_and_a_reply(
    ses_sample, mailroom, aws, settings
):
    container, telemetry = mailroom
    store_raw_mail(aws, settings, "ses-0001", MAIL)
    result = email_inbound.handler(ses_event(ses_sample, "ses-0001"), LambdaContext())
    ((handled),) = result["handled"]
    assert handled["outcome"] == "created"
    card = container.cards.get(handled["card"])
    assert card.subject == "Pothole on Lenina 5"
    assert card.requester.email == "anna@example.org"
    # The reply was queued with the card; the outbox sender (its own function) sends it.
    (reply,) = container.outbox.for_card(card.number)
    assert (reply.kind, reply.email.auto_submitted) == ("receipt", "auto-replied")
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"sent": 1}
    assert _sent_count(aws) == 1
    assert telemetry.mail_outcomes == ["created"]
    again = email_inbound.handler(ses_event(ses_sample, "ses-0001"), LambdaContext())
    assert again["handled"][0]["outcome"] == "duplicate"
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {}
    assert _sent_count(aws) == 1


def test_spam_is_quarantined_and_listed_with_its_reason(ses_sample, mailroom, aws, settings):
    container, _ = mailroom
    store_raw_mail(aws, settings, "ses-spam", MAIL)
    result = email_inbound.handler(ses_event(ses_sample, "ses-spam", spam="FAIL"), LambdaContext())
    assert result["handled"][0] == {"outcome": "quarantined", "card": None}
    (shelved,) = container.raw_mail.shelved(Shelf.QUARANTINE.value)
    assert shelved.message_id == "ses-spam"
    assert "spam FAIL" in shelved.reason
    assert shelved.verdicts["spam"] == "FAIL"
    assert _sent_count(aws) == 0


def test_oversized_mail_is_dead_lettered_and_reprocessed_later(ses_sample, mailroom, aws, settings):
    container, _ = mailroom
    store_raw_mail(aws, settings, "ses-big", MAIL + b"x" * 2000)
    strict = bootstrap.build(
        settings.__class__(**{**settings.__dict__, "mail_max_bytes": 1000}),
        dynamodb_client=aws["dynamodb"],
        s3_client=aws["s3"],
        ses_client=aws["ses"],
        clock=container.clock,
        directory=container.directory,
        telemetry=container.telemetry,
    )
    bootstrap.use(strict)
    result = email_inbound.handler(ses_event(ses_sample, "ses-big"), LambdaContext())
    assert result["handled"][0]["outcome"] == "dead_lettered"
    (dead,) = container.raw_mail.shelved(Shelf.DEAD_LETTER.value)
    assert dead.reason.startswith("oversized")
    outcomes = container.mail_intake.reprocess(Shelf.DEAD_LETTER)
    assert [(mid, r.outcome.value) for mid, r in outcomes] == [("ses-big", "created")]
    assert container.raw_mail.shelved(Shelf.DEAD_LETTER.value) == []


def test_every_corpus_mail_through_the_handler(ses_sample, mailroom, aws, settings):
    container, telemetry = mailroom
    for index, path in enumerate(CORPUS):
        store_raw_mail(aws, settings, f"corpus-{index}", path.read_bytes())
        result = email_inbound.handler(ses_event(ses_sample, f"corpus-{index}"), LambdaContext())
        assert result["handled"][0]["outcome"] in {
            "created",
            "rejected",
            "bounced",
            "duplicate",
            "automated",
        }, path.name
    rejected = container.raw_mail.shelved(Shelf.REJECTED.value)
    assert len(rejected) == telemetry.mail_outcomes.count("rejected")
    assert all(item.reason for item in rejected)
    assert telemetry.mail_outcomes.count("created") >= 25
    assert container.raw_mail.shelved(Shelf.DEAD_LETTER.value) == []


def test_an_out_of_office_reply_is_set_aside_and_the_front_desk_makes_it_a_card(
    ses_sample, mailroom, aws, settings, make_api
):
    container, _ = mailroom
    away = MAIL.replace(b"Subject: Pothole on Lenina 5", b"Subject: Automatic reply: Pothole")
    store_raw_mail(aws, settings, "ses-away", away)
    result = email_inbound.handler(ses_event(ses_sample, "ses-away"), LambdaContext())
    assert result["handled"] == [{"outcome": "automated", "card": None}]
    api = make_api(raw_mail=container.raw_mail)
    assert api.get("/staff/mail/automated", staff="ex-ivan").status_code == 403
    listed = body(api.get("/staff/mail/automated", staff="op-olga"))["mail"]
    assert [(m["message_id"], m["subject"]) for m in listed] == [
        ("ses-away", "Automatic reply: Pothole")
    ]
    made = api.post("/staff/mail/automated/ses-away/card", {}, staff="op-olga")
    assert made.status_code == 201
    number = body(made)["number"]
    assert made.headers["Location"] == f"/staff/cards/{number}"
    assert body(api.get("/staff/mail/automated", staff="op-olga"))["mail"] == []
    assert api.post("/staff/mail/automated/ses-away/card", {}, staff="op-olga").status_code == 404
