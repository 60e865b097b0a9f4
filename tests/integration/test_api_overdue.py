"""A missed deadline is explained through the API: reason, next step, manager-agreed deadline."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import card_form
from tests.integration.conftest import body


def _fields(response) -> set[str]:
    return {f["field"] for f in body(response)["error"]["fields"]}


def _timers(api, number: str) -> dict[str, dict]:
    card = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    return {t["kind"]: t for t in card["timers"]}


def test_explaining_a_breach(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    early = api.post(
        f"/staff/cards/{number}/overdue",
        {"reason": "another_agency", "next_step": "reassign", "version": 1},
        staff="mgr-sergey",
    )
    assert early.status_code == 422  # nothing has been missed yet
    assert _fields(early) == {"reason"}

    clock.advance(timedelta(hours=3))  # the 1-hour registration target is missed
    assert _timers(api, number)["registration"]["state"] == "breached"
    vague = api.post(
        f"/staff/cards/{number}/overdue",
        {"reason": "other", "next_step": "reassign", "version": 1},
        staff="mgr-sergey",
    )
    assert vague.status_code == 422
    assert _fields(vague) == {"reason_text"}
    by_operator = api.post(
        f"/staff/cards/{number}/overdue",
        {
            "reason": "routing_error",
            "next_step": "new_deadline",
            "new_deadline": "2026-03-20T15:00:00+03:00",
            "version": 1,
        },
        staff="op-olga",
    )
    assert by_operator.status_code == 403
    raised = api.post(
        f"/staff/cards/{number}/overdue",
        {"reason": "routing_error", "next_step": "raise_priority", "version": 1},
        staff="op-olga",
    )
    assert raised.status_code == 201
    card = body(raised)
    assert card["priority"] == "high"
    entry = card["history"][-1]
    assert entry["action"] == "overdue_explained"
    assert entry["public"] is False
    assert entry["internal_note"]["text"] == "Overdue: routing_error; next step: raise_priority"

    agreed = api.post(
        f"/staff/cards/{number}/overdue",
        {
            "reason": "another_agency",
            "next_step": "new_deadline",
            "new_deadline": "2026-03-20T15:00:00+03:00",
            "version": 2,
        },
        staff="mgr-sergey",
    )
    assert agreed.status_code == 201
    decision = _timers(api, number)["decision"]
    assert decision["due_at"] == "2026-03-20T12:00:00Z"
    assert decision["state"] == "running"


def test_a_new_deadline_must_be_in_the_future_and_aware(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    clock.advance(timedelta(hours=3))
    past = api.post(
        f"/staff/cards/{number}/overdue",
        {
            "reason": "another_agency",
            "next_step": "new_deadline",
            "new_deadline": "2026-03-01T10:00:00+03:00",
            "version": 1,
        },
        staff="mgr-sergey",
    )
    assert past.status_code == 422
    assert _fields(past) == {"new_deadline"}
    naive = api.post(
        f"/staff/cards/{number}/overdue",
        {
            "reason": "another_agency",
            "next_step": "new_deadline",
            "new_deadline": "2026-03-20T15:00:00",
            "version": 1,
        },
        staff="mgr-sergey",
    )
    assert naive.status_code == 400
    assert _fields(naive) == {"new_deadline"}
