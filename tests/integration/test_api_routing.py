"""Routing rules over the API: administrators change them, the next card follows."""

from __future__ import annotations

import json

from tests.conftest import card_form
from tests.integration.conftest import body


def _fields(response) -> dict[str, str]:
    return {f["field"]: f["problem"] for f in body(response)["error"]["fields"]}


def _rules(api) -> dict:
    return body(api.get("/admin/routing/rules", staff="ex-ivan"))


def test_any_staff_member_reads_the_rules_as_sentences(api):
    response = api.get("/admin/routing/rules", staff="ex-ivan")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    rules = body(response)
    assert (rules["version"], rules["saved_by"], rules["triage_department"]) == (
        1,
        "seed",
        "front_office",
    )
    roads = next(r for r in rules["rules"] if r["id"] == "roads")
    assert roads["sentence"] == "Roads → Road Service; fewest open cards"
    assert api.get("/admin/routing/rules").status_code == 401


def test_an_administrator_changes_a_rule_and_the_next_card_follows(api):
    before = body(api.post("/requests", card_form()))
    assert (
        body(api.get(f"/staff/cards/{before['number']}", staff="op-olga"))["department"] == "roads"
    )

    current = _rules(api)
    rules = [{k: v for k, v in r.items() if k != "sentence"} for r in current["rules"]]
    # District 3's potholes go to the parks crew this winter (say the roads crew is snowed in).
    rules.insert(
        0,
        {
            "id": "d3-potholes-to-parks",
            "categories": ["roads.potholes"],
            "districts": ["d3"],
            "department": "parks",
        },
    )
    update = {"version": 1, "triage_department": "front_office", "rules": rules}
    assert api.put("/admin/routing/rules", update, staff="mgr-sergey").status_code == 403
    saved = api.put("/admin/routing/rules", update, staff="adm-dmitry")
    assert saved.status_code == 200, saved.body
    assert (body(saved)["version"], body(saved)["saved_by"]) == (2, "adm-dmitry")
    assert body(saved)["rules"][0]["sentence"] == (
        "Roads › Potholes in District 3 → Parks and Greenery; fewest open cards"
    )

    after = body(
        api.post(
            "/requests", card_form(requester={"full_name": "Boris", "email": "boris@example.org"})
        )
    )
    card = body(api.get(f"/staff/cards/{after['number']}", staff="op-olga"))
    assert (card["department"], card["executor_id"]) == ("parks", "ex-maria")
    assert card["routing"]["rule_id"] == "d3-potholes-to-parks"
    assert card["routing"]["rules_version"] == 2
    # The sentence's parts are kept beside it, so that the console says it in any language.
    assert card["routing"]["why"] == {
        "category": "roads.potholes",
        "district": "d3",
        "window": "any",
        "requester_kinds": [],
        "department": "parks",
        "triage": False,
        "owner": "fewest_open",
        "owner_id": "ex-maria",
        "owner_open": 0,
        "control": [],
        "repeat_of": None,
    }
    assert card["routing"]["reason"].endswith("fewest open cards: Maria Volkova (0 open)")

    stale = api.put("/admin/routing/rules", update, staff="adm-dmitry")
    assert stale.status_code == 409
    assert body(stale)["error"]["current_version"] == 2
    old = api.get("/admin/routing/rules/versions/1", staff="op-olga")
    assert body(old)["version"] == 1
    assert api.get("/admin/routing/rules/versions/9", staff="op-olga").status_code == 404
    assert api.get("/admin/routing/rules/versions/x", staff="op-olga").status_code == 404


def test_a_bad_draft_is_refused_naming_each_rule_and_field_and_nothing_is_saved(api):
    rules = [
        {"id": "roads", "categories": ["roads.pothole"], "department": "roads"},
        {"id": "night", "when": "midnight", "department": "roads"},
        {
            "id": "lights",
            "categories": ["lighting"],
            "districts": ["d42"],
            "department": "lighting",
        },
        {"id": "all", "department": "roads"},
        {"id": "after-all", "categories": ["parks"], "department": "parks"},
    ]
    shape = api.put(
        "/admin/routing/rules",
        {"version": 1, "triage_department": "front_office", "rules": rules},
        staff="adm-dmitry",
    )
    assert shape.status_code == 400
    problems = _fields(shape)
    assert list(problems) == ["rules.1.when"]
    assert problems["rules.1.when"].startswith("rule 'night': Input should be")

    del rules[1]
    saved = api.put(
        "/admin/routing/rules",
        {"version": 1, "triage_department": "front_office", "rules": rules},
        staff="adm-dmitry",
    )
    assert saved.status_code == 400
    assert _fields(saved) == {
        "rules.0.categories.0": "rule 'roads': unknown category 'roads.pothole'",
        "rules.1.districts.0": "rule 'lights': unknown district 'd42'",
        "rules.3": "rule 'after-all' is never reached: "
        "rule 'all' above it matches every card it would",
    }
    assert _rules(api)["version"] == 1
    not_json = api.put("/admin/routing/rules", "{", staff="adm-dmitry")
    assert not_json.status_code == 400


def test_preview_shows_where_a_card_would_go_without_creating_it(api):
    preview = api.post(
        "/admin/routing/preview",
        {
            "category": "housing.heating",
            "at": "2026-03-02T23:30:00+03:00",
            "location": {"address": "Mira 7"},
        },
        staff="adm-dmitry",
    )
    assert preview.status_code == 200, preview.body
    assert body(preview) == {
        "department": "housing",
        "executor_id": "ex-boris",
        "priority": "high",
        "district": "d5",
        "rule_id": "heating-off-hours",
        "rules_version": 1,
        "reason": "Housing and utilities › No heating in District 5 outside working hours → "
        "Housing and Utilities; on duty: Boris Fedorov (0 open)",
        "why": {
            "category": "housing.heating",
            "district": "d5",
            "window": "off_hours",
            "requester_kinds": [],
            "department": "housing",
            "triage": False,
            "owner": "on_duty",
            "owner_id": "ex-boris",
            "owner_open": 0,
            "control": [],
            "repeat_of": None,
        },
        "manual_control": [],
        "sensitive": False,
    }
    assert (
        api.post("/admin/routing/preview", {"category": "x.y"}, staff="adm-dmitry").status_code
        == 400
    )
    assert (
        api.post("/admin/routing/preview", {"category": "roads.snow"}, staff="op-olga").status_code
        == 403
    )
    assert (
        json.loads(api.get("/staff/queue?department=housing", staff="adm-dmitry").body)["cards"]
        == []
    )
