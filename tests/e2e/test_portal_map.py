"""The form's map in real Chromium: a pin dropped or dragged fills the address and shows the
district; a typed address moves the pin; without a tile service the town's own districts and
streets are drawn; with one, its tiles are. The place reaches the card."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.test_portal import DESKTOP, serious_violations, shoot
from tests.e2e.test_portal_words import fill_a_valid_form
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture
from tests.e2e.waiting import wait_until

pytestmark = pytest.mark.e2e
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def open_form(browser: Any, stack: RunningStack, viewport: dict[str, int]) -> Any:  # noqa: F811
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(stack.url + "/")
    page.locator("#map.ready").wait_for(state="attached")
    return page


def tap_map_at(page: Any, latitude: float, longitude: float) -> None:
    """Click the map where the point is (the map is first scrolled into view)."""
    page.locator("#map").scroll_into_view_if_needed()
    page.evaluate(
        "([lat, lng]) => civicdeskMap.map.setView([lat, lng], 16, {animate: false})",
        [latitude, longitude],
    )
    point = page.evaluate(
        "([lat, lng]) => { const p = civicdeskMap.map.latLngToContainerPoint([lat, lng]);"
        " const box = document.getElementById('map').getBoundingClientRect();"
        " return [box.left + p.x, box.top + p.y]; }",
        [latitude, longitude],
    )
    page.mouse.click(point[0], point[1])


def test_a_pin_fills_the_address_and_a_typed_address_moves_the_pin(browser, module_stack):  # noqa: F811
    page = open_form(browser, module_stack, PHONE)
    # No tile service: the town's own districts and streets are drawn.
    page.locator(".leaflet-overlay-pane path").nth(8).wait_for(state="attached")
    assert page.locator(".leaflet-tile").count() == 0
    tap_map_at(page, 55.7755, 37.625)  # on Lenina, half-way along
    page.get_by_text("District: District 3").wait_for()
    assert page.get_by_label("Address or landmark").input_value() == "Lenina 60"
    assert page.get_by_label("Latitude").input_value().startswith("55.775")
    assert serious_violations(page) == []
    shoot(page, "map-pin-360")
    # Typing another address moves the pin there (the address is the citizen's, kept as typed).
    page.get_by_label("Address or landmark").fill("Sadovaya 120")
    page.get_by_label("Address or landmark").press("Tab")
    page.get_by_text("District: District 2").wait_for()
    assert page.get_by_label("Latitude").input_value() == "55.726533"
    assert page.get_by_label("Longitude").input_value() == "37.575000"
    assert page.get_by_label("Address or landmark").input_value() == "Sadovaya 120"
    # Dragging the pin along the street renumbers the house.
    marker = page.locator(".leaflet-marker-icon").bounding_box()
    assert marker is not None
    x, y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] - 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 60, steps=8)
    page.mouse.up()
    wait_until(page, "document.getElementById('address').value !== 'Sadovaya 120'")
    assert page.get_by_label("Address or landmark").input_value().startswith("Sadovaya ")
    # In Russian the district and the pin's words follow.
    page.get_by_role("button", name="Русский").click()
    page.get_by_text("Район: Район 2").wait_for()
    shoot(page, "map-pin-ru-360")
    page.context.close()


def test_an_unknown_address_says_so_and_the_request_keeps_it(browser, module_stack):  # noqa: F811
    page = open_form(browser, module_stack, PHONE)
    page.get_by_label("Address or landmark").fill("Behind the old mill")
    page.get_by_label("Address or landmark").press("Tab")
    page.get_by_text("not on the town's map").wait_for()
    assert page.get_by_label("Latitude").input_value() == ""
    page.context.close()


def test_a_town_with_a_tile_service_gets_its_tiles(browser, module_stack):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    asked: list[str] = []
    tiles = {"url": "https://tiles.town.example/{z}/{x}/{y}.png", "attribution": "Town tiles"}

    def town(route: Any) -> None:
        answer = route.fetch()
        document = answer.json()
        document["map"]["tiles"] = {**tiles, "max_zoom": 19}
        route.fulfill(response=answer, json=document)

    page.route("**/town.json", town)
    page.route(
        "https://tiles.town.example/**", lambda r: r.fulfill(body=TILE, content_type="image/png")
    )
    page.on("request", lambda r: asked.append(r.url))
    page.goto(module_stack.url + "/")
    page.locator(".leaflet-tile-loaded").first.wait_for(state="attached")
    assert any(u.startswith("https://tiles.town.example/13/") for u in asked)
    assert not any("/places/map" in u for u in asked)  # no need for the town's own drawing
    assert page.get_by_text("Town tiles").is_visible()
    tap_map_at(page, 55.7755, 37.625)
    page.get_by_text("District: District 3").wait_for()
    assert serious_violations(page) == []
    shoot(page, "map-tiles-1280")
    context.close()


def test_the_pinned_place_reaches_the_card(browser, module_stack, tmp_path):  # noqa: F811
    page = open_form(browser, module_stack, PHONE)
    fill_a_valid_form(page, "Pothole on Lenina", "A deep pothole in the middle of the road.")
    tap_map_at(page, 55.7755, 37.625)
    page.get_by_text("District: District 3").wait_for()
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("heading", name="Your request is registered").wait_for()
    number = page.locator("#number").inner_text()
    staff = {"Authorization": f"Bearer {module_stack.tokens['op-olga']}"}
    card = requests.get(
        f"{module_stack.url}/staff/cards/{number}", headers=staff, timeout=10
    ).json()
    assert card["location"]["address"] == "Lenina 60"
    assert card["location"]["district"] == "d3"
    assert round(card["location"]["latitude"], 3) == 55.776
    page.context.close()


def test_the_place_routes_answer_plainly_to_bad_input(module_stack):
    url = module_stack.url
    bad = requests.get(f"{url}/places/reverse?latitude=95&longitude=37", timeout=10)
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0]["field"] == "latitude"
    short = requests.get(f"{url}/places/search?q=a", timeout=10)
    assert short.status_code == 400
    assert short.json()["error"]["fields"][0]["code"] == "too_short"
    town_map = requests.get(f"{url}/places/map", timeout=10)
    assert town_map.headers["Cache-Control"] == "public, max-age=3600"
    kinds = [f["properties"]["kind"] for f in town_map.json()["features"]]
    assert kinds.count("district") == 6
    assert kinds.count("street") == 9
    assert "@" not in json.dumps(town_map.json())  # geodata only


def test_requests_nearby_show_without_anything_personal_and_open_their_public_page(
    browser,  # noqa: F811
    module_stack,
):
    from tests.conftest import card_form

    url = module_stack.url
    here = {"address": "Lenina 61", "latitude": 55.7757, "longitude": 37.6252}
    shown = requests.post(
        f"{url}/requests",
        json=card_form(subject="Deep pothole by my house", location=here),
        timeout=10,
    ).json()["number"]
    hidden = requests.post(
        f"{url}/requests", json=card_form(category="social.benefits", location=here), timeout=10
    ).json()["number"]
    far = {"latitude": 55.701, "longitude": 37.551}
    requests.post(f"{url}/requests", json=card_form(location=far), timeout=10)
    page = open_form(browser, module_stack, PHONE)
    tap_map_at(page, 55.7755, 37.625)
    listed = page.locator("#nearby-list a")
    listed.first.wait_for()
    texts = listed.all_inner_texts()
    assert f"/r/{shown}" in [listed.nth(i).get_attribute("href") for i in range(listed.count())]
    assert not any(
        hidden in (listed.nth(i).get_attribute("href") or "") for i in range(listed.count())
    )
    assert any(t.startswith("Roads › Potholes — Received, today") for t in texts)
    assert "Anna" not in page.locator("#nearby").inner_text()
    assert serious_violations(page) == []
    page.locator(f"#nearby-list a[href='/r/{shown}']").click()
    page.get_by_role("heading", name=f"Request № {shown}").wait_for()
    page.locator("#status").get_by_text("Received").wait_for()
    body = page.locator("main").inner_text()
    for private in ("Anna", "Deep pothole by my house", "bus stop", "anna@example.org"):
        assert private not in body
    assert "Lenina 61, District 3" in body
    assert serious_violations(page) == []
    shoot(page, "public-page-360")
    page.get_by_role("button", name="Русский").click()
    page.get_by_text("Дороги › Ямы на дороге").wait_for()
    page.get_by_text("Район 3").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A sensitive request has no public page: it reads as an unknown number does.
    page.goto(f"{url}/r/{hidden}")
    page.get_by_text("Публичного обращения с таким номером нет.").wait_for()
    api = requests.get(f"{url}/places/requests/{hidden}", timeout=10)
    unknown = requests.get(f"{url}/places/requests/2026-999999", timeout=10)
    assert api.status_code == unknown.status_code == 404
    assert api.json() == unknown.json()
    page.context.close()


def test_a_6_mb_photo_arrives_small_shows_its_preview_and_a_second_file_is_added(
    browser,  # noqa: F811
    module_stack,
    tmp_path,
):
    from io import BytesIO

    from PIL import Image

    from tests.e2e.photos import camera_photo

    photo = camera_photo(tmp_path / "IMG_0042.jpg")
    assert photo.stat().st_size > 5_000_000
    page = open_form(browser, module_stack, PHONE)
    sent: list[int] = []
    page.on(
        "request",
        lambda r: (
            sent.append(len(r.post_data_buffer or b""))
            if r.method == "POST" and "/requests" not in r.url
            else None
        ),
    )
    fill_a_valid_form(page, "Pothole with a photo", "A deep pothole; see the photo.")
    page.get_by_label("Photo").set_input_files(str(photo))
    # The photo knows where it was taken: the pin and the address follow it.
    page.get_by_text("The place was taken from the photo").wait_for()
    page.get_by_text("District: District 3").wait_for()
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("heading", name="Your request is registered").wait_for()
    assert page.locator("#photo-failed").is_hidden()
    number = page.locator("#number").inner_text()
    assert len(sent) == 1
    assert sent[0] < 1_000_000  # the upload to storage: a few hundred KB, not 6 MB
    staff = {"Authorization": f"Bearer {module_stack.tokens['op-olga']}"}
    card = requests.get(
        f"{module_stack.url}/staff/cards/{number}", headers=staff, timeout=10
    ).json()
    (stored,) = card["attachments"]
    assert stored["content_type"] == "image/jpeg"
    assert stored["size"] < 1_000_000
    page.get_by_role("link", name="Follow your request").click()
    preview = page.get_by_role("img", name="IMG_0042.jpg")
    preview.wait_for()
    wait_until(page, "document.querySelector('#your-files img').naturalWidth > 0")
    shown = page.evaluate("document.querySelector('#your-files img').src")
    small = Image.open(BytesIO(requests.get(shown, timeout=10).content))
    assert max(small.size) == 480
    assert dict(small.getexif()) == {}
    assert page.locator("#description").inner_text() == "A deep pothole; see the photo."
    assert "Lenina" in page.locator("#place").inner_text()
    assert serious_violations(page) == []
    shoot(page, "status-photo-360")
    # A second file from the status page; its problem, if any, is said in the reader's words.
    page.get_by_role("button", name="Add it").click()
    page.locator("#file-error").filter(has_text="Choose a photo or a file first.").wait_for()
    page.get_by_role("button", name="Русский").click()
    scan = tmp_path / "act.pdf"
    scan.write_bytes(b"%PDF-1.4\n% the act of repair\n%%EOF\n")
    page.get_by_label("Добавить фото или файл").set_input_files(str(scan))
    page.get_by_role("button", name="Добавить", exact=True).click()
    page.get_by_text("Спасибо, файл добавлен.").wait_for()
    page.get_by_role("button", name="Скачать act.pdf").wait_for()
    page.locator("#category").filter(has_text="Дороги › Ямы на дороге").wait_for()
    assert serious_violations(page) == []
    shoot(page, "status-files-ru-360")
    page.context.close()
    _the_public_page_shows_the_photo_until_staff_hide_it(browser, module_stack, number)


def _the_public_page_shows_the_photo_until_staff_hide_it(
    chromium: Any, stack: RunningStack, number: str
) -> None:
    from tests.e2e.test_console import open_card, scan_and_shoot, sign_in

    public = chromium.new_page(viewport=PHONE)
    public.goto(f"{stack.url}/r/{number}")
    public.get_by_role("img", name="Photo 1 sent with the request").wait_for()
    wait_until(public, "document.querySelector('#photos img').naturalWidth > 0")
    scan_and_shoot(public, "public-photo-360")
    console = sign_in(chromium, stack.url, "mgr-sergey", DESKTOP)
    open_card(console, number)
    console.locator("#card-file-list").get_by_text("on the public page").wait_for()
    console.locator("#card-file-list").get_by_role(
        "button", name="Hide from the public page"
    ).click()
    form = console.locator("#photo-public")
    form.get_by_role("button", name="Hide from the public page").click()
    # No reason: said next to the field in the console's words, nothing changed.
    form.locator("#photo-public-reason-error").filter(has_text="Please fill this in.").wait_for()
    form.get_by_label("Why (what the photo shows)").fill("A neighbour's face in the window")
    form.get_by_role("button", name="Hide from the public page").click()
    console.get_by_text("The photo is hidden from the public page.").wait_for()
    console.locator("#card-file-list").get_by_text("hidden from the public page").wait_for()
    scan_and_shoot(console, "console-photo-hidden-1280")
    public.context.close()
    # A new visitor (the page may sit in a browser's or the edge's cache for a minute).
    later = chromium.new_page(viewport=PHONE)
    later.goto(f"{stack.url}/r/{number}")
    later.locator("#request").wait_for()
    assert later.locator("#photos-box").is_hidden()
    assert later.locator("#photos img").count() == 0
    later.context.close()
    console.context.close()
