"""An administrator answers a requester's data requests in the console, against the local
stack in real Chromium: what is held (listed, and one file to send), then erasing it (the
request's reference and a tick first); the card then shows no one."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import card_form
from tests.e2e.test_console import scan_and_shoot, sign_in
from tests.e2e.test_portal import DESKTOP
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e
WHO = {
    "full_name": "Vera Kozlova",
    "email": "vera.kozlova@example.org",
    "preferred_channel": "email",
}


def test_an_administrator_shows_then_erases_what_is_held_about_a_requester(
    module_stack: Any,
    browser: Any,  # noqa: F811
) -> None:
    filed = requests.post(f"{module_stack.url}/requests", json=card_form(requester=WHO), timeout=30)
    assert filed.status_code == 201, filed.text
    number = filed.json()["number"]

    page = sign_in(browser, module_stack.url, "adm-dmitry", DESKTOP)
    page.get_by_role("link", name="Data requests").click()
    page.get_by_role("heading", name="Data requests").wait_for()
    form = page.locator("#data-requests")
    # Nothing given: the problem is said beside the contact fields.
    page.get_by_role("button", name="Show what is held").click()
    page.locator("#privacy-contact-error:not(:empty)").wait_for()
    form.get_by_label("Email").fill("vera.kozlova@example.org")
    page.get_by_role("button", name="Show what is held").click()
    page.get_by_text("Requests of theirs held: 1.").wait_for()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download everything (JSON)").click()
    held = downloading.value.path().read_text()
    assert "vera.kozlova@example.org" in held
    assert number in held
    scan_and_shoot(page, "data-requests-1280")
    # Erasing asks for the tick, then the request's reference.
    page.get_by_role("button", name="Erase their personal data").click()
    page.get_by_text("Tick this to confirm the erasure.").wait_for()
    form.get_by_label("I understand this cannot be undone").check()
    page.get_by_role("button", name="Erase their personal data").click()
    page.locator("#privacy-reason-error:not(:empty)").wait_for()
    form.get_by_label("The request: its date, reference and how it came").fill(
        "Letter of 30 November, ref. 12"
    )
    form.get_by_label("I understand this cannot be undone").check()
    page.get_by_role("button", name="Erase their personal data").click()
    page.get_by_text("Erased from requests: 1.").wait_for()
    assert page.locator("#alert").inner_text() == ""  # the earlier problems are gone
    page.get_by_text(
        f"Still open when erased (the town can no longer write to them): {number}."
    ).wait_for()
    scan_and_shoot(page, "data-requests-erased-1280")
    # The card in the console: no one, and the history says why.
    page.get_by_role("link", name=number).click()
    page.get_by_role("heading", name=f"Card {number}").wait_for()
    page.get_by_text("Requester (personal data removed)").first.wait_for()
    page.get_by_text("the requester's personal data removed").first.wait_for()
    assert "Kozlova" not in page.content()
    assert page.errors == []
    page.context.close()
    # In Russian on a phone, nothing wider than the screen.
    phone = sign_in(browser, module_stack.url, "adm-dmitry", PHONE)
    phone.get_by_role("button", name="Русский").click()
    phone.get_by_role("link", name="Запросы о данных").click()
    phone.get_by_role("heading", name="Запросы о персональных данных").wait_for()
    scan_and_shoot(phone, "data-requests-ru-360")
    phone.context.close()
