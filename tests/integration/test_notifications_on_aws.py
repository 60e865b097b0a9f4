"""Requester messages for real: a web request's receipt travels from the card's transaction
through the table's stream to SES; a preferred SMS goes by SNS; a refused address falls back."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from functions import outbox_dispatch
from infrastructure.local.mailroom import LambdaContext
from tests.conftest import card_form

REGION = "eu-central-1"


def _ses_sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def _sms_sent() -> list[tuple[str, str]]:
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def _stream_event(aws, table: str) -> dict[str, Any]:
    """What Lambda hands the function: the stream's records, read from moto's stream."""
    streams = boto3.client("dynamodbstreams")
    arn = aws["dynamodb"].describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return {"Records": [{**r, "eventSourceARN": arn} for r in records]}


def _raw(message: Any) -> bytes:
    return message.raw_data.encode() if isinstance(message.raw_data, str) else message.raw_data


def test_a_web_request_is_confirmed_by_mail_through_the_stream(api, aws, settings):
    response = api.post("/requests", card_form())
    assert response.status_code == 201
    number = response.json_body["number"]
    event = _stream_event(aws, settings.table_name)
    assert any(r["dynamodb"]["Keys"]["pk"]["S"] == f"OUTBOX#{number}" for r in event["Records"])
    assert outbox_dispatch.handler(event, LambdaContext()) == {"sent": 1}
    (sent,) = _ses_sent()
    mail = message_from_bytes(_raw(sent), policy=default)
    assert mail["To"] == "anna@example.org"
    assert number in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert response.json_body["access_token"] in body
    # The stream delivering the same batch again sends nothing twice.
    assert outbox_dispatch.handler(event, LambdaContext()) == {}
    assert len(_ses_sent()) == 1


def test_a_requester_who_prefers_sms_gets_a_text_and_a_clarification_request(api, aws, settings):
    form = card_form(
        requester={
            "full_name": "Анна Иванова",
            "phone": "8 (916) 123-45-67",
            "preferred_channel": "sms",
            "locale": "ru",
        }
    )
    number = api.post("/requests", form).json_body["number"]
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"sent": 1}
    ((phone, text),) = _sms_sent()
    assert phone == "+79161234567"  # the national trunk prefix became the country code
    assert f"обращение {number} зарегистрировано" in text
    card = api.get(f"/staff/cards/{number}", staff="mgr-sergey").json_body
    moved = api.post(
        f"/staff/cards/{number}/transition",
        {"to": "needs_clarification", "question": "Какой номер дома?", "version": card["version"]},
        staff="mgr-sergey",
    )
    assert moved.status_code == 200, moved.json_body
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"sent": 1}
    assert "Какой номер дома?" in _sms_sent()[-1][1]


def test_a_mail_ses_refuses_falls_back_to_sms_and_the_card_change_stands(api, aws, settings):
    aws["ses"].delete_identity(Identity="town.example")  # SES now refuses our From address
    form = card_form(
        requester={
            "full_name": "Anna Ivanova",
            "email": "anna@example.org",
            "phone": "+7 916 123-45-67",
            "preferred_channel": "email",
        }
    )
    response = api.post("/requests", form)
    assert response.status_code == 201
    number = response.json_body["number"]
    dispatched = outbox_dispatch.handler({"source": "aws.events"}, LambdaContext())
    assert dispatched == {"retrying": 1}
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"sent": 1}
    assert _ses_sent() == []
    assert len(_sms_sent()) == 1
    (message,) = api.container.outbox.for_card(number)
    assert message.sent_via == "sms"
    assert message.last_error is None


def test_the_signed_link_in_a_later_message_opens_the_card_and_the_answer_resumes_work(api, clock):
    from datetime import timedelta

    number = api.post("/requests", card_form()).json_body["number"]
    card = api.get(f"/staff/cards/{number}", staff="mgr-sergey").json_body
    api.post(
        f"/staff/cards/{number}/transition",
        {"to": "needs_clarification", "question": "Which house?", "version": card["version"]},
        staff="mgr-sergey",
    )
    (question,) = [m for m in api.container.outbox.for_card(number) if m.kind == "clarification"]
    assert question.email is not None
    token = question.email.text.split("#t=")[1].split()[0]
    header = {"X-Access-Token": token}
    status = api.get(f"/requests/{number}", headers=header)
    assert status.status_code == 200
    assert status.json_body["open_question"] == "Which house?"
    answered = api.post(f"/requests/{number}/messages", {"text": "House 5"}, headers=header)
    assert answered.status_code == 201
    kinds = [m.kind for m in api.container.outbox.for_card(number)]
    assert kinds == ["receipt", "clarification", "resumed"]
    # Another card's number, a tampered signature and an expired link all open nothing.
    other = api.post("/requests", card_form()).json_body["number"]
    assert api.get(f"/requests/{other}", headers=header).status_code == 404
    assert (
        api.get(f"/requests/{number}", headers={"X-Access-Token": token[:-2] + "xx"}).status_code
        == 404
    )
    clock.advance(timedelta(days=91))
    assert api.get(f"/requests/{number}", headers=header).status_code == 404


def test_a_requester_who_lost_the_link_opens_the_card_with_a_one_time_code(api, clock):
    form = card_form(
        requester={"full_name": "Анна", "phone": "+7 916 123-45-67", "preferred_channel": "sms"}
    )
    number = api.post("/requests", form).json_body["number"]
    sent = api.post(f"/requests/{number}/access-code", {})
    assert sent.status_code == 202
    nobody = api.post("/requests/2026-999999/access-code", {})
    assert (nobody.status_code, nobody.json_body) == (202, sent.json_body)  # says nothing
    (message,) = [m for m in api.container.outbox.for_card(number) if m.kind == "access_code"]
    assert message.sms is not None
    code = message.sms.split()[0]
    assert len(code) == 6
    assert code.isdigit()
    wrong = "000000" if code != "000000" else "111111"
    assert api.post(f"/requests/{number}/access-code/check", {"code": wrong}).status_code == 404
    malformed = api.post(f"/requests/{number}/access-code/check", {"code": "12ab"})
    assert malformed.status_code == 400
    granted = api.post(f"/requests/{number}/access-code/check", {"code": code})
    assert granted.status_code == 200, granted.json_body
    key = {"X-Access-Token": granted.json_body["access_token"]}
    assert api.get(f"/requests/{number}", headers=key).status_code == 200
    again = api.post(f"/requests/{number}/access-code/check", {"code": code})
    assert again.status_code == 404  # used once
    for _ in range(2):
        assert api.post(f"/requests/{number}/access-code", {}).status_code == 202
    limited = api.post(f"/requests/{number}/access-code", {})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


def test_a_message_no_channel_took_waits_for_an_administrator_to_run_it_again(api, aws):
    aws["ses"].delete_identity(Identity="town.example")  # SES refuses our From address
    email_only = {"full_name": "Anna", "email": "anna@example.org", "preferred_channel": "email"}
    number = api.post("/requests", card_form(requester=email_only)).json_body["number"]
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"failed": 1}
    assert api.get("/admin/outbox/failed", staff="mgr-sergey").status_code == 403
    listed = api.get("/admin/outbox/failed", staff="adm-dmitry").json_body["messages"]
    assert [(m["id"], m["status"]) for m in listed] == [(f"{number}.0001.receipt", "failed")]
    assert "MessageRejected" in listed[0]["last_error"]
    aws["ses"].verify_domain_identity(Domain="town.example")  # the cause is fixed
    bad = api.post("/admin/outbox/retry", {"card": "yesterday"}, staff="adm-dmitry")
    assert bad.status_code == 400
    again = api.post("/admin/outbox/retry", {"card": number}, staff="adm-dmitry")
    assert [m["status"] for m in again.json_body["messages"]] == ["queued"]
    assert outbox_dispatch.handler({"source": "aws.events"}, LambdaContext()) == {"sent": 1}
    assert api.get("/admin/outbox/failed", staff="adm-dmitry").json_body["messages"] == []
    assert len(_ses_sent()) == 1
