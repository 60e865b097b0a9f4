"""The citizen's request form on a phone, in a real headless browser (Debian's Chromium through
Playwright), with an accessibility scan (axe-core) and screenshots at 360 and 1280 px."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_status_page import CHROMIUM_ARGS, PHONE, browser  # noqa: F401 - fixture
from tests.e2e.waiting import wait_until

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
# A 1x1 PNG: the smallest real photo.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


# What pydantic, a regex or the API's English would put on screen; none may reach a citizen.
VALIDATOR_WORDING = re.compile(
    r"String should|Value error|Field required|should match pattern|Input should|"
    r"\^\[|\\d|validation|preferred_channel|text_version|must be|is not one of|"
    r"no request with this number and access token|the code is wrong",
)


def serious_violations(page: Any) -> list[str]:
    """axe's serious and critical findings; on a citizen's page, also any error or notice on
    screen in a validator's or the API's words (the portal says its own)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    found += [f"CSP: {r}" for r in page.evaluate("window.__cspRefused || []")]
    if "console.html" not in page.url:
        shown = page.locator(".error, .summary, #message, #notice, [role=alert]").all_inner_texts()
        found += [f"API wording on screen: {t!r}" for t in shown if VALIDATOR_WORDING.search(t)]
    return found


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fill_form(page: Any, tmp_path: Path) -> None:
    page.get_by_label("Topic").select_option(label="Roads")
    page.get_by_label("What exactly").select_option(label="Potholes")
    page.get_by_label("Short title").fill("Pothole by the bus stop")
    page.get_by_label("What happened").fill("A deep pothole next to the bus stop at Lenina 5.")
    page.get_by_label("Address or landmark").fill("Lenina 5")
    page.get_by_label("Your name").fill("Anna Ivanova")
    page.get_by_label("Email", exact=True).fill("anna@example.org")
    photo = tmp_path / "pothole.png"
    photo.write_bytes(PNG)
    page.get_by_label("Photo").set_input_files(str(photo))


def test_a_resident_reports_a_pothole_from_a_phone(local_stack, browser, tmp_path):  # noqa: F811
    stack = local_stack.start()
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.url + "/")
    page.get_by_role("option", name="Roads").wait_for(state="attached")
    _fill_form(page, tmp_path)
    page.get_by_role("button", name="Send request").click()
    # No consent: the problem is named next to the box, and nothing typed is lost.
    consent_error = page.locator("#consent-error")
    consent_error.wait_for()
    assert consent_error.inner_text() != ""
    assert page.get_by_label("I agree").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Short title").input_value() == "Pothole by the bus stop"
    assert serious_violations(page) == []
    shoot(page, "submit-errors-360")
    page.get_by_label("I agree").check()
    page.get_by_label("People are in danger").check()
    page.get_by_role("button", name="Send request").click()
    page.get_by_role("heading", name="Your request is registered").wait_for()
    number = page.locator("#number").inner_text()
    assert number.startswith("20")
    assert "-" in number
    # Danger to people: the department's manager reviews it first (no priority from the form).
    staff = {"Authorization": f"Bearer {stack.tokens['op-olga']}"}
    card = requests.get(f"{stack.url}/staff/cards/{number}", headers=staff, timeout=10).json()
    assert "safety" in card["manual_control"]
    assert card["priority"] == "normal"
    assert page.locator("#photo-failed").is_hidden()
    assert serious_violations(page) == []
    shoot(page, "submit-done-360")
    page.get_by_role("link", name="Follow your request").click()
    page.get_by_text(f"Your request № {number}").wait_for()
    page.locator("#status").get_by_text("Received").wait_for()
    assert serious_violations(page) == []
    shoot(page, "status-360")
    assert errors == []


def test_the_form_speaks_russian_and_fits_a_desktop(local_stack, browser):  # noqa: F811
    stack = local_stack.start()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(stack.url + "/")
    page.get_by_role("option", name="Roads").wait_for(state="attached")
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("heading", name="Сообщить о проблеме в администрацию").wait_for()
    page.get_by_label("Тема").select_option(label="Дороги")
    page.get_by_label("Что именно").select_option(label="Ямы на дороге")
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert serious_violations(page) == []
    shoot(page, "submit-ru-1280")
    page.reload()
    page.get_by_role("heading", name="Сообщить о проблеме в администрацию").wait_for()  # kept


def test_the_status_page_speaks_russian_too(local_stack, browser):  # noqa: F811
    import requests

    from tests.conftest import card_form

    stack = local_stack.start()
    receipt = requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).json()
    page = browser.new_page(viewport=PHONE)
    page.goto(receipt["status_url"])
    page.locator("#status").get_by_text("Received").wait_for()
    page.get_by_role("button", name="Русский").click()
    page.locator("#status").get_by_text("Зарегистрировано").wait_for()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == f"Ваше обращение № {receipt['number']}"
    assert page.get_by_label("Дополнить обращение или ответить на вопрос").is_visible()
    assert serious_violations(page) == []
    shoot(page, "status-ru-360")


def test_the_phone_fills_in_where_the_resident_stands(local_stack, browser):  # noqa: F811
    stack = local_stack.start()
    context = browser.new_context(
        viewport=PHONE, geolocation={"latitude": 55.751244, "longitude": 37.618423}
    )
    context.grant_permissions(["geolocation"], origin=stack.url)
    page = context.new_page()
    page.goto(stack.url + "/")
    page.get_by_role("button", name="Use where I am now").click()
    wait_until(page, "document.getElementById('latitude').value !== ''")
    assert page.get_by_label("Latitude").input_value() == "55.751244"
    assert page.get_by_label("Longitude").input_value() == "37.618423"
    # Refused ("Block" on the browser's question, said through the DevTools protocol because
    # Playwright can only grant): the resident is told to type the place; nothing else changes.
    refused = browser.new_context(viewport=PHONE)
    other = refused.new_page()
    other.goto(stack.url + "/")
    refused.new_cdp_session(other).send(
        "Browser.setPermission",
        {"permission": {"name": "geolocation"}, "setting": "denied", "origin": stack.url},
    )
    other.get_by_role("button", name="Use where I am now").click()
    other.locator("#locate-status").filter(has_text="not available").wait_for()
    assert other.get_by_label("Latitude").input_value() == ""
    context.close()
    refused.close()


def test_a_question_left_unanswered_does_not_leave_the_resident_waiting(local_stack, browser):  # noqa: F811
    stack = local_stack.start()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.clock.install()
    page.goto(stack.url + "/")
    # The browser's question stays open (the resident looks away): the position never comes.
    page.evaluate("navigator.geolocation.getCurrentPosition = () => {}")
    page.get_by_role("button", name="Use where I am now").click()
    status = page.locator("#locate-status")
    status.filter(has_text="Finding where you are").wait_for()
    page.clock.fast_forward(11_000)
    status.filter(has_text="type the address meanwhile").wait_for()
    assert page.get_by_label("Latitude").input_value() == ""
    context.close()
