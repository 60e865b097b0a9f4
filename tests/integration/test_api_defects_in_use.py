"""Defects found by using the staff API as staff would, each reproduced as it was seen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body


@pytest.fixture
def api(make_api):
    from chalicelib.adapters.memory_mail import RecordingMailer
    from chalicelib.adapters.memory_sla import InMemoryEscalations, InMemoryTimerScheduler

    return make_api(
        routing_rules=queue_only_rules(),  # cards wait unassigned in their queue
        scheduler=InMemoryTimerScheduler(),
        escalations=InMemoryEscalations(),
        mailer=RecordingMailer(),
    )


def _card(api, **form) -> str:
    return body(api.post("/requests", card_form(**form)))["number"]


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("assign", {"executor_id": "ex-pavel", "reason": "Mine now"}),
        ("transition", {"to": "in_progress"}),
        ("comments", {"text": "Looked at it"}),
        ("flags", {"flags": ["safety"], "reason": "Dangerous"}),
        ("replies", {"kind": "refusal", "text": "Not ours"}),
    ],
)
def test_an_outsider_s_write_is_refused_before_the_version_and_learns_nothing(api, action, payload):
    number = _card(api)  # a roads card; Pavel works in lighting
    stale = api.post(f"/staff/cards/{number}/{action}", {**payload, "version": 7}, staff="ex-pavel")
    assert stale.status_code == 403, stale.body
    error = body(stale)["error"]
    assert "current_version" not in error
    assert error["message"] == f"you cannot see card {number}"


def test_a_refused_file_link_says_the_true_reason(api):
    number = _card(api)  # not a sensitive card
    refused = api.get(f"/staff/cards/{number}/attachments/x", staff="ex-pavel")
    assert refused.status_code == 403
    message = body(refused)["error"]["message"]
    assert "sensitive" not in message
    assert message == f"you cannot see card {number}"


def test_taking_an_unowned_card_from_the_queue_needs_no_reason(api):
    number = _card(api, category="other.question")  # waits in the front office's queue
    taken = api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-ivan", "version": 1}, staff="op-olga"
    )
    assert taken.status_code == 200, taken.body
    assert (body(taken)["executor_id"], body(taken)["department"]) == ("ex-ivan", "roads")
    # Taking it from Ivan, or sending a card to another queue, still says why.
    again = api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-maria", "version": 2}, staff="op-olga"
    )
    assert [f["field"] for f in body(again)["error"]["fields"]] == ["reason"]
    other = _card(api, category="other.question")
    sent = api.post(
        f"/staff/cards/{other}/assign", {"department": "lighting", "version": 1}, staff="op-olga"
    )
    assert sent.status_code == 422
    assert "another department's queue" in body(sent)["error"]["message"]


@pytest.mark.parametrize(
    "path", ["/staff/queue", "/staff/approvals", "/staff/overdue", "/staff/workload"]
)
def test_a_list_without_a_department_says_the_parameter_is_required(api, path):
    for query in ("", "?department="):
        answer = api.get(path + query, staff="mgr-sergey")
        assert answer.status_code == 400
        (problem,) = body(answer)["error"]["fields"]
        assert problem["field"] == "department"
        assert "unknown department" not in problem["problem"]


def test_an_overdue_card_says_since_when_as_the_overdue_list_does(api, clock):
    number = _card(api)
    api.container.sla.sweep()
    assert body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))["overdue_since"] is None
    clock.advance(timedelta(days=10))
    api.container.sla.sweep()
    (listed,) = body(api.get("/staff/overdue?department=roads", staff="mgr-sergey"))["cards"]
    detail = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    assert listed["number"] == number
    assert listed["overdue_since"] is not None
    assert detail["overdue_since"] == listed["overdue_since"]
