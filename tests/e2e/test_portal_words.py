"""The portal speaks the reader's language: every problem is the portal's own sentence for its
code (never the API's English or a validator's wording), all at once, drawn again on a language
switch; dates in the town's time zone; the town's face from its one file. Real Chromium."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.test_portal import DESKTOP, VALIDATOR_WORDING, serious_violations, shoot
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(module_stack: RunningStack) -> RunningStack:
    return module_stack


def fill_a_valid_form(
    page: Any, subject: str = "Pothole", description: str = "A deep pothole at the stop."
) -> None:
    """Everything a request needs but its place and photo."""
    page.get_by_label("Topic").select_option(label="Roads")
    page.get_by_label("What exactly").select_option(label="Potholes")
    page.get_by_label("Short title").fill(subject)
    page.get_by_label("What happened").fill(description)
    page.get_by_label("Your name").fill("Anna Ivanova")
    page.get_by_label("Email", exact=True).fill("anna@example.org")
    page.get_by_label("I agree").check()


def shown_errors(page: Any) -> list[str]:
    texts = page.locator(".error, .summary").all_inner_texts()
    return [t for t in texts if t.strip()]


def no_validator_wording(page: Any) -> None:
    for text in shown_errors(page):
        assert not VALIDATOR_WORDING.search(text), text


def open_form(browser: Any, stack: RunningStack, **context: Any) -> Any:  # noqa: F811
    page = browser.new_context(**{"viewport": PHONE, **context}).new_page()
    page.goto(stack.url + "/")
    page.get_by_role("option", name="Roads").wait_for(state="attached")
    return page


def test_every_problem_is_shown_at_once_before_sending_and_redrawn_in_russian(browser, stack):  # noqa: F811
    page = open_form(browser, stack)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Email", exact=True).fill("anna at example")
    page.get_by_role("button", name="Send request").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    assert sent == []  # nothing went to the server
    problems = page.locator("#summary-list li").all_inner_texts()
    assert problems == [
        "Please choose a topic.",
        "Please give a short title.",
        "Please say what happened.",
        "Please give your name.",
        "Check the email address: it looks like name@example.org.",
        "Please tick the box: without it the town cannot handle your request.",
    ]
    assert page.locator("#summary-count").inner_text() == "6 things to fix:"
    assert page.locator("#email-error").inner_text() == problems[4]
    assert page.get_by_label("Email", exact=True).get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []
    no_validator_wording(page)
    shoot(page, "words-problems-en-360")
    # A link in the summary takes the reader to the field.
    page.get_by_role("link", name="Please give your name.").click()
    assert page.evaluate("document.activeElement.id") == "full_name"
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("heading", name="Есть ошибки").wait_for()
    assert page.locator("#email-error").inner_text().startswith("Проверьте адрес почты")
    assert page.locator("#summary-list li").count() == 6
    assert page.locator("#email").input_value() == "anna at example"  # nothing typed is lost
    assert serious_violations(page) == []
    no_validator_wording(page)
    shoot(page, "words-problems-ru-360")
    page.context.close()


def test_a_problem_only_the_server_sees_is_the_portal_s_sentence_by_its_code(browser, stack):  # noqa: F811
    page = open_form(browser, stack, viewport=DESKTOP)
    # The consent text changes while the form is open: only the server can know.
    page.route(
        "**/categories",
        lambda route: route.fulfill(
            response=route.fetch(),
            json={**route.fetch().json(), "consent_version": "2025-01"},
        ),
    )
    page.reload()
    page.get_by_role("option", name="Roads").wait_for(state="attached")
    fill_a_valid_form(page)
    with page.expect_response("**/requests") as answered:
        page.get_by_role("button", name="Send request").click()
    assert answered.value.status == 400
    page.locator("#consent-error").filter(has_text="consent text has changed").wait_for()
    no_validator_wording(page)
    page.get_by_role("button", name="Русский").click()
    page.locator("#consent-error").filter(has_text="Текст согласия изменился").wait_for()
    assert serious_violations(page) == []
    page.context.close()


def test_too_many_requests_is_said_with_the_wait_in_the_reader_s_language(browser, stack):  # noqa: F811
    page = open_form(browser, stack)
    page.route(
        "**/requests",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "600", "Content-Type": "application/json"},
            body=json.dumps({"error": {"code": "too_many_requests", "message": "x", "fields": []}}),
        ),
    )
    fill_a_valid_form(page)
    page.get_by_role("button", name="Send request").click()
    page.locator("#notice").filter(has_text="try again in 10 min").wait_for()
    page.get_by_role("button", name="Русский").click()
    page.locator("#notice").filter(has_text="Попробуйте снова через 10 мин").wait_for()
    page.context.close()


def test_dates_are_the_town_s_and_say_so_to_a_reader_elsewhere(browser, stack):  # noqa: F811
    receipt = requests.post(f"{stack.url}/requests", json=_form(), timeout=10).json()
    at_home = browser.new_context(viewport=PHONE, timezone_id="Europe/Moscow", locale="en-GB")
    page = at_home.new_page()
    page.goto(receipt["status_url"])
    page.locator("#status").get_by_text("Received").wait_for()
    due = page.locator("#due").inner_text()
    assert not re.search(r"\d:\d\d:\d\d", due)  # no seconds
    assert "GMT" not in due
    assert "MSK" not in due
    away = browser.new_context(viewport=PHONE, timezone_id="America/New_York", locale="en-US")
    other = away.new_page()
    other.goto(receipt["status_url"])
    other.locator("#status").get_by_text("Received").wait_for()
    # The same moment, in the town's time, named as such for a reader in another zone.
    assert re.search(r"GMT\+3|MSK", other.locator("#due").inner_text())
    at_home.close()
    away.close()


def test_the_town_s_face_comes_from_its_file(browser, stack):  # noqa: F811
    town = requests.get(f"{stack.url}/town.json", timeout=10).json()
    assert town["time_zone"] == "Europe/Moscow"
    languages = requests.get(f"{stack.url}/i18n/languages.json", timeout=10).json()
    assert languages == [{"code": "en", "name": "English"}, {"code": "ru", "name": "Русский"}]
    for asset in ("favicon.ico", "favicon.svg", "brand/logo.svg", "consent.html"):
        assert requests.get(f"{stack.url}/{asset}", timeout=10).status_code == 200, asset
    page = open_form(browser, stack)
    assert page.locator("#town-name").inner_text() == town["name"]["en"]
    assert page.title().endswith(town["name"]["en"])
    primary = page.evaluate("getComputedStyle(document.getElementById('send')).backgroundColor")
    assert primary == "rgb(29, 79, 145)"  # town.json's #1d4f91
    page.get_by_role("link", name="Read the full text of the consent").click()
    page.get_by_role("heading", name="Consent to the processing of personal data").wait_for()
    page.get_by_text("Version " + town["consent"]["version"]).wait_for()
    assert page.get_by_text("withdraw this consent", exact=False).is_visible()
    for link in town["links"]:
        page.get_by_role("link", name=link["label"]["en"]).wait_for()
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("heading", name="Согласие на обработку персональных данных").wait_for()
    assert page.locator("#town-name").inner_text() == town["name"]["ru"]
    assert serious_violations(page) == []
    shoot(page, "consent-ru-360")
    page.context.close()


def test_nothing_overflows_a_320_px_phone_and_the_number_stays_whole(browser, stack):  # noqa: F811
    receipt = requests.post(f"{stack.url}/requests", json=_form(), timeout=10).json()
    page = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    for path in ("/", "/status.html", receipt["status_url"]):
        page.goto(path if path.startswith("http") else stack.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    title = page.get_by_role("heading", level=1)
    assert title.locator(".nowrap").inner_text() == receipt["number"]
    page.goto(stack.url + "/status.html")
    help_box = page.locator("#token-help").bounding_box()
    button = page.get_by_role("button", name="Send me a code").bounding_box()
    assert help_box is not None
    assert button is not None
    below = help_box["y"] >= button["y"] + button["height"]
    above = button["y"] >= help_box["y"] + help_box["height"]
    assert below or above  # not side by side on one line
    page.context.close()


def _form() -> dict[str, Any]:
    from tests.conftest import card_form

    return card_form()
