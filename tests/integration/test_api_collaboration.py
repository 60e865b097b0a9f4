"""Subtasks, flags and mentions over the API, as the console will use them."""

from __future__ import annotations

from tests.conftest import card_form
from tests.integration.conftest import body


def _post(api, number: str, action: str, payload: dict, staff: str):
    version = body(api.get(f"/staff/cards/{number}", staff="adm-dmitry"))["version"]
    return api.post(f"/staff/cards/{number}/{action}", {**payload, "version": version}, staff=staff)


def test_a_subtask_to_lighting_holds_the_pothole_until_it_is_done(api):
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    assert _post(api, number, "transition", {"to": "in_progress"}, "ex-ivan").status_code == 200
    asked = _post(
        api,
        number,
        "subtasks",
        {"department": "lighting", "text": "Light the street so the crew can patch at night"},
        "ex-ivan",
    )
    assert asked.status_code == 201, asked.body
    child = asked.headers["Location"].rsplit("/", 1)[-1]
    parent = body(asked)
    assert parent["subtasks"] == [child]
    assert parent["subtask_progress"] == [
        {"number": child, "department": "lighting", "executor_id": None, "status": "received"}
    ]
    held = _post(api, number, "transition", {"to": "resolved", "resolution": "Patched"}, "ex-ivan")
    assert held.status_code == 422
    assert body(held)["error"]["fields"][0]["field"] == "subtasks"

    assert api.get(f"/staff/cards/{child}", staff="ex-ivan").status_code == 403  # lighting's
    sub = body(api.get(f"/staff/cards/{child}", staff="mgr-irina"))
    assert (sub["parent"], sub["department"]) == (number, "lighting")
    assert {t["kind"] for t in sub["timers"]} == {"registration", "decision"}
    assert _post(api, child, "assign", {"executor_id": "ex-pavel"}, "mgr-irina").status_code == 200
    assert _post(api, child, "transition", {"to": "in_progress"}, "ex-pavel").status_code == 200
    done = _post(api, child, "transition", {"to": "resolved", "resolution": "Lamp on"}, "ex-pavel")
    assert done.status_code == 200

    resolved = _post(
        api, number, "transition", {"to": "resolved", "resolution": "Patched"}, "ex-ivan"
    )
    assert resolved.status_code == 200, resolved.body
    assert body(resolved)["subtask_progress"][0]["status"] == "resolved"
    status = api.get(f"/requests/{number}", headers={"X-Access-Token": token})
    assert child not in status.body.decode()
    assert "Light the street" not in status.body.decode()


def test_a_flag_hands_the_card_to_the_manager_and_asks_for_approval(api):
    number = body(api.post("/requests", card_form()))["number"]
    flagged = _post(
        api,
        number,
        "flags",
        {"flags": ["public_resonance"], "reason": "Local TV is filming"},
        "ex-ivan",
    )
    assert flagged.status_code == 200, flagged.body
    card = body(flagged)
    assert (card["executor_id"], card["approval_required"]) == ("mgr-sergey", True)
    assert card["manual_control"] == ["public_resonance"]
    bad = _post(api, number, "flags", {"flags": ["rumour"], "reason": "x" * 5}, "mgr-sergey")
    assert bad.status_code == 400
    assert body(bad)["error"]["fields"][0]["field"].startswith("flags")


def test_a_mention_must_name_someone_who_may_see_the_card(api):
    number = body(api.post("/requests", card_form()))["number"]
    refused = _post(
        api, number, "comments", {"text": "Pavel, a lamp?", "mentions": ["ex-pavel"]}, "ex-ivan"
    )
    assert refused.status_code == 400
    assert body(refused)["error"]["fields"] == [
        {
            "field": "mentions.0",
            "problem": f"'ex-pavel' cannot see card {number}",
            "code": "cannot_see_card",
        }
    ]
    ok = _post(
        api, number, "comments", {"text": "Maria, your crew?", "mentions": ["ex-maria"]}, "ex-ivan"
    )
    assert ok.status_code == 201
    assert body(ok)["history"][-1]["mentions"] == ["ex-maria"]
