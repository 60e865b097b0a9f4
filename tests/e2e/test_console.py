"""The whole life of a request through both faces, in a real headless browser: a resident submits
on a phone; the manager assigns in the console and asks a question; the resident answers on the
status page; the executor replies from the template (with preview); the manager closes; the
resident sees the final status and rates. Every console view is scanned by axe-core and shot at
360 and 1280 px."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_portal import DESKTOP, _fill_form, serious_violations, shoot
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture
from tests.e2e.waiting import wait_until

pytestmark = pytest.mark.e2e


def sign_in(browser: Any, url: str, staff_id: str, viewport: dict[str, int]) -> Any:  # noqa: F811
    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(url + "/console.html")
    page.get_by_label("Staff member").select_option(staff_id)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Queue").wait_for()
    return page


def civicdesk(stack: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line beside the running stack, against its emulated AWS and data folder."""
    cli = Path(sys.executable).parent / "civicdesk"
    return subprocess.run(
        [str(cli), *args, "--endpoint", stack.aws_url, "--data-dir", str(stack.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def scan_and_shoot(page: Any, name: str) -> None:
    assert serious_violations(page) == [], name
    # Nothing wider than the screen: no sideways scrolling on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow} px wider than the screen"
    shoot(page, name)


def open_card(page: Any, number: str) -> None:
    page.goto(page.url.split("#")[0] + f"#/card/{number}")
    page.reload()  # the same address does not load it again by itself
    page.get_by_role("heading", name=f"Card {number}").wait_for()


def test_a_request_from_the_form_to_the_rating_through_the_console(
    local_stack,
    browser,  # noqa: F811
    tmp_path,
):
    stack = local_stack.start()
    # A resident reports a pothole from a phone.
    resident = browser.new_page(viewport=PHONE)
    resident.goto(stack.url + "/")
    resident.get_by_role("option", name="Roads").wait_for(state="attached")
    _fill_form(resident, tmp_path)
    resident.get_by_label("I agree").check()
    resident.get_by_role("button", name="Send request").click()
    resident.get_by_role("heading", name="Your request is registered").wait_for()
    number = resident.locator("#number").inner_text()
    status_link = resident.get_by_role("link", name="Follow your request").get_attribute("href")

    # The roads manager signs in, sees it in the queue with its deadline colour, and opens it.
    console = sign_in(browser, stack.url, "mgr-sergey", DESKTOP)
    scan_and_shoot(console, "console-queue-1280")
    console.locator("#queue-department").select_option("roads")
    row = console.locator("#queue-rows tr", has_text=number)
    row.wait_for()
    assert row.locator(".due").inner_text() in ("On time", "Due within a day")
    row.get_by_role("link").click()
    console.get_by_role("heading", name=f"Card {number}").wait_for()
    assert console.locator("#history-public").inner_text() != ""
    # The resident's photo is on the card: its preview, its name, type, size and who sent it.
    files = console.get_by_role("region", name="Files")
    files.get_by_role("img", name="pothole.png").wait_for()
    wait_until(console, "document.querySelector('#card-file-list img').naturalWidth > 0")
    assert "image/png · 1 KB · from the requester" in files.inner_text()
    # Names, not codes: the district by its name, the channel in words.
    facts = console.locator("#card-facts")
    facts.get_by_text("Lenina 5, District 3").wait_for()
    assert "web form" in facts.inner_text()
    scan_and_shoot(console, "console-card-1280")

    # Routing gave the card an owner, so moving it to Maria needs a reason: asked for next to
    # the field, and the choice made is kept.
    assert "not assigned" not in console.locator("#card-facts").inner_text()
    console.get_by_label("Executor").select_option("ex-maria")
    console.get_by_role("button", name="Assign", exact=True).click()
    console.locator("#assign-reason-error").filter(has_text="Please write this").wait_for()
    assert console.get_by_label("Reason (needed").get_attribute("aria-invalid") == "true"
    assert console.get_by_label("Executor").input_value() == "ex-maria"
    console.get_by_label("Reason (needed").fill("Maria's crew works on Lenina this week")
    console.get_by_role("button", name="Assign", exact=True).click()
    console.get_by_text("Assigned.").wait_for()
    assert "Maria Volkova" in console.locator("#card-facts").inner_text()

    # Ask for clarification: the form asks for the question; sending without it names the field.
    console.get_by_label("New status").select_option("needs_clarification")
    console.get_by_role("button", name="Change status").click()
    console.locator("#transition-text-error").filter(has_text="Please write this").wait_for()
    assert console.locator("#alert").inner_text() != ""
    console.get_by_label("Question to the requester").fill("Which side of the bus stop is it on?")
    assert console.get_by_label("Answer by").is_visible()  # optional: the topic's time otherwise
    console.get_by_role("button", name="Change status").click()
    console.get_by_text("Status changed.").wait_for()
    assert "Which side of the bus stop" in console.locator("#history-public").inner_text()
    assert "Requester to answer by" in console.locator("#card-facts").inner_text()

    # The resident sees the question and answers it on the status page.
    resident.goto(status_link)
    resident.locator("#question").get_by_text("Which side of the bus stop").wait_for()
    resident.get_by_label("Add details or answer a question").fill("The north side, by the kiosk.")
    resident.get_by_role("button", name="Send", exact=True).click()
    resident.get_by_text("Thank you, your message was added.").wait_for()

    # Maria replies with the final answer from the template, previewing it first.
    worker = sign_in(browser, stack.url, "ex-maria", PHONE)
    scan_and_shoot(worker, "console-queue-360")
    open_card(worker, number)
    assert "The north side, by the kiosk." in worker.locator("#history-public").inner_text()
    if "In progress" not in worker.locator("#card-facts").inner_text():
        worker.get_by_label("New status").select_option("in_progress")
        worker.get_by_role("button", name="Change status").click()
        worker.get_by_text("Status changed.").wait_for()
    worker.get_by_label("Kind").select_option("final")
    worker.get_by_label("Text", exact=True).nth(1).fill(
        "The pothole on the north side was filled with hot asphalt."
    )
    worker.get_by_role("button", name="Preview").click()
    worker.get_by_role("heading", name="What the requester will get").wait_for()
    assert "hot asphalt" in worker.locator("#preview-text").inner_text()
    scan_and_shoot(worker, "console-card-360")
    worker.get_by_role("button", name="Send reply").click()
    worker.get_by_text("Reply saved").wait_for()
    assert "Resolved" in worker.locator("#card-facts").inner_text()
    assert "unless the requester objects by" in worker.locator("#card-facts").inner_text()
    assert "sent" in worker.locator("#card-replies").inner_text()

    # The manager closes it: the closure reason is asked for.
    open_card(console, number)
    console.get_by_label("New status").select_option("closed")
    console.get_by_label("Why it is closed").fill("Repaired and confirmed by the crew")
    console.get_by_role("button", name="Change status").click()
    console.locator("#card-facts").get_by_text("Closed").wait_for()

    # The resident sees the final status and the answer, and rates the service.
    resident.reload()
    resident.locator("#status").get_by_text("Closed").wait_for()
    assert "hot asphalt" in resident.locator("body").inner_text()
    resident.get_by_label("5 — excellent").check()
    resident.get_by_role("button", name="Send rating").click()
    resident.get_by_text("Thank you for your rating.").wait_for()
    assert console.errors == []
    assert worker.errors == []


def test_the_operator_records_a_call_and_the_manager_watches_the_department(
    local_stack,
    browser,  # noqa: F811
):
    stack = local_stack.start()
    operator = sign_in(browser, stack.url, "op-olga", PHONE)
    operator.get_by_role("link", name="Phone call").click()
    operator.get_by_role("heading", name="Record a phone call").wait_for()
    # Saving an empty call names each missing field next to it; nothing typed is lost.
    operator.get_by_label("Caller's name").fill("Boris Petrov")
    operator.get_by_role("button", name="Save the call").click()
    operator.locator("#call-essence-error").filter(has_text="").wait_for()
    wait_until(operator, "document.getElementById('alert').textContent.length > 0")
    assert operator.get_by_label("Caller's name").input_value() == "Boris Petrov"
    scan_and_shoot(operator, "console-call-errors-360")
    operator.get_by_label("Caller's phone").fill("+7 916 555-44-33")
    operator.get_by_role("region", name="Record a phone call").get_by_label("Topic").select_option(
        label="Street lighting"
    )
    operator.get_by_label("What exactly").select_option(index=1)
    operator.locator("#call-questions li").first.wait_for()
    operator.get_by_label("What the caller says").fill("The streetlight at Lenina 5 is out.")
    operator.get_by_label("Address or landmark").fill("Lenina 5")
    operator.get_by_role("button", name="Save the call").click()
    operator.get_by_text("Call saved as card").wait_for()
    number = operator.locator("#call-done a").inner_text()
    operator.locator("#call-done a").click()
    operator.get_by_role("heading", name=f"Card {number}").wait_for()
    assert "phone" in operator.locator("#card-facts").inner_text()

    # The lighting manager's overview: workload per executor, overdue and approvals lists.
    manager = sign_in(browser, stack.url, "mgr-irina", DESKTOP)
    manager.get_by_role("link", name="Manager").click()
    manager.get_by_role("heading", name="Department overview").wait_for()
    manager.locator("#manager-department").select_option("lighting")
    manager.get_by_role("region", name="Department overview").get_by_role(
        "button", name="Show"
    ).click()
    manager.locator("#workload-rows tr", has_text="Pavel Orlov").wait_for()
    assert manager.locator("#overdue-list").inner_text() == "Nothing is overdue."
    scan_and_shoot(manager, "console-manager-1280")
    manager.set_viewport_size(PHONE)
    scan_and_shoot(manager, "console-manager-360")
    # Russian, switched in place and kept.
    manager.get_by_role("button", name="Русский").click()
    manager.get_by_role("heading", name="Обзор подразделения").wait_for()
    scan_and_shoot(manager, "console-manager-ru-360")
    assert operator.errors == []
    assert manager.errors == []


def test_signing_in_is_required_and_a_bad_token_sends_back_to_sign_in(
    local_stack,
    browser,  # noqa: F811
):
    stack = local_stack.start()
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script("sessionStorage.setItem('civicdesk.staff-token', 'not-a-token')")
    page.goto(stack.url + "/console.html#/manager")
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.locator("#nav").is_hidden()
    assert page.locator("#manager").is_hidden()
    page.get_by_role("option", name="Sergey Lebedev (manager)").wait_for(state="attached")
    scan_and_shoot(page, "console-signin-360")
    assert errors == []


def test_the_local_sign_in_answers_only_for_staff_of_the_directory(local_stack):
    import requests

    stack = local_stack.start()
    for body in ({"staff_id": "nobody"}, {"who": "ex-ivan"}, "not json", {"staff_id": "x" * 2000}):
        answer = requests.post(
            f"{stack.url}/dev/sign-in",
            data=body if isinstance(body, str) else None,
            json=None if isinstance(body, str) else body,
            timeout=10,
        )
        assert answer.status_code == 400, body
        assert answer.json()["error"]["fields"][0]["field"] == "staff_id"
    token = requests.post(
        f"{stack.url}/dev/sign-in", json={"staff_id": "ex-ivan"}, timeout=10
    ).json()["token"]
    me = requests.get(f"{stack.url}/staff/me", headers={"Authorization": token}, timeout=10)
    assert me.json()["staff_id"] == "ex-ivan"


def test_a_server_failure_is_a_plain_message_and_the_typed_text_stays(
    local_stack,
    browser,  # noqa: F811
):
    stack = local_stack.start()
    page = sign_in(browser, stack.url, "op-olga", PHONE)
    trace = "Traceback (most recent call last):\n  File app.py, line 1\nKeyError: 'x'"
    page.route(
        "**/staff/calls",
        lambda route: route.fulfill(status=502, body=trace, content_type="text/html"),
    )
    page.get_by_role("link", name="Phone call").click()
    page.get_by_label("Caller's name").fill("Boris Petrov")
    page.get_by_label("What the caller says").fill("The streetlight at Lenina 5 is out.")
    page.get_by_role("button", name="Save the call").click()
    alert = page.locator("#alert")
    alert.filter(has_text="cannot be reached right now").wait_for()
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.get_by_label("What the caller says").input_value() == (
        "The streetlight at Lenina 5 is out."
    )
    assert page.errors == []


def test_an_operator_finds_a_request_by_words_and_narrows_it_by_facets(
    local_stack,
    browser,  # noqa: F811
):
    import time

    import requests

    from tests.conftest import card_form

    stack = local_stack.start()
    lamp = requests.post(
        f"{stack.url}/requests",
        json=card_form(
            subject="Streetlight out",
            description="The streetlights on Lenina street are dark at night",
            category="lighting.streetlight_out",
        ),
        timeout=10,
    ).json()["number"]
    requests.post(f"{stack.url}/requests", json=card_form(), timeout=10)
    # The local stack's timer thread reads the table's stream each second, as Lambda would.
    staff = {"Authorization": stack.tokens["op-olga"]}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = requests.get(f"{stack.url}/staff/search?q=", headers=staff, timeout=10).json()
        if found["total"] == 2:
            break
        time.sleep(0.5)
    assert found["total"] == 2

    page = sign_in(browser, stack.url, "op-olga", DESKTOP)
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Words").fill("streetlight Lenina")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("1 found").wait_for()
    hit = page.locator("#search-hits li").first
    assert lamp in hit.inner_text()
    assert hit.locator("mark").first.inner_text() in ("Streetlight", "streetlights", "Lenina")
    scan_and_shoot(page, "console-search-1280")
    # Every request on Lenina, narrowed to the Roads topic by its facet.
    page.get_by_label("Words").fill("Lenina")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("2 found").wait_for()
    page.get_by_role("button", name="Roads (1)").click()
    page.get_by_text("1 found").wait_for()
    assert lamp not in page.locator("#search-hits").inner_text()
    page.set_viewport_size(PHONE)
    scan_and_shoot(page, "console-search-360")
    assert page.errors == []

    # The reindex command rebuilds the index from the table, beside the running stack.
    rebuilt = civicdesk(stack, "search", "reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.strip() == "2 cards indexed"


def test_a_manager_reads_the_periods_figures_and_exports_it(
    local_stack,
    browser,  # noqa: F811
):
    import requests

    from tests.conftest import card_form

    stack = local_stack.start()
    for _ in range(2):
        assert requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).ok
    # The nightly pass computes the figures; run it now instead of waiting for 01:00 UTC.
    ran = civicdesk(stack, "export", "nightly")
    assert ran.returncode == 0, ran.stderr
    assert "2 requests exported" in ran.stdout

    page = sign_in(browser, stack.url, "mgr-sergey", DESKTOP)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("heading", name="Reports", exact=True).wait_for()
    page.locator("#reports-as-of").filter(has_text="Figures as of").wait_for()
    totals = page.locator("#reports-totals")
    assert totals.get_by_role("row", name="Received").inner_text().split()[-1] == "2"
    scan_and_shoot(page, "console-reports-1280")
    page.get_by_role("button", name="Export this period").click()
    page.get_by_text("Export ready: 2 requests.").wait_for(timeout=30000)
    csv_link = page.get_by_role("link", name="Download CSV").get_attribute("href")
    downloaded = requests.get(csv_link, timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.text.startswith("service_request_id,requested_datetime")
    assert "Anna" not in downloaded.text

    # A third request arrives; the export would count it, the nightly figures do not yet: the
    # page says so, and the manager recomputes them now.
    assert requests.post(f"{stack.url}/requests", json=card_form(), timeout=10).ok
    assert "an export reads the requests as they are" in page.locator("#reports").inner_text()
    page.get_by_role("button", name="Recompute now").click()
    page.get_by_text("The figures are up to date.").wait_for(timeout=60000)
    assert totals.get_by_role("row", name="Received").inner_text().split()[-1] == "3"
    # Maria works in both of Sergey's departments: one line, both departments named.
    maria = page.locator("#reports-workload tr", has_text="Maria Volkova")
    assert maria.count() == 1
    assert "Road Service" in maria.inner_text()
    # Asked again at once: told when it may be asked, in words.
    page.get_by_role("button", name="Recompute now").click()
    page.locator("#reports-refresh-status").filter(has_text="try again in").wait_for()
    page.set_viewport_size(PHONE)
    scan_and_shoot(page, "console-reports-360")
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("heading", name="Отчёты", exact=True).wait_for()
    scan_and_shoot(page, "console-reports-ru-360")
    assert page.errors == []
