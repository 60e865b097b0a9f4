"""`make run`'s product over real HTTP: the whole flow, then a hard kill and a restart."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
import requests

from tests.conftest import card_form

pytestmark = pytest.mark.e2e
TIMEOUT = 10


def _staff(stack, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[who]}"}


def _act(stack, who: str, number: str, action: str, payload: dict) -> dict:
    response = requests.post(
        f"{stack.url}/staff/cards/{number}/{action}",
        json=payload,
        headers=_staff(stack, who),
        timeout=TIMEOUT,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_the_flow_over_http_survives_a_hard_kill(local_stack):
    stack = local_stack.start()
    assert set(stack.tokens) >= {"op-olga", "ex-ivan", "mgr-sergey", "ctl-elena", "adm-dmitry"}

    submitted = requests.post(
        f"{stack.url}/requests",
        json=card_form(),
        headers={"Idempotency-Key": "e2e-1"},
        timeout=TIMEOUT,
    )
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    number, token = receipt["number"], receipt["access_token"]
    assert receipt["status_url"].startswith(f"{stack.url}/status.html?n={number}#t=")

    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    ticket = requests.post(
        f"{stack.url}/requests/{number}/attachments",
        json={"filename": "hole.png", "content_type": "image/png", "size": len(photo)},
        headers={"X-Access-Token": token},
        timeout=TIMEOUT,
    ).json()
    uploaded = requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("hole.png", photo, "image/png")},
        timeout=TIMEOUT,
    )
    assert uploaded.status_code < 300, uploaded.text
    confirmed = requests.put(
        f"{stack.url}{ticket['confirm_path']}",
        json={"filename": "hole.png"},
        headers={"X-Access-Token": token},
        timeout=TIMEOUT,
    )
    assert confirmed.status_code == 200, confirmed.text

    queue = requests.get(
        f"{stack.url}/staff/queue",
        params={"department": "roads"},
        headers=_staff(stack, "op-olga"),
        timeout=TIMEOUT,
    ).json()
    assert [c["number"] for c in queue["cards"]] == [number]
    # Routing gave the pothole to Ivan; the operator hands it to Maria's crew, saying why.
    card = _act(
        stack,
        "op-olga",
        number,
        "assign",
        {"executor_id": "ex-maria", "reason": "Maria's crew works on Lenina today", "version": 2},
    )
    card = _act(
        stack, "ex-maria", number, "transition", {"to": "in_progress", "version": card["version"]}
    )
    card = _act(
        stack,
        "ex-maria",
        number,
        "comments",
        {"text": "Brigade 4 has the asphalt", "version": card["version"]},
    )
    card = _act(
        stack,
        "ex-maria",
        number,
        "transition",
        {"to": "resolved", "resolution": "Patched with hot asphalt", "version": card["version"]},
    )

    stack.kill_hard()
    stack.start()

    status = requests.get(
        f"{stack.url}/requests/{number}", headers={"X-Access-Token": token}, timeout=TIMEOUT
    )
    assert status.status_code == 200
    view = status.json()
    assert view["status"] == "resolved"
    assert view["your_attachments"] == ["hole.png"]
    assert "Brigade 4" not in status.text
    assert "ex-ivan" not in status.text
    assert "ex-maria" not in status.text
    assert "Maria's crew" not in status.text

    card = _act(
        stack,
        "op-olga",
        number,
        "transition",
        {"to": "closed", "closure_reason": "Repair confirmed on site", "version": card["version"]},
    )
    full = requests.get(
        f"{stack.url}/staff/cards/{number}", headers=_staff(stack, "op-olga"), timeout=TIMEOUT
    ).json()
    assert [h["action"] for h in full["history"]] == [
        "created",
        "attachment_added",
        "assigned",
        "status_changed",
        "commented",
        "status_changed",
        "status_changed",
    ]
    assert full["attachments"][0]["sha256"] == hashlib.sha256(photo).hexdigest()

    replay = requests.post(
        f"{stack.url}/requests",
        json=card_form(),
        headers={"Idempotency-Key": "e2e-1"},
        timeout=TIMEOUT,
    )
    assert replay.json()["number"] == number
    second = requests.post(
        f"{stack.url}/requests", json=card_form(subject="Another hole"), timeout=TIMEOUT
    ).json()
    assert second["number"] == f"{number[:5]}{int(number[5:]) + 1:06d}"
    assert stack.stop() == 0


def test_the_status_link_opens_the_status_page(local_stack):
    stack = local_stack.start()
    receipt = requests.post(f"{stack.url}/requests", json=card_form(), timeout=TIMEOUT).json()
    page = requests.get(receipt["status_url"], timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html"
    assert 'id="steps"' in page.text
    for outside in ("/../pyproject.toml", "/..%2f..%2fpyproject.toml", "/missing.html"):
        response = requests.get(f"{stack.url}{outside}", timeout=TIMEOUT)
        assert response.status_code in (403, 404), outside
        assert "[project]" not in response.text


def _wait_for(folder, pattern: str, count: int, seconds: float = 20.0) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern))
        if len(found) >= count:
            return found
        time.sleep(0.2)
    return sorted(folder.glob(pattern))


def _mails(folder) -> list[str]:
    return [p.read_text("utf-8", errors="replace") for p in sorted(folder.glob("*.eml"))]


def _mail_where(folder, *words: str, seconds: float = 20.0) -> bool:
    """Whether a mail with all these words lands (staff notices may land before it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(all(w in m for w in words) for m in _mails(folder)):
            return True
        time.sleep(0.2)
    return False


def test_a_web_request_gets_its_receipt_in_the_local_outbox_by_mail_and_sms(local_stack):
    stack = local_stack.start()
    outbox = stack.data_dir / "outbox"
    by_mail = requests.post(f"{stack.url}/requests", json=card_form(), timeout=TIMEOUT).json()
    texted = card_form(
        requester={"full_name": "Пётр", "phone": "+7 916 555-44-33", "preferred_channel": "sms"}
    )
    by_sms = requests.post(f"{stack.url}/requests", json=texted, timeout=TIMEOUT).json()
    assert _mail_where(outbox, by_mail["number"], "anna@example.org")
    (sms,) = _wait_for(outbox, "*.sms.txt", 1)
    text = sms.read_text("utf-8")
    assert text.startswith("To: +7 916 555-44-33")
    assert by_sms["number"] in text


def test_failed_messages_are_listed_and_queued_again_from_the_command_line(local_stack):
    import subprocess
    import sys
    from pathlib import Path

    import boto3

    stack = local_stack.start()
    cli = str(Path(sys.executable).parent / "civicdesk")
    ses = boto3.client(
        "ses",
        endpoint_url=stack.aws_url,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    ses.delete_identity(Identity="town.example")  # SES now refuses our mail

    def civicdesk(*args: str) -> str:
        done = subprocess.run(
            [cli, "outbox", *args, "--endpoint", stack.aws_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    email_only = {"full_name": "Anna", "email": "anna@example.org", "preferred_channel": "email"}
    form = card_form(requester=email_only)
    number = requests.post(f"{stack.url}/requests", json=form, timeout=TIMEOUT).json()["number"]
    deadline = time.monotonic() + 20
    while number not in (listed := civicdesk("failed")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert f"{number}.0001.receipt\tfailed\temail: SES MessageRejected" in listed
    ses.verify_domain_identity(Domain="town.example")
    assert "1 message(s) queued again" in civicdesk("retry", "--card", number)
    assert _mail_where(stack.data_dir / "outbox", number)  # the requester's receipt
    assert civicdesk("failed") == ""


def test_a_call_played_from_the_command_line_makes_a_card_and_an_sms(local_stack):
    import subprocess
    import sys
    from pathlib import Path

    stack = local_stack.start()
    cli = str(Path(sys.executable).parent / "civicdesk")

    def civicdesk(*args: str) -> dict[str, str]:
        done = subprocess.run(
            [cli, "call", *args, "--endpoint", stack.aws_url, "--data-dir", str(stack.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)

    phone = "+79165554433"
    assert civicdesk("lookup_caller", "--from", phone) == {"result": "unknown"}
    made = civicdesk("create", "--from", phone, "--topic", "1", "--say", "Pothole at Lenina 5")
    assert made["result"] == "created"
    heard = civicdesk("status", made["number_digits"], "--from", phone)
    assert (heard["result"], heard["status"]) == ("ok", "received")
    (sms,) = _wait_for(stack.data_dir / "outbox", "*.sms.txt", 1)
    text = sms.read_text("utf-8")
    assert made["number"] in text
    link = text.split()[-1]
    page = requests.get(
        f"{stack.url}/requests/{made['number']}",
        headers={"X-Access-Token": link.split("#t=")[1]},
        timeout=TIMEOUT,
    )
    assert page.status_code == 200  # the text's link opens the stack's status page


def test_the_journal_keeps_state_changes_only_and_a_restart_replays_it_cleanly(local_stack):
    import base64
    import json

    from infrastructure.local.journal import is_mutating

    stack = local_stack.start()
    numbers = [
        requests.post(f"{stack.url}/requests", json=card_form(), timeout=TIMEOUT).json()["number"]
        for _ in range(5)
    ]
    # The stream is read every second, receipts go out by mail and SMS: none of it is state.
    _wait_for(stack.data_dir / "outbox", "*.eml", 5)
    assert stack.stop() == 0
    entries = [
        json.loads(line)
        for line in (stack.data_dir / "aws-journal.jsonl").read_text("utf-8").splitlines()
    ]
    assert entries  # the buckets, the mail identity, the schedule group
    for entry in entries:
        target = entry["headers"].get("X-Amz-Target")
        body = base64.b64decode(entry["body"])
        assert is_mutating(entry["method"], target, entry["headers"].get("Content-Type"), body)
        assert not (target or "").startswith("DynamoDB"), target

    stack.output.clear()
    stack.start()
    printed = "".join(stack.output)
    assert "Traceback" not in printed
    assert f"{len(numbers)} requests held" in printed
    staff = _staff(stack, "op-olga")
    for number in numbers:
        card = requests.get(f"{stack.url}/staff/cards/{number}", headers=staff, timeout=TIMEOUT)
        assert card.status_code == 200, number


def test_a_hard_kill_under_load_loses_no_acknowledged_request(local_stack):
    import threading

    # Four clients stand for a town's many: here they share one address, which the limits
    # per client address would stop after ten requests.
    local_stack.env["CIVICDESK_LIMITS"] = json.dumps(
        {"writes": [[600, 100_000]], "new_requests": [[3600, 100_000]], "receipts": [[600, 1000]]}
    )
    stack = local_stack.start()
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def client(n: int) -> None:
        with requests.Session() as session:
            for i in range(100):
                if enough.is_set():
                    return
                try:
                    answer = session.post(
                        f"{stack.url}/requests",
                        json=card_form(subject=f"Load {n}.{i}"),
                        timeout=TIMEOUT,
                    )
                except requests.ConnectionError:
                    return  # killed mid-request: not acknowledged
                if answer.status_code == 201:
                    with lock:
                        acknowledged.append(
                            (answer.json()["number"], answer.json()["access_token"])
                        )
                        if len(acknowledged) >= 60:
                            enough.set()

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for c in clients:
        c.start()
    enough.wait(timeout=120)
    stack.kill_hard()  # while the other clients are still sending
    for c in clients:
        c.join(timeout=30)
    stack.start()
    assert len(acknowledged) >= 60
    for number, token in acknowledged:
        seen = requests.get(
            f"{stack.url}/requests/{number}", headers={"X-Access-Token": token}, timeout=TIMEOUT
        )
        assert seen.status_code == 200, number
