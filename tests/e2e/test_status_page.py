"""The private status link in a real headless browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import card_form

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: no background calls home, which would fail by the dozen.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


# Every page records what its Content-Security-Policy refused (serious_violations reports it):
# the portal runs under the same policy as deployed, so a script, style or request it would
# block fails the browser tests.
CSP_WATCH = """
window.__cspRefused = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspRefused.push(e.effectiveDirective + " refused " + (e.blockedURI || "inline")));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = launched.new_context

        def watched_context(**options: Any) -> Any:
            context = new_context(**options)
            context.add_init_script(CSP_WATCH)
            return context

        def watched_page(**options: Any) -> Any:
            page = watched_context(**options).new_page()
            page.on("close", lambda closed: closed.context.close())
            return page

        launched.new_context = watched_context
        launched.new_page = watched_page
        yield launched
        launched.close()


def test_the_requester_follows_the_link_sees_the_question_and_answers(local_stack, browser):
    stack = local_stack.start()
    receipt = requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).json()
    number = receipt["number"]
    staff = {"Authorization": f"Bearer {stack.tokens['op-olga']}"}
    requests.post(
        f"{stack.url}/staff/cards/{number}/comments",
        headers=staff,
        timeout=10,
        json={"text": "Internal: crew of Petrov", "version": 1},
    )
    requests.post(
        f"{stack.url}/staff/cards/{number}/transition",
        headers=staff,
        timeout=10,
        json={"to": "needs_clarification", "question": "Which entrance is it?", "version": 2},
    )

    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(receipt["status_url"])
    page.get_by_text("We need more information").first.wait_for()
    assert page.locator("#question").inner_text() == "Our question: Which entrance is it?"
    assert page.locator("#reply-by").inner_text().startswith("Please answer by ")
    assert "Petrov" not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == f"Your request № {number}"

    page.get_by_label("Add details or answer a question").fill("Entrance 2, next to the shop")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you, your message was added.").wait_for()
    # The card has an executor (routing gave it one), so the answer puts it back into work.
    assert page.locator("#status").inner_text() == "In progress"
    assert "You: Entrance 2, next to the shop" in page.locator("#steps").inner_text()
    assert page.locator("#question").is_hidden()
    assert errors == []


def test_a_wrong_code_shows_a_plain_message_and_the_lookup_form(local_stack, browser):
    stack = local_stack.start()
    receipt = requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).json()
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{stack.url}/status.html?n={receipt['number']}#t=wrong-code")
    # The portal's own words for the refusal (its code), never the server's English.
    page.get_by_text("No request with this number and access code.").wait_for()
    assert page.locator("#lookup").is_visible()
    page.get_by_label("Request number").fill(receipt["number"])
    page.get_by_label("Access code").fill(receipt["access_token"])
    page.get_by_role("button", name="Show status").click()
    page.locator("#status").get_by_text("Received").wait_for()
    assert page.locator("#message").inner_text() == ""


def _link_in_mail(stack, number: str, marker: str, seconds: float = 20.0) -> str:
    """The link carrying ``marker`` (``survey=1``, ``objection=1``) from the mail the local
    outbox received for ``number``."""
    from email import message_from_bytes, policy

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted((stack.data_dir / "outbox").glob("*.eml")):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            text = mail.get_body(("plain",)).get_content()
            if number in str(mail["Subject"]) and marker in text:
                return next(w for w in text.split() if marker in w)
        time.sleep(0.2)
    raise AssertionError(f"no mail with {marker} for {number}")


def _resolved(stack) -> tuple[str, dict[str, str]]:
    """A web request its owner resolved with a final answer: its number and the receipt."""
    receipt = requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).json()
    number = receipt["number"]
    card = requests.get(
        f"{stack.url}/staff/cards/{number}",
        headers={"Authorization": f"Bearer {stack.tokens['adm-dmitry']}"},
        timeout=10,
    ).json()
    owner = {"Authorization": f"Bearer {stack.tokens[card['executor_id']]}"}
    for payload in (
        {"to": "in_progress", "version": 1},
        {"kind": "final", "text": "Patched on Monday.", "version": 2},
    ):
        path = "transition" if "to" in payload else "replies"
        done = requests.post(
            f"{stack.url}/staff/cards/{number}/{path}", json=payload, headers=owner, timeout=10
        )
        assert done.status_code in (200, 201), done.text
    return number, receipt


def test_the_requester_says_the_resolution_did_not_solve_it_from_the_mail(local_stack, browser):
    stack = local_stack.start()
    number, _ = _resolved(stack)
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(_link_in_mail(stack, number, "objection=1"))
    page.get_by_role("heading", name="Not solved?").wait_for()
    assert "tell us by" in page.locator("#objection-intro").inner_text()
    # The link opened the page at the form: the cursor is already in it.
    assert page.evaluate("document.activeElement.id") == "objection-text"
    page.get_by_label("What is still wrong?").fill("The hole is back after one rain")
    page.get_by_role("button", name="Reopen my request").click()
    page.get_by_text("Your request is reopened").wait_for()
    assert page.locator("#status").inner_text() == "In progress"
    assert page.locator("#objection").is_hidden()
    assert "You: The hole is back after one rain" in page.locator("#steps").inner_text()
    assert errors == []


def test_after_closure_the_requester_rates_the_service_from_the_mail(local_stack, browser):
    stack = local_stack.start()
    number, receipt = _resolved(stack)
    manager = {"Authorization": f"Bearer {stack.tokens['mgr-sergey']}"}
    closing = {"to": "closed", "closure_reason": "Done", "version": 3}
    done = requests.post(
        f"{stack.url}/staff/cards/{number}/transition", json=closing, headers=manager, timeout=10
    )
    assert done.status_code == 200, done.text

    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(_link_in_mail(stack, number, "survey=1"))
    page.get_by_role("heading", name="How did we do?").wait_for()
    page.get_by_label("4").check()
    page.get_by_label("Anything to add? (optional)").fill("Fast work")
    page.get_by_role("button", name="Send rating").click()
    page.get_by_text("Thank you for your rating.").wait_for()
    assert page.locator("#rating").is_hidden()
    again = requests.post(
        f"{stack.url}/requests/{number}/survey",
        json={"rating": 1},
        headers={"X-Access-Token": receipt["access_token"]},
        timeout=10,
    )
    assert again.status_code == 409
    assert errors == []


def _code_from_sms(stack, seconds: float = 20.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted((stack.data_dir / "outbox").glob("*.sms.txt")):
            text = path.read_text("utf-8")
            if "is your code" in text:
                return text.split("\n\n", 1)[1].split()[0]
        time.sleep(0.2)
    raise AssertionError("no code arrived")


def test_a_requester_without_the_link_asks_for_a_code_and_gets_in(local_stack, browser):
    stack = local_stack.start()
    form = card_form(
        requester={"full_name": "Anna", "phone": "+7 916 123-45-67", "preferred_channel": "sms"}
    )
    number = requests.post(f"{stack.url}/requests", json=form, timeout=10).json()["number"]
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{stack.url}/status.html")
    page.get_by_label("Request number").fill(number)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_text("a code is on its way").wait_for()
    page.get_by_label("Access code").fill(
        "000000" if _code_from_sms(stack) != "000000" else "111111"
    )
    page.get_by_role("button", name="Show status").click()
    page.get_by_text("The code is wrong or has expired").wait_for()
    page.get_by_label("Access code").fill(_code_from_sms(stack))
    page.get_by_role("button", name="Show status").click()
    page.locator("#status").get_by_text("Received").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == f"Your request № {number}"
    assert errors == []
