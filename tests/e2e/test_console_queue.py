"""The queue as a table a clerk works through, in a real browser on the local stack: a sorted
and filtered view restored from its URL, counts per status, a bulk assignment with one card
refused, the keys of the day's work; axe-scanned at 360 and 1280 px, in English and Russian."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import card_form
from tests.e2e.test_console import scan_and_shoot, sign_in
from tests.e2e.test_portal import DESKTOP
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture
from tests.e2e.waiting import wait_until

pytestmark = pytest.mark.e2e
TIMEOUT = 30


def _staff(stack: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[who]}"}


def _submit(stack: Any, subject: str, category: str = "roads.potholes", **fields: Any) -> str:
    slug = "".join(ch for ch in subject.lower() if ch.isalnum())
    form = card_form(
        subject=subject,
        category=category,
        requester={"full_name": "Anna Ivanova", "email": f"{slug}@example.org"},
        **fields,
    )
    answer = requests.post(f"{stack.url}/requests", json=form, timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


def _assign(stack: Any, number: str, executor: str) -> None:
    card = requests.get(
        f"{stack.url}/staff/cards/{number}", headers=_staff(stack, "mgr-sergey"), timeout=TIMEOUT
    ).json()
    if card["executor_id"] == executor:
        return  # routing gave it to them already
    answer = requests.post(
        f"{stack.url}/staff/cards/{number}/assign",
        json={"executor_id": executor, "reason": "Her crew is nearby", "version": card["version"]},
        headers=_staff(stack, "mgr-sergey"),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text


def _comment(stack: Any, number: str, text: str) -> None:
    card = requests.get(
        f"{stack.url}/staff/cards/{number}", headers=_staff(stack, "op-olga"), timeout=TIMEOUT
    ).json()
    answer = requests.post(
        f"{stack.url}/staff/cards/{number}/comments",
        json={"text": text, "version": card["version"]},
        headers=_staff(stack, "op-olga"),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201, answer.text


def _rows(page: Any) -> list[str]:
    return page.locator("#queue-rows tr .number").all_inner_texts()


def test_a_sorted_filtered_queue_comes_back_from_its_url_and_a_bulk_assign_answers_per_card(
    module_stack,
    browser,  # noqa: F811
):
    stack = module_stack
    holes = [_submit(stack, f"Pothole {letter}") for letter in "ABCD"]
    sign = _submit(stack, "Bent sign", category="roads.signs")
    _assign(stack, holes[0], "ex-maria")
    for number in holes[1:]:
        _assign(stack, number, "ex-ivan")

    view = "#/queue?department=roads&topic=roads.potholes&sort=subject&order=desc"
    manager = sign_in(browser, stack.url, "mgr-sergey", DESKTOP)
    manager.goto(stack.url + "/console.html" + view)
    manager.reload()
    manager.locator("#queue-rows tr", has_text=holes[3]).wait_for()
    # The URL's view: potholes only, subject Z→A, the filter shown in the form.
    assert _rows(manager) == list(reversed(holes))
    assert sign not in _rows(manager)
    assert manager.locator("#queue-topic").input_value() == "roads.potholes"
    subject = manager.locator("th[data-sort=subject]")
    assert subject.get_attribute("aria-sort") == "descending"
    assert "1–4 of 4" in manager.locator("#queue-summary").inner_text()
    # Names, not ids: the owner, the topic and the district in words.
    first = manager.locator("#queue-rows tr", has_text=holes[0])
    assert "Maria Volkova" in first.inner_text()
    assert "District 3" in first.inner_text()
    assert "Potholes" in first.inner_text()
    assert "ex-maria" not in manager.locator("#queue-table").inner_text()
    # Counts per status, and one status chosen by its count.
    manager.get_by_role("button", name="All open (4)").wait_for()
    scan_and_shoot(manager, "console-queue-table-1280")

    # A column's header sorts; the URL follows, so Back and a shared link give the same view.
    manager.locator("th[data-sort=owner] button").click()
    wait_until(manager, "location.hash.includes('sort=owner')")
    wait_until(
        manager,
        "document.querySelector('th[data-sort=owner]').getAttribute('aria-sort') === 'ascending'",
    )
    shared = manager.url
    other = sign_in(browser, stack.url, "mgr-sergey", PHONE)
    other.goto(shared)
    other.reload()
    other.locator("#queue-rows tr", has_text=holes[1]).wait_for()
    owners = other.locator("#queue-rows td[data-label=Owner]").all_inner_texts()
    assert owners == sorted(owners)
    assert len(owners) == 4
    scan_and_shoot(other, "console-queue-table-360")
    # On a phone the header row is hidden: the order is chosen from the form, kept in the URL.
    assert other.get_by_label("Order by").input_value() == "owner"
    other.get_by_label("Direction").select_option("desc")
    wait_until(other, "location.hash.includes('order=desc')")
    first_owner = "document.querySelector('#queue-rows td[data-label=Owner]').textContent"
    wait_until(other, f"{first_owner}.startsWith('Maria')")

    # Bulk: three cards to Maria's crew; one of them changed since the manager looked.
    for number in holes[1:4]:
        manager.locator("#queue-rows tr", has_text=number).get_by_role("checkbox").check()
    _comment(stack, holes[3], "The crew photographed it")  # meanwhile, from elsewhere
    bulk = manager.get_by_role("form", name="Change the chosen cards")
    assert "3 chosen" in bulk.inner_text()
    bulk.get_by_label("Who takes them").select_option("ex-maria")
    bulk.get_by_label("Reason").fill("Maria's crew works on Lenina this week")
    bulk.get_by_role("button", name="Apply").click()
    manager.get_by_text("2 changed, 1 not changed.").wait_for()
    results = manager.locator("#bulk-results")
    refused = results.locator("li.refused")
    assert refused.count() == 1
    assert holes[3] in refused.inner_text()
    assert "changed elsewhere" in refused.inner_text()
    scan_and_shoot(manager, "console-queue-bulk-1280")

    # The refused card stays chosen, at the version now on screen, to be tried again.
    assert "1 chosen" in manager.locator("#bulk-chosen").inner_text()

    # Keys: j to the first card (Ivan's, the refused one), x lets it go, ? lists the keys.
    manager.locator("#queue-title").focus()
    manager.keyboard.press("j")
    assert manager.evaluate("document.activeElement.textContent") == holes[3]
    manager.keyboard.press("x")
    assert "0 chosen" in manager.locator("#bulk-chosen").inner_text()
    manager.keyboard.press("?")
    manager.get_by_role("dialog", name="Keys").wait_for()
    manager.get_by_role("button", name="Close").click()

    # Russian: the table, its counts and its names redrawn in place; nothing overflows a phone.
    other.get_by_role("button", name="Русский").click()
    other.get_by_role("button", name="Все открытые (4)").wait_for()
    other.locator("#queue-rows", has_text="Ямы").first.wait_for()
    assert "Район 3" in other.locator("#queue-rows").inner_text()
    scan_and_shoot(other, "console-queue-table-ru-360")
    assert manager.errors == []
    assert other.errors == []


# Words of the console's own English that must not be left on a Russian screen (people's own
# words — names, what a resident wrote — are theirs and are not checked).
ENGLISH = (
    "Status",
    "Priority",
    "Department",
    "Owner",
    "Routing",
    "fewest open",
    "open cards",
    "Received",
    "received",
    "Assign",
    "Comment",
    "Deadline",
    "History",
    "Requester",
    "web form",
    "District",
    "Roads",
    "Potholes",
    "queue",
    "Reason",
    "Executor",
    "registered",
    "Show",
    "due",
    "not assigned",
    "Public",
    "Internal",
    "waits for approval",
    "refusal",
)


def test_the_russian_card_has_no_english_left_on_screen(module_stack, browser):  # noqa: F811
    stack = module_stack
    form = card_form(
        subject="Яма у остановки",
        description="Глубокая яма на проезжей части у остановки «Школа».",
        requester={"full_name": "Анна Иванова", "email": "anna.ru@example.org"},
        location={"address": "ул. Ленина, д. 5"},
    )
    number = requests.post(f"{stack.url}/requests", json=form, timeout=TIMEOUT).json()["number"]
    # The owner drafts a refusal: it waits for the manager, and the system notes why.
    card = requests.get(
        f"{stack.url}/staff/cards/{number}", headers=_staff(stack, "mgr-sergey"), timeout=TIMEOUT
    ).json()
    drafted = requests.post(
        f"{stack.url}/staff/cards/{number}/replies",
        json={"kind": "refusal", "text": "Эта дорога не городская.", "version": card["version"]},
        headers=_staff(stack, card["executor_id"]),
        timeout=TIMEOUT,
    )
    assert drafted.status_code == 201, drafted.text
    page = sign_in(browser, stack.url, "mgr-sergey", DESKTOP)
    page.get_by_role("button", name="Русский").click()
    # The language is kept once its words are in (fetched on the switch): only then move on.
    page.get_by_role("heading", name="Очередь").wait_for()
    page.goto(stack.url + f"/console.html#/card/{number}")
    page.reload()
    page.get_by_role("heading", name=f"Карточка {number}").wait_for()
    page.locator("#card-facts", has_text="Район 3").wait_for()
    page.locator("#card-facts", has_text="Маршрутизация").wait_for()
    shown = page.evaluate("document.getElementById('card').innerText")
    left = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", shown)]
    assert left == [], shown
    assert "Дороги › Ямы на дороге" in shown
    assert "Отказ ждёт утверждения: отказ" in shown
    assert "меньше всего открытых карточек" in shown or "очередь подразделения" in shown
    scan_and_shoot(page, "console-card-ru-1280")
    page.set_viewport_size(PHONE)
    scan_and_shoot(page, "console-card-ru-360")
    assert page.errors == []


def _mail_card(stack: Any) -> str:
    """A resident's mail through the local SMTP listener; the card's number from its receipt."""
    from tests.e2e.test_local_mail import _outbox, _send

    _send(
        stack,
        "Яма во дворе",
        "Здравствуйте! У дома 60 по улице Ленина глубокая яма.",
        message_id="<pothole-correction@example.org>",
    )
    (receipt,) = _outbox(stack)
    return str(receipt["Subject"].split("]")[0].strip("[#"))


def test_a_mail_cards_topic_is_corrected_its_deadlines_follow_and_routing_is_offered(
    module_stack,
    browser,  # noqa: F811
):
    stack = module_stack
    number = _mail_card(stack)
    page = sign_in(browser, stack.url, "op-olga", DESKTOP)
    page.goto(stack.url + f"/console.html#/card/{number}")
    page.reload()
    page.get_by_role("heading", name=f"Card {number}").wait_for()
    facts = page.locator("#card-facts")
    assert "email" in facts.inner_text()
    assert "General question" in facts.inner_text() or "question" in facts.inner_text().lower()
    decision_before = page.locator("#card-timers li", has_text="Decision").inner_text()

    form = page.get_by_role("form", name="Correct what intake recorded")
    # Nothing said about why: refused next to the field, nothing typed lost.
    form.get_by_label("Right topic").select_option("roads.potholes")
    form.get_by_role("button", name="Correct").click()
    page.locator("#correct-reason-error").filter(has_text="Please").wait_for()
    assert form.get_by_label("Right topic").input_value() == "roads.potholes"
    form.get_by_label("Right address").fill("ул. Ленина, д. 60")
    form.get_by_label("What was wrong").fill("The mail is about a pothole on Lenina")
    form.get_by_role("button", name="Correct").click()
    page.get_by_text("Corrected; the deadlines follow").wait_for()
    assert "Roads › Potholes" in facts.inner_text()
    assert "District 3" in facts.inner_text()
    decision_after = page.locator("#card-timers li", has_text="Decision").inner_text()
    assert decision_after != decision_before  # three working days for a pothole, not fifteen
    history = page.locator("#history-internal").inner_text()
    assert "corrected" in history
    assert "The mail is about a pothole on Lenina" in history

    # The rules now send it to the roads: offered, and applied with one press.
    offer = page.locator("#correct-offer")
    offer.wait_for()
    assert "Road Service" in offer.inner_text()
    scan_and_shoot(page, "console-card-corrected-1280")
    offer.get_by_role("button", name="Route it there").click()
    page.get_by_text("Assigned.").wait_for()
    assert "Road Service" in facts.inner_text()
    page.set_viewport_size(PHONE)
    scan_and_shoot(page, "console-card-corrected-360")
    assert page.errors == []


def test_the_card_shows_its_place_on_a_map_with_the_requests_around_it(
    module_stack,
    browser,  # noqa: F811
):
    stack = module_stack
    here = {"address": "Lenina 5", "latitude": 55.7755, "longitude": 37.625}
    near = {"address": "Lenina 7", "latitude": 55.7757, "longitude": 37.6254}
    first = _submit(stack, "Map hole one", location=here)
    second = _submit(stack, "Map hole two", location=near)
    page = sign_in(browser, stack.url, "ex-ivan", DESKTOP)
    page.goto(stack.url + f"/console.html#/card/{first}")
    page.reload()
    place = page.get_by_role("region", name="Place and requests nearby").first
    page.locator("#card-nearby li", has_text=second).wait_for()
    assert "m away" in page.locator("#card-nearby").inner_text()
    # The map draws the town's own geodata (no tile service here) and both pins.
    wait_until(page, "document.querySelectorAll('#card-map path.leaflet-interactive').length >= 2")
    assert place.is_visible()
    scan_and_shoot(page, "console-card-map-1280")
    page.set_viewport_size(PHONE)
    scan_and_shoot(page, "console-card-map-360")
    page.locator("#card-nearby a", has_text=second).click()
    page.get_by_role("heading", name=f"Card {second}").wait_for()
    page.locator("#card-nearby li", has_text=first).wait_for()
    assert page.errors == []


def test_an_executor_adds_a_photo_of_the_work_and_sees_its_preview(
    module_stack,
    browser,  # noqa: F811
    tmp_path,
):
    from tests.e2e.photos import camera_photo

    stack = module_stack
    number = _submit(stack, "Hole for the crew")
    _assign(stack, number, "ex-ivan")
    page = sign_in(browser, stack.url, "ex-ivan", PHONE)
    page.goto(stack.url + f"/console.html#/card/{number}")
    page.reload()
    page.get_by_role("heading", name=f"Card {number}").wait_for()
    form = page.get_by_role("form", name="Add a file")
    form.get_by_role("button", name="Add the file").click()  # nothing chosen: said by the field
    page.locator("#attach-file-error").filter(has_text="Choose a photo or a file first").wait_for()
    photo = camera_photo(tmp_path / "patched.jpg")
    form.get_by_label("A photo of the work").set_input_files(str(photo))
    form.get_by_role("button", name="Add the file").click()
    page.get_by_text("File added.").wait_for(timeout=60000)
    files = page.get_by_role("region", name="Files")
    files.get_by_role("img", name="patched.jpg").wait_for()
    wait_until(page, "document.querySelector('#card-file-list img').naturalWidth > 0")
    text = files.inner_text()
    assert "image/jpeg" in text
    assert "from staff" in text
    assert " MB" not in text  # made smaller in the browser before it was sent
    scan_and_shoot(page, "console-card-file-360")
    page.set_viewport_size(DESKTOP)
    scan_and_shoot(page, "console-card-file-1280")
    assert page.errors == []
