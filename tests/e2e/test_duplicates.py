"""One pothole, three reports, in real Chromium on the local stack: Anna reports it on the form;
Vera finds it on the form ("Already reported?") and follows it instead; Boris mails it in from
30 m away; staff see the suggestion on his card and merge it; all three hear the news; the
manager splits it back. axe-scanned at 360 and 1280 px, in English and Russian."""

from __future__ import annotations

import re
import smtplib
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from tests.e2e.test_console import open_card, scan_and_shoot, sign_in
from tests.e2e.test_portal import DESKTOP
from tests.e2e.test_portal_map import open_form, tap_map_at
from tests.e2e.test_portal_words import fill_a_valid_form
from tests.e2e.test_status_page import PHONE, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e
TIMEOUT = 30
PLACE = (55.7755, 37.625)  # Lenina 60, half-way along the street
NEAR = (55.7757, 37.625)  # 22 m north


def _mail(stack: Any, sender: str, to: str) -> list[Any]:
    """What the local stack sent ``to`` (the outbox is sent every second)."""
    sent = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((stack.data_dir / "outbox").glob("*.eml"))
    ]
    return [m for m in sent if to in str(m["To"])]


def _wait_for_mail(stack: Any, to: str, subject: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = [m for m in _mail(stack, "", to) if subject in str(m["Subject"])]
        if found:
            return found[-1]
        time.sleep(0.3)
    raise AssertionError(
        f"no mail to {to} about {subject!r}: {[str(m['Subject']) for m in _mail(stack, '', to)]}"
    )


def _text(mail: Any) -> str:
    return str(mail.get_body(preferencelist=("plain",)).get_content())


def _staff(stack: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[who]}"}


def _card(stack: Any, number: str) -> dict[str, Any]:
    answer = requests.get(
        f"{stack.url}/staff/cards/{number}", headers=_staff(stack, "op-olga"), timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _staff_post(stack: Any, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(
        f"{stack.url}{path}", json=body, headers=_staff(stack, who), timeout=TIMEOUT
    )
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _anna_reports(browser: Any, stack: Any) -> str:  # noqa: F811
    page = open_form(browser, stack, PHONE)
    fill_a_valid_form(page, subject="Deep pothole", description="A deep pothole by the bus stop.")
    tap_map_at(page, *PLACE)
    page.get_by_text("District: District 3").wait_for()
    page.get_by_role("button", name="Send request").click()
    page.locator("#done").wait_for()
    number = page.locator("#number").inner_text().strip()
    page.context.close()
    return number


def _vera_follows(browser: Any, stack: Any, number: str) -> None:  # noqa: F811
    page = open_form(browser, stack, PHONE)
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("heading", name="Сообщить о проблеме в администрацию").wait_for()
    page.get_by_label("Тема").select_option(label="Дороги")
    page.get_by_label("Что именно").select_option(label="Ямы на дороге")
    tap_map_at(page, *NEAR)
    similar = page.locator("#similar")
    similar.get_by_text("№ " + number).wait_for()
    listed = similar.inner_text()
    assert "Ямы на дороге" in listed
    assert re.search(r"в \d\d м", listed)  # about 22 m: the pin lands where the tap was
    assert "Anna" not in listed
    assert "Deep pothole" not in listed
    scan_and_shoot(page, "similar-ru-360")
    similar.get_by_role("button", name="И у меня: следить").click()
    follow = page.get_by_role("group", name=f"Следить за обращением № {number}")
    # Nothing given yet: each problem next to its field, in Russian.
    follow.get_by_role("button", name="Следить за обращением").click()
    assert "Укажите электронную почту" in page.locator("#follow-email-error").inner_text()
    assert page.locator("#follow-consent-error").inner_text()
    follow.get_by_label("Ваша почта для новостей").fill("vera@example.org")
    follow.get_by_label("Да, администрация может").check()
    follow.get_by_role("button", name="Следить за обращением").click()
    similar.get_by_text(f"Вы следите за обращением № {number}").wait_for()
    scan_and_shoot(page, "similar-followed-ru-360")
    page.context.close()


def _boris_mails(stack: Any) -> str:
    mail = EmailMessage()
    mail["From"] = "Boris <boris@example.org>"
    mail["To"] = "requests@town.example"
    mail["Subject"] = "Pothole at Lenina 62"
    mail["Message-ID"] = "<pothole-boris@example.org>"
    mail.set_content("Hello, there is a deep pothole in front of Lenina 62. Boris")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=TIMEOUT) as smtp:
        smtp.send_message(mail)
    receipt = _wait_for_mail(stack, "boris@example.org", "Pothole")
    return str(re.search(r"\d{4}-\d{6}", str(receipt["Subject"])).group(0))  # type: ignore[union-attr]


def test_a_pothole_reported_three_times_is_followed_merged_and_split(local_stack, browser):  # noqa: F811
    stack = local_stack.start()
    pothole = _anna_reports(browser, stack)
    _vera_follows(browser, stack, pothole)
    welcome = _wait_for_mail(stack, "vera@example.org", pothole)
    assert "unfollow.html" in _text(welcome)

    # The form at 1280 px in English finds the same report (and the follower count).
    page = open_form(browser, stack, DESKTOP)
    fill_a_valid_form(page)
    tap_map_at(page, *NEAR)
    page.locator("#similar").get_by_text("1 people follow it").wait_for()
    scan_and_shoot(page, "similar-en-1280")
    page.context.close()

    # Boris mails it in; the front desk puts the topic and the address right and routes it.
    mailed = _boris_mails(stack)
    card = _card(stack, mailed)
    _staff_post(
        stack,
        "op-olga",
        f"/staff/cards/{mailed}/corrections",
        {
            "category": "roads.potholes",
            "location": {"address": "Lenina 62"},
            "reason": "The mail is about a pothole at Lenina 62",
            "version": card["version"],
        },
    )
    card = _card(stack, mailed)
    _staff_post(
        stack,
        "op-olga",
        f"/staff/cards/{mailed}/assign",
        {"department": "roads", "reason": "A pothole: roads", "version": card["version"]},
    )

    # Staff see the suggestion on his card, with its reason, and merge it.
    console = sign_in(browser, stack.url, "op-olga", DESKTOP)
    open_card(console, mailed)
    panel = console.get_by_role("region", name="Duplicates")
    panel.get_by_role("link", name=pothole).wait_for()
    assert re.search(r"same topic, \d+ m away, the same day", panel.inner_text())
    scan_and_shoot(console, "card-duplicates-1280")
    panel.get_by_role("button", name=f"Merge this card into {pothole}").click()
    panel.get_by_text("Merged as a duplicate into").wait_for()
    assert "duplicate of " + pothole in _card(stack, mailed)["closure_reason"]
    merged_notice = _wait_for_mail(stack, "boris@example.org", "joined")
    assert f"/r/{pothole}" in _text(merged_notice)
    # His own status link says where the work goes on.
    own = re.search(r"https?://\S+/status\.html\?n=\S+", _text(merged_notice))
    assert own
    status = browser.new_context(viewport=PHONE).new_page()
    status.goto(own.group(0))
    status.locator("#merged").get_by_role("link", name=f"№ {pothole}").wait_for()
    assert status.locator("#survey").is_hidden()  # nothing to rate on a joined report
    scan_and_shoot(status, "status-merged-360")
    status.context.close()
    open_card(console, pothole)
    console.get_by_role("region", name="Duplicates").get_by_text(
        "2 more people follow it."
    ).wait_for()
    console.context.close()

    # The crew takes the pothole up: Anna, Vera and Boris each hear it.
    main = _card(stack, pothole)
    if main["executor_id"] != "ex-ivan":  # the town's rules may have given it to him already
        main = _staff_post(
            stack,
            "mgr-sergey",
            f"/staff/cards/{pothole}/assign",
            {"executor_id": "ex-ivan", "reason": "His crew", "version": main["version"]},
        )
    _staff_post(
        stack,
        "ex-ivan",
        f"/staff/cards/{pothole}/transition",
        {"to": "in_progress", "version": main["version"]},
    )
    told_anna = _wait_for_mail(stack, "anna@example.org", "in progress")
    assert "status.html" in _text(told_anna)  # the requester's own private link
    for follower in ("vera@example.org", "boris@example.org"):
        update = _wait_for_mail(
            stack, follower, "в работе" if follower.startswith("vera") else "in progress"
        )
        words = _text(update)
        assert "status.html" not in words
        assert "Anna" not in words
        assert "Deep pothole" not in words
        assert "unfollow.html" in words

    # The manager splits Boris's report back off, in Russian, at 360 px.
    manager = sign_in(browser, stack.url, "mgr-sergey", PHONE)
    manager.get_by_role("button", name="Русский").click()
    manager.get_by_role("heading", name="Очередь").wait_for()
    manager.goto(manager.url.split("#")[0] + f"#/card/{mailed}")
    manager.reload()
    manager.get_by_role("heading", name=f"Карточка {mailed}").wait_for()
    panel = manager.get_by_role("region", name="Дубликаты")
    panel.get_by_label("Почему это другая проблема").fill(
        "Another pothole, further along the street"
    )
    scan_and_shoot(manager, "card-split-ru-360")
    panel.get_by_role("button", name="Отделить снова").click()
    manager.get_by_text("Отделено: карточка вернулась в прежнее состояние").wait_for()
    back = _card(stack, mailed)
    assert (back["status"], back["duplicate_of"]) == ("received", None)
    assert _card(stack, pothole)["merged"] == []
    _wait_for_mail(stack, "boris@example.org", "on its own")
    assert manager.errors == []
    manager.context.close()
