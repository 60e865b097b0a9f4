"""The desk: a department's open cards as a table (names not ids, counts per status, filters,
any column's order, pages that neither repeat nor skip), and bulk changes answered card by card.
Driven over the API on the DynamoDB adapter under moto, the ``desk`` index included."""

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


def _submit(api, subject: str, **form) -> str:
    # A requester each: a third request from one person goes to the manager as a repeat.
    slug = "".join(ch for ch in subject.lower() if ch.isalnum())
    who = {"full_name": "Anna Ivanova", "email": f"{slug}@example.org"}
    return body(api.post("/requests", card_form(subject=subject, requester=who, **form)))["number"]


def _assign(api, number: str, executor: str, version: int = 1) -> dict:
    answer = api.post(
        f"/staff/cards/{number}/assign",
        {"executor_id": executor, "reason": "Her district today", "version": version},
        staff="mgr-sergey",
    )
    assert answer.status_code == 200, answer.body
    return body(answer)


def _move(api, number: str, to: str, staff: str) -> dict:
    card = body(api.get(f"/staff/cards/{number}", staff=staff))
    answer = api.post(
        f"/staff/cards/{number}/transition", {"to": to, "version": card["version"]}, staff=staff
    )
    assert answer.status_code == 200, answer.body
    return body(answer)


def _desk(api, query: str = "", staff: str = "mgr-sergey", department: str = "roads"):
    answer = api.get(f"/staff/desk?department={department}&{query}", staff=staff)
    assert answer.status_code == 200, answer.body
    return body(answer)


def test_the_desk_names_topics_owners_and_districts_and_counts_per_status(api):
    pothole = _submit(api, "Pothole on Lenina")
    sign = _submit(api, "Fallen sign", category="roads.signs")
    _assign(api, sign, "ex-maria")
    closed = _submit(api, "Already fixed")
    card = body(api.get(f"/staff/cards/{closed}", staff="mgr-sergey"))
    closing = api.post(
        f"/staff/cards/{closed}/transition",
        {"to": "closed", "closure_reason": "Fixed before we came", "version": card["version"]},
        staff="mgr-sergey",
    )
    assert closing.status_code == 200, closing.body

    desk = _desk(api, "sort=number")
    assert [r["number"] for r in desk["rows"]] == [pothole, sign]  # the closed one is off it
    assert desk["open_total"] == desk["total"] == 2
    assert desk["counts"]["received"] == 2  # assigned, not yet taken in hand
    row = desk["rows"][1]
    assert row["owner_name"] == "Maria Volkova"
    assert row["category_label"] == "Roads › Road signs and markings"
    assert row["district_name"] == "District 3"
    assert row["deadline"] is not None  # the first reply's, until the deadline check runs
    assert desk["owners"] == [{"id": "ex-maria", "name": "Maria Volkova"}]

    russian = _desk(api, "sort=number&locale=ru")["rows"][1]
    assert russian["category_label"].startswith("Дороги")
    assert russian["district_name"] == "Район 3"


def test_filters_and_sorting_combine_and_the_counts_ignore_only_the_status_filter(api):
    numbers = [_submit(api, f"Hole {n}") for n in range(3)]
    signs = _submit(api, "Bent sign", category="roads.signs")
    _assign(api, numbers[0], "ex-maria")
    _assign(api, numbers[1], "ex-ivan")

    mine = _desk(api, "owner=ex-maria,none&sort=owner")
    assert [r["number"] for r in mine["rows"]] == [numbers[0], numbers[2], signs]  # nobody's last
    _move(api, numbers[0], "in_progress", staff="ex-maria")
    mine = _desk(api, "owner=ex-maria,none&sort=owner")
    assert mine["counts"] == {
        "received": 2,
        "in_progress": 1,
        "needs_clarification": 0,
        "awaiting_requester": 0,
        "resolved": 0,
    }
    received = _desk(api, "owner=ex-maria&owner=none&status=received&sort=number&order=desc")
    assert [r["number"] for r in received["rows"]] == [signs, numbers[2]]
    assert received["counts"]["in_progress"] == 1  # the other statuses still counted
    topic = _desk(api, "category=roads.signs")
    assert [r["number"] for r in topic["rows"]] == [signs]
    assert _desk(api, "category=roads")["total"] == 4  # a top-level topic takes its leaves
    assert _desk(api, "district=d9")["rows"] == []
    assert _desk(api, "district=d3")["total"] == 4


def test_pages_walk_every_card_once_in_the_chosen_order(api):
    numbers = [_submit(api, f"Hole {n:02d}") for n in range(7)]
    seen, cursor = [], None
    while True:
        query = "sort=subject&order=desc&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = _desk(api, query)
        seen += [r["number"] for r in page["rows"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))


def test_overdue_and_deadlines_come_from_the_deadline_check(api, clock):
    late = _submit(api, "Late one")
    api.container.sla.sweep()
    (row,) = _desk(api)["rows"]
    assert row["overdue_since"] is None
    assert row["deadline"] is not None
    clock.advance(timedelta(days=10))
    fresh = _submit(api, "Fresh one")
    api.container.sla.sweep()
    overdue = _desk(api, "overdue=true")
    assert [r["number"] for r in overdue["rows"]] == [late]
    assert overdue["rows"][0]["overdue_since"] < clock.now().isoformat()
    assert [r["number"] for r in _desk(api, "overdue=false")["rows"]] == [fresh]
    # The most overdue first, then what falls due soonest.
    assert [r["number"] for r in _desk(api, "sort=deadline")["rows"]] == [late, fresh]


def test_a_sensitive_card_is_a_line_without_the_person_outside_its_group(api):
    number = _submit(api, "Help at home for my mother", category="social.home_care")
    inside = _desk(api, staff="mgr-tatiana", department="social")["rows"][0]
    assert inside["subject"] == "Help at home for my mother"
    outside = _desk(api, staff="ctl-elena", department="social")["rows"][0]
    assert outside["number"] == number
    assert outside["personal_data_hidden"] is True
    assert "mother" not in outside["subject"]
    assert outside["address"] is None


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("status=closed", "status", "not_one_of"),
        ("status=lost", "status", "not_one_of"),
        ("sort=colour", "sort", "not_one_of"),
        ("order=up", "order", "not_one_of"),
        ("overdue=maybe", "overdue", "invalid"),
        ("limit=500", "limit", "too_large"),
        ("cursor=not-ours", "cursor", "invalid"),
    ],
)
def test_a_bad_parameter_is_named_with_its_problem(api, query, field, code):
    answer = api.get(f"/staff/desk?department=roads&{query}", staff="mgr-sergey")
    assert answer.status_code == 400, answer.body
    (problem,) = body(answer)["error"]["fields"]
    assert (problem["field"], problem["code"]) == (field, code)


def test_another_departments_desk_is_closed_to_an_executor(api):
    answer = api.get("/staff/desk?department=lighting", staff="ex-ivan")
    assert answer.status_code == 403


def test_a_bulk_assignment_changes_each_card_it_may_and_says_why_not_for_the_rest(api):
    first, second, third = (_submit(api, f"Hole {n}") for n in range(3))
    stale = _assign(api, third, "ex-ivan")  # changed since the manager looked: version 2
    answer = api.post(
        "/staff/bulk",
        {
            "cards": [
                {"number": first, "version": 1},
                {"number": second, "version": 1},
                {"number": third, "version": 1},
            ],
            "assign": {"executor_id": "ex-maria", "reason": "Maria's crew is on Lenina"},
        },
        staff="mgr-sergey",
    )
    assert answer.status_code == 200, answer.body
    result = body(answer)
    assert (result["changed"], result["refused"]) == (2, 1)
    by_number = {r["number"]: r for r in result["results"]}
    assert by_number[first]["ok"]
    assert by_number[first]["executor_id"] == "ex-maria"
    refused = by_number[third]
    assert refused["ok"] is False
    assert refused["http_status"] == 409
    assert refused["error"]["code"] == "conflict"
    card = body(api.get(f"/staff/cards/{third}", staff="mgr-sergey"))
    assert card["executor_id"] == "ex-ivan"
    assert card["version"] == stale["version"]
    history = body(api.get(f"/staff/cards/{first}", staff="mgr-sergey"))["history"]
    assert history[-1]["action"] == "assigned"  # each card its own entry, as if alone


def test_a_bulk_move_is_checked_by_the_lifecycle_card_by_card(api):
    first, second = _submit(api, "Hole 1"), _submit(api, "Hole 2")
    _assign(api, first, "ex-ivan")
    taken = _move(api, first, "in_progress", staff="ex-ivan")
    answer = api.post(
        "/staff/bulk",
        {
            "cards": [
                {"number": first, "version": taken["version"]},
                {"number": second, "version": 1},
            ],
            "transition": {"to": "resolved", "resolution": "Patched on Monday"},
        },
        staff="mgr-sergey",
    )
    results = {r["number"]: r for r in body(answer)["results"]}
    assert results[first]["ok"]
    assert results[first]["status"] == "resolved"
    assert results[second]["ok"] is False  # received cards are not resolved straight away
    assert results[second]["http_status"] == 422


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"cards": [], "assign": {"executor_id": "ex-ivan"}}, "cards", "too_few"),
        (
            {
                "cards": [{"number": "2026-000001", "version": 1}] * 2,
                "assign": {"executor_id": "x"},
            },
            "cards",
            "repeated",
        ),
        ({"cards": [{"number": "2026-000001", "version": 1}]}, "body", "one_change"),
        (
            {
                "cards": [{"number": "2026-000001", "version": 1}],
                "assign": {"executor_id": "ex-ivan"},
                "transition": {"to": "resolved"},
            },
            "body",
            "one_change",
        ),
        (
            {"cards": [{"number": "42", "version": 1}], "assign": {"executor_id": "ex-ivan"}},
            "cards.0.number",
            "bad_format",
        ),
        (
            {
                "cards": [{"number": f"2026-{n:06d}", "version": 1} for n in range(1, 102)],
                "assign": {"executor_id": "ex-ivan"},
            },
            "cards",
            "too_many",
        ),
    ],
)
def test_a_bad_bulk_change_is_refused_whole_and_named(api, payload, field, code):
    answer = api.post("/staff/bulk", payload, staff="mgr-sergey")
    assert answer.status_code == 400, answer.body
    problems = {(p["field"], p["code"]) for p in body(answer)["error"]["fields"]}
    assert (field, code) in problems


def test_only_managers_change_cards_in_bulk_and_only_the_cards_they_manage(api):
    number = _submit(api, "Hole")
    elsewhere = api.post(
        "/staff/bulk",
        {"cards": [{"number": number, "version": 1}], "assign": {"executor_id": "ex-pavel"}},
        staff="mgr-irina",  # lighting's manager; the card is a road's
    )
    (refused,) = body(elsewhere)["results"]
    assert (refused["ok"], refused["http_status"]) == (False, 403)
    answer = api.post(
        "/staff/bulk",
        {"cards": [{"number": number, "version": 1}], "assign": {"executor_id": "ex-ivan"}},
        staff="ex-ivan",
    )
    assert answer.status_code == 403
    assert body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))["version"] == 1
