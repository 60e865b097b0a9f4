"""The requester's photos on the request's public page, and staff taking one off it: the page,
the form's "Already reported?" and Open311's media_url all follow, the requester still sees it,
the history says who and why."""

from __future__ import annotations

from io import BytesIO

import pytest
import requests
from PIL import Image

from tests.conftest import card_form
from tests.integration.conftest import body


def _camera_photo() -> bytes:
    photo = BytesIO()
    Image.linear_gradient("L").resize((1600, 1200)).convert("RGB").save(photo, "JPEG")
    return photo.getvalue()


@pytest.fixture
def reported(api):
    """A pothole report with the requester's photo and a PDF, and the photo taken by the crew."""
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    photo = api.attach(number, token, "hole.jpg", _camera_photo(), "image/jpeg")
    api.attach(number, token, "letter.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    ticket = body(
        api.post(
            f"/staff/cards/{number}/attachments",
            {"filename": "crew.jpg", "content_type": "image/jpeg", "size": 5000},
            staff="mgr-sergey",
        )
    )
    crew_photo = _camera_photo()
    requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("crew.jpg", crew_photo, "image/jpeg")},
        timeout=10,
    )
    api.put(ticket["confirm_path"], {"filename": "crew.jpg"}, staff="mgr-sergey")
    crew = ticket["confirm_path"].rsplit("/", 1)[1]
    return {"number": number, "token": token, "photo": photo, "crew": crew}


def _page(api, number: str) -> dict:
    answer = api.get(f"/places/requests/{number}")
    assert answer.status_code == 200, answer.body
    return body(answer)


def _similar(api) -> dict:
    [found] = body(
        api.get("/places/similar?category=roads.potholes&latitude=55.751&longitude=37.618")
    )["requests"]
    return found


def _version(api, number: str) -> int:
    return int(body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))["version"])


def test_the_public_page_shows_the_requesters_photo_small_and_without_metadata(api, reported):
    page = _page(api, reported["number"])
    [link] = page["photos"]  # the requester's photo only: not the PDF, not the crew's photo
    small = Image.open(BytesIO(requests.get(link, timeout=10).content))
    assert (small.format, small.size) == ("JPEG", (480, 360))
    assert not small.getexif()
    assert "hole.jpg" not in link  # the link names no file the requester chose
    assert _similar(api)["photo_url"]


def test_staff_hide_a_photo_and_every_public_view_follows_while_the_requester_keeps_it(
    api, reported
):
    number = reported["number"]
    hidden = api.post(
        f"/staff/cards/{number}/public-photos",
        {
            "attachment_id": reported["photo"],
            "public": False,
            "reason": "a neighbour's face in it",
            "version": _version(api, number),
        },
        staff="mgr-sergey",
    )
    assert hidden.status_code == 200, hidden.body
    card = body(hidden)
    [photo] = [a for a in card["attachments"] if a["id"] == reported["photo"]]
    assert photo["hidden_from_public"] is True
    entry = card["history"][-1]
    assert entry["action"] == "photo_hidden"
    assert entry["internal_note"] == {"text": "a neighbour's face in it"}
    assert entry["changes"] == [{"field": "public_photos", "before": "hole.jpg", "after": None}]
    assert _page(api, number)["photos"] == []
    assert _similar(api)["photo_url"] is None
    open311 = body(api.get(f"/open311/v2/requests/{number}.json"))
    assert open311[0]["media_url"] is None
    status = body(api.get(f"/requests/{number}", headers={"X-Access-Token": reported["token"]}))
    assert "hole.jpg" in [f["filename"] for f in status["your_files"]]
    assert "neighbour" not in str(status)

    shown = api.post(
        f"/staff/cards/{number}/public-photos",
        {
            "attachment_id": reported["photo"],
            "public": True,
            "reason": "blurred by the requester's new photo? no: face not recognisable",
            "version": _version(api, number),
        },
        staff="mgr-sergey",
    )
    assert shown.status_code == 200, shown.body
    assert body(shown)["history"][-1]["action"] == "photo_shown"
    assert len(_page(api, number)["photos"]) == 1


@pytest.mark.parametrize(
    ("change", "staff", "status", "field", "code"),
    [
        ({"attachment_id": "crew"}, "mgr-sergey", 400, "attachment_id", "not_a_public_photo"),
        ({"attachment_id": "nope"}, "mgr-sergey", 404, None, None),
        ({"public": True}, "mgr-sergey", 400, "public", "already_shown"),
        ({"reason": "  "}, "mgr-sergey", 400, "reason", "too_short"),
        ({"reason": None}, "mgr-sergey", 400, "reason", "required"),
        ({"version": 1}, "mgr-sergey", 409, None, None),
        ({}, "ex-pavel", 403, None, None),  # an executor of lighting, not of this card
    ],
)
def test_a_photo_change_that_cannot_be_made_is_refused_and_nothing_is_written(
    api, reported, change, staff, status, field, code
):
    number = reported["number"]
    before = _version(api, number)
    asked = {
        "attachment_id": reported["photo"],
        "public": False,
        "reason": "a number plate",
        "version": before,
        **change,
    }
    if asked["attachment_id"] == "crew":
        asked["attachment_id"] = reported["crew"]
    asked = {k: v for k, v in asked.items() if v is not None}
    answer = api.post(f"/staff/cards/{number}/public-photos", asked, staff=staff)
    assert answer.status_code == status, answer.body
    if field:
        [problem] = body(answer)["error"]["fields"]
        assert (problem["field"], problem["code"]) == (field, code)
    assert _version(api, number) == before
    assert len(_page(api, number)["photos"]) == 1
