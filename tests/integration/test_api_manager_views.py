"""What a manager watches: the overdue list, each owner's workload, replies waiting for them."""

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
        routing_rules=queue_only_rules(),
        scheduler=InMemoryTimerScheduler(),
        escalations=InMemoryEscalations(),
        mailer=RecordingMailer(),
    )


def _submit(api, name: str) -> str:
    form = card_form(requester={"full_name": f"{name} Ivanova", "email": f"{name}@example.org"})
    return body(api.post("/requests", form))["number"]


def _sweep(api) -> None:

    c = api.container
    c.sla.sweep()


def test_missed_deadlines_fill_the_overdue_list_and_the_workload(api, clock):
    first, second = _submit(api, "anna"), _submit(api, "boris")
    assigned = api.post(
        f"/staff/cards/{first}/assign",
        {"executor_id": "ex-ivan", "reason": "His district", "version": 1},
        staff="mgr-sergey",
    )
    assert assigned.status_code == 200
    _sweep(api)
    assert body(api.get("/staff/overdue?department=roads", staff="mgr-sergey"))["cards"] == []

    clock.advance(timedelta(days=10))
    _sweep(api)
    listed = body(api.get("/staff/overdue?department=roads", staff="mgr-sergey"))
    # The unassigned card missed its registration, hours before Ivan's missed its first reply.
    assert [c["number"] for c in listed["cards"]] == [second, first]
    since = [c["overdue_since"] for c in listed["cards"]]
    assert since == sorted(since)
    assert since[-1] < clock.now().isoformat()
    assert body(api.get("/staff/overdue?department=lighting", staff="mgr-irina"))["cards"] == []

    workload = body(api.get("/staff/workload?department=roads", staff="mgr-sergey"))
    rows = {r["staff_id"]: (r["open"], r["overdue"]) for r in workload["staff"]}
    assert rows == {"ex-ivan": (1, 1), "ex-maria": (0, 0), "mgr-sergey": (0, 0)}
    assert workload["staff"][0]["staff_id"] == "ex-ivan"  # busiest first
    assert workload["staff"][0]["name"] == "Ivan Sokolov"

    # Closed: every deadline met (late), so the card's next check takes it off the list.
    version = body(api.get(f"/staff/cards/{first}", staff="ex-ivan"))["version"]
    miss = {"reason": "insufficient_information", "next_step": "reassign"}
    for action, step, who in (
        ("transition", {"to": "in_progress"}, "ex-ivan"),
        ("overdue", miss, "ex-ivan"),  # an overdue card is resolved once the miss is explained
        ("transition", {"to": "resolved", "resolution": "Patched the hole"}, "ex-ivan"),
        ("transition", {"to": "closed", "closure_reason": "Done"}, "mgr-sergey"),
    ):
        moved = api.post(f"/staff/cards/{first}/{action}", {**step, "version": version}, staff=who)
        assert moved.status_code in (200, 201), body(moved)
        version = body(moved)["version"]
    _sweep(api)
    left = body(api.get("/staff/overdue?department=roads", staff="mgr-sergey"))["cards"]
    assert [c["number"] for c in left] == [second]


def test_replies_waiting_for_approval_are_the_managers_list(api):
    number = _submit(api, "clara")
    drafted = api.post(
        f"/staff/cards/{number}/replies",
        {
            "kind": "refusal",
            "text": "This road belongs to the region; call 8 800 100-00-00.",
            "version": 1,
        },
        staff="op-olga",
    )
    assert drafted.status_code == 201
    waiting = body(api.get("/staff/approvals?department=roads", staff="mgr-sergey"))
    assert [c["number"] for c in waiting["cards"]] == [number]
    version = body(drafted)["version"]
    approved = api.post(
        f"/staff/cards/{number}/replies/r1/approve", {"version": version}, staff="mgr-sergey"
    )
    assert approved.status_code == 200
    assert body(api.get("/staff/approvals?department=roads", staff="mgr-sergey"))["cards"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("department=nowhere", "department"),
        ("", "department"),
        ("department=roads&limit=0", "limit"),
        ("department=roads&limit=lots", "limit"),
    ],
)
def test_list_errors_name_the_field(api, query, field):
    for path in ("/staff/overdue", "/staff/approvals"):
        response = api.get(f"{path}?{query}", staff="mgr-sergey")
        assert response.status_code == 400
        assert [f["field"] for f in body(response)["error"]["fields"]] == [field]
    if field == "department":
        response = api.get(f"/staff/workload?{query}", staff="mgr-sergey")
        assert [f["field"] for f in body(response)["error"]["fields"]] == [field]


def test_another_departments_lists_are_forbidden(api):
    for path in ("/staff/overdue", "/staff/approvals", "/staff/workload"):
        assert api.get(f"{path}?department=lighting", staff="ex-ivan").status_code == 403


def test_me_lists_the_queues_each_person_may_open(api):
    def queues(who: str) -> list[str]:
        return [q["id"] for q in body(api.get("/staff/me", staff=who))["queues"]]

    assert queues("ex-ivan") == ["roads"]
    assert set(queues("mgr-sergey")) == {"roads", "parks"}
    everything = [d.id for d in api.container.directory.departments()]
    assert queues("op-olga") == everything  # town-wide: every department
    me = body(api.get("/staff/me", staff="ex-ivan"))
    assert me["queues"][0]["name"] == {"en": "Road Service", "ru": "Дорожная служба"}
