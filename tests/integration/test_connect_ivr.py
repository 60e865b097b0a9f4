"""The IVR's steps, driven by AWS's own Connect contact-flow event (SAM CLI sample): callers
recognised, statuses heard only by their own phone or with a code, one card per contact
however often Connect retries, and a safe answer whatever goes wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions import connect_ivr
from infrastructure.local.mailroom import LambdaContext
from tests.conftest import card_form
from tests.integration.conftest import body

ANNA = "+79161234567"
STRANGER = "+79990000000"


@pytest.fixture
def call(api, sam_sample):
    def step(contact_id: str, phone: str, **parameters: str) -> dict[str, str]:
        raw = json.dumps(sam_sample("connect/ConnectContactFlowEvent.json"))
        event: dict[str, Any] = json.loads(
            raw.replace("{{{contact_id}}}", contact_id).replace("{{{phone_number}}}", phone)
        )
        event["Details"]["Parameters"] = parameters
        answer = connect_ivr.handler(event, LambdaContext())
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items())
        assert len(json.dumps(answer)) < 32_000  # Connect's limit on a Lambda's answer
        return answer

    return step


def test_a_caller_leaves_a_request_once_however_often_connect_retries(call, api):
    assert call("c-1", ANNA, operation="lookup_caller") == {"result": "unknown"}
    made = call("c-1", ANNA, operation="create", topic="1", description="Big pothole at Lenina 5")
    assert made["result"] == "created"
    number = made["number"]
    assert made["number_spoken"] == f"number {int(number[5:])} of {number[:4]}"
    assert made["number_digits"] == number.replace("-", "")
    again = call("c-1", ANNA, operation="create", topic="1", description="Big pothole at Lenina 5")
    assert again["number"] == number  # Connect's retry: the same card
    card = api.container.cards.get(number)
    assert (card.channel, card.category, card.requester.phone) == ("phone", "roads.potholes", ANNA)
    (receipt,) = api.container.outbox.for_card(number)
    assert [d.channel for d in receipt.destinations] == ["sms"]
    known = call("c-2", "8 (916) 123-45-67", operation="lookup_caller", locale="ru")
    assert (known["result"], known["latest_number"]) == ("known", number)
    assert known["latest_number_spoken"] == f"номер {int(number[5:])} за {number[:4]} год"
    assert known["latest_status_spoken"] == "зарегистрировано и ждёт исполнителя"


def test_only_the_requesters_phone_or_a_code_hears_a_status(call, api):
    number = call("c-1", ANNA, operation="create", topic="2", description="Lamp out")["number"]
    short = str(int(number[5:]))
    mine = call("c-2", ANNA, operation="status", number=short)
    assert (mine["result"], mine["status"], mine["number"]) == ("ok", "received", number)
    assert "first_response_due" in mine
    assert call("c-3", STRANGER, operation="status", number=short) == {
        "result": "verify",
        "number": number,
    }
    nobody = call("c-3", STRANGER, operation="status", number="2026999999")
    # An unknown number answers in the same shape as a known one: it says no more.
    assert nobody == {"result": "verify", "number": "2026-999999"}
    assert call("c-3", STRANGER, operation="send_code", number=short) == {"result": "sent"}
    (message,) = [m for m in api.container.outbox.for_card(number) if m.kind == "access_code"]
    assert [d.address for d in message.destinations] == [ANNA]  # never the calling phone
    code = message.sms.split()[0]
    wrong = "000000" if code != "000000" else "111111"
    assert call("c-3", STRANGER, operation="status", number=short, code=wrong) == {
        "result": "not_found"
    }
    heard = call("c-3", STRANGER, operation="status", number=short, code=code)
    assert heard["result"] == "ok"
    assert call("c-3", STRANGER, operation="status", number="abc") == {"result": "invalid_number"}


def test_words_that_arrive_after_the_call_join_its_card_once(call, api):
    number = call("c-9", ANNA, operation="create", topic="4", description="")["number"]
    card = api.container.cards.get(number)
    assert card.description == "Voicemail: the recording follows."
    said = "No heating in flat 12 since Monday"
    assert call("c-9", ANNA, operation="attach", transcript=said)["result"] == "attached"
    assert call("c-9", ANNA, operation="attach", transcript=said)["result"] == "attached"
    recording = "s3://town-connect/recordings/c-9.wav"
    assert call("c-9", ANNA, operation="attach", recording=recording)["result"] == "attached"
    _, history = api.container.cards.get_with_history(number)
    spoken = [e.public_message.text for e in history if e.public_message]
    assert spoken.count(said) == 1
    assert any(e.internal_note and recording in e.internal_note.text for e in history)
    assert call("c-404", ANNA, operation="attach", transcript=said) == {"result": "not_found"}
    assert call("c-9", ANNA, operation="attach")["result"] == "invalid"


def test_malformed_steps_get_a_clear_answer_and_failures_a_way_to_an_operator(
    call, api, monkeypatch
):
    assert call("c-1", ANNA, operation="dance")["result"] == "invalid"
    assert call("c-1", ANNA)["result"] == "invalid"
    assert call("c-1", ANNA, operation="create", topic="7", description="x")["result"] == (
        "invalid_topic"
    )
    assert call("", ANNA, operation="lookup_caller")["result"] == "invalid"
    withheld = call("c-2", "anonymous", operation="create", topic="1", description="Pothole")
    assert withheld == {"result": "invalid", "problem": "cannot make a card: requester.phone"}

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("DynamoDB is unreachable")

    monkeypatch.setattr(api.container.cards, "from_phone", broken)
    assert call("c-1", ANNA, operation="lookup_caller") == {"result": "error", "route": "operator"}


def test_a_web_request_with_the_same_phone_is_the_callers_too(call, api):
    form = card_form(
        requester={
            "full_name": "Anna Ivanova",
            "phone": "8 916 123 45 67",
            "preferred_channel": "sms",
        }
    )
    number = body(api.post("/requests", form))["number"]
    known = call("c-5", ANNA, operation="lookup_caller")
    assert known["latest_number"] == number
    made = call("c-6", ANNA, operation="create", topic="3", description="Bins not emptied")
    card = api.container.cards.get(made["number"])
    assert card.requester.full_name == "Anna Ivanova"  # recognised, not "Phone caller"
