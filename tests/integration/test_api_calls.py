"""The operator's call card over the API: every call becomes a card, however it ended."""

from __future__ import annotations

from tests.integration.conftest import body

CALLER = {"full_name": "Pyotr Ivanov", "phone": "+7 916 555-44-33", "preferred_channel": "sms"}


def _call(**overrides):
    record = {
        "caller": CALLER,
        "essence": "Deep pothole on Lenina street\nThe caller's car was damaged.",
        "category": "roads.potholes",
        "checked": "No earlier request from this caller",
        "outcome": "card_created",
    }
    return {**record, **overrides}


def _kinds(api, number):
    return [m.kind for m in api.container.outbox.for_card(number)]


def test_missing_details_keep_the_card_tracked_with_the_questions(api):
    made = api.post(
        "/staff/calls",
        _call(missing=["Which house number?", "Is the hole marked?"]),
        staff="op-olga",
        headers={"Idempotency-Key": "contact-1"},
    )
    assert made.status_code == 201, made.body
    card = body(made)
    assert made.headers["Location"] == f"/staff/cards/{card['number']}"
    assert (card["channel"], card["status"]) == ("phone", "needs_clarification")
    assert card["open_question"] == "- Which house number?\n- Is the hole marked?"
    assert card["description"].endswith("Already checked: No earlier request from this caller")
    assert card["subject"] == "Deep pothole on Lenina street"
    assert _kinds(api, card["number"]) == ["receipt", "clarification"]
    again = api.post(
        "/staff/calls",
        _call(missing=["Which house number?", "Is the hole marked?"]),
        staff="op-olga",
        headers={"Idempotency-Key": "contact-1"},
    )
    assert again.status_code == 201
    assert (body(again)["number"], body(again)["version"]) == (card["number"], card["version"])
    assert _kinds(api, card["number"]) == ["receipt", "clarification"]


def test_a_consultation_is_a_closed_card_and_the_caller_gets_the_answer_in_writing(api):
    answer = "Bulky waste is collected on the first Saturday of the month."
    made = api.post(
        "/staff/calls",
        _call(
            category="other.question",
            essence="When is bulky waste collected?",
            outcome="consultation",
            answer=answer,
        ),
        staff="op-olga",
    )
    card = body(made)
    assert (card["status"], card["closure_reason"]) == ("closed", answer)
    (closing,) = [m for m in api.container.outbox.for_card(card["number"]) if m.kind != "receipt"]
    assert closing.sms is not None
    assert closing.email is not None
    assert answer in closing.email.text


def test_a_forwarded_call_waits_in_that_departments_queue(api):
    card = body(
        api.post("/staff/calls", _call(outcome="forwarded", forwarded_to="parks"), staff="op-olga")
    )
    assert (card["department"], card["executor_id"], card["status"]) == ("parks", None, "received")
    assert card["history"][-1]["internal_note"]["text"] == "forwarded during the call"


def test_bad_call_records_are_refused_with_the_field_named(api):
    def refused(record, staff="op-olga"):
        response = api.post("/staff/calls", record, staff=staff)
        return response.status_code, body(response)["error"]

    status, error = refused(_call(outcome="consultation"))
    assert status == 400
    assert "answer" in error["fields"][0]["problem"]
    status, error = refused(_call(outcome="forwarded", forwarded_to="moon"))
    assert (status, error["fields"][0]["field"]) == (400, "forwarded_to")
    status, error = refused(_call(category="roads.volcanoes"))
    assert (status, error["fields"][0]["field"]) == (400, "category")
    status, error = refused(_call(caller={"full_name": "X", "preferred_channel": "sms"}))
    assert status == 400
    assert {f["field"] for f in error["fields"]} >= {"caller.full_name"}
    assert refused(_call(), staff="ex-ivan")[0] == 403
    assert refused(_call(), staff="ctl-elena")[0] == 403


def test_the_call_script_asks_the_general_questions_then_the_topics(api):
    script = body(
        api.get("/staff/calls/script?category=housing.heating&locale=ru", staff="op-olga")
    )
    assert script["questions"][0].startswith("Кто звонит")
    assert "Адрес и номер квартиры?" in script["questions"]
    plain = body(api.get("/staff/calls/script?category=other.question", staff="op-olga"))
    assert len(plain["questions"]) == 3
    assert api.get("/staff/calls/script?category=nope", staff="op-olga").status_code == 400
