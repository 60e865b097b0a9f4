"""A missed deadline is explained through the API: reason, next step, manager-agreed deadline."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body


def _resident(name: str) -> dict[str, str]:
    return {"full_name": f"{name.title()} Ivanova", "email": f"{name}@example.org"}


def _fields(response) -> set[str]:
    return {f["field"] for f in body(response)["error"]["fields"]}


def _timers(api, number: str) -> dict[str, dict]:
    card = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    return {t["kind"]: t for t in card["timers"]}


@pytest.fixture
def api(make_api):
    """A town whose cards wait in their department's queue: nobody picks them up in time."""
    return make_api(routing_rules=queue_only_rules())


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


def test_a_missed_deadline_appears_in_the_history_and_the_weekly_review(make_api, clock):
    from chalicelib.adapters.memory_mail import RecordingMailer
    from chalicelib.adapters.memory_sla import InMemoryEscalations, InMemoryTimerScheduler

    api = make_api(
        routing_rules=queue_only_rules(),
        scheduler=InMemoryTimerScheduler(),
        escalations=InMemoryEscalations(),
        mailer=RecordingMailer(),
    )
    c = api.container
    # Two residents (the second card of one resident would be a repeat, owned by the manager).
    receipts = [
        body(api.post("/requests", card_form(requester=_resident(name))))
        for name in ("anna", "boris")
    ]
    numbers = [r["number"] for r in receipts]
    clock.advance(timedelta(hours=2))
    report = c.sla.sweep()
    assert report.checked == 2
    card = body(api.get(f"/staff/cards/{numbers[0]}", staff="mgr-sergey"))
    missed = [e for e in card["history"] if e["action"] == "deadline_missed"]
    assert len(missed) == 1
    assert missed[0]["public"] is False
    status = api.get(
        f"/requests/{numbers[0]}", headers={"X-Access-Token": receipts[0]["access_token"]}
    )
    assert status.status_code == 200
    assert "missed" not in json.dumps(body(status)).lower()  # internal: not on the status page

    review = api.get("/staff/reports/repeated-breaches?week=2026-W10", staff="ctl-elena")
    assert review.status_code == 200
    assert body(review) == {
        "week": "2026-W10",
        "categories": [
            {
                "category": "roads.potholes",
                "label": "Roads › Potholes",
                "count": 2,
                "numbers": sorted(numbers),
            }
        ],
    }
    assert api.get("/staff/reports/repeated-breaches", staff="ex-ivan").status_code == 403
    bad = api.get("/staff/reports/repeated-breaches?week=last", staff="ctl-elena")
    assert bad.status_code == 400
    assert _fields(bad) == {"week"}
    # Managers see their own departments' categories only.
    other = api.get("/staff/reports/repeated-breaches?week=2026-W10", staff="mgr-sergey")
    assert body(other)["categories"][0]["category"] == "roads.potholes"


def test_an_overdue_card_is_resolved_or_closed_only_once_the_miss_is_explained(api, clock):
    number = body(api.post("/requests", card_form()))["number"]
    api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-ivan", "version": 1}, staff="op-olga"
    )
    api.post(
        f"/staff/cards/{number}/transition", {"to": "in_progress", "version": 2}, staff="ex-ivan"
    )
    clock.advance(timedelta(days=10))  # the first reply and the decision are missed
    resolve = {"to": "resolved", "resolution": "Patched", "version": 3}
    held = api.post(f"/staff/cards/{number}/transition", resolve, staff="ex-ivan")
    assert held.status_code == 422
    assert _fields(held) == {"overdue"}
    assert f"/staff/cards/{number}/overdue" in body(held)["error"]["message"]
    close = {"to": "closed", "closure_reason": "Done", "version": 3}
    assert _fields(api.post(f"/staff/cards/{number}/transition", close, staff="mgr-sergey")) == {
        "overdue"
    }
    final = {"kind": "final", "text": "The pothole is patched.", "version": 3}
    assert _fields(api.post(f"/staff/cards/{number}/replies", final, staff="ex-ivan")) == {
        "overdue"
    }
    explained = api.post(
        f"/staff/cards/{number}/overdue",
        {"reason": "another_agency", "next_step": "reassign", "version": 3},
        staff="ex-ivan",
    )
    assert explained.status_code == 201
    done = api.post(f"/staff/cards/{number}/transition", {**resolve, "version": 4}, staff="ex-ivan")
    assert done.status_code == 200, done.body
    assert body(done)["status"] == "resolved"
