"""Mail into the local stack over real SMTP: a card, a reply in the outbox, threading."""

from __future__ import annotations

import smtplib
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import requests

pytestmark = pytest.mark.e2e


def _send(stack, subject: str, body: str, *, message_id: str, in_reply_to: str | None = None):
    mail = EmailMessage()
    mail["From"] = "Анна Иванова <anna@example.org>"
    mail["To"] = "requests@town.example"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    mail.set_content(body)
    mail.add_attachment(
        b"\xff\xd8\xff photo bytes", maintype="image", subtype="jpeg", filename="яма.jpg"
    )
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(mail)


def _outbox(stack, expect: int = 1) -> list:
    """Mail the local stack sent to the requester (its timers may also mail staff, e.g. the
    Monday-morning review), waiting for ``expect`` of them: replies leave through the outbox,
    which the local stack sends every second."""
    folder = stack.data_dir / "outbox"
    deadline = time.monotonic() + 15
    while True:
        sent = [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))
        ]
        mine = [m for m in sent if "anna@example.org" in str(m["To"])]
        if len(mine) >= expect or time.monotonic() > deadline:
            return mine
        time.sleep(0.2)


def test_mail_becomes_a_card_with_a_reply_and_a_follow_up_threads(local_stack):
    stack = local_stack.start()
    _send(
        stack,
        "Не горит фонарь",
        "Здравствуйте! Во дворе дома 5 не горит фонарь.",
        message_id="<first@example.org>",
    )
    (reply,) = _outbox(stack)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<first@example.org>"
    text = reply.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Здравствуйте!")  # no name: the sender's name may be forged
    number = reply["Subject"].split("]")[0].strip("[#")

    staff = {"Authorization": f"Bearer {stack.tokens['op-olga']}"}
    card = requests.get(f"{stack.url}/staff/cards/{number}", headers=staff, timeout=10).json()
    assert card["channel"] == "email"
    assert card["requester"]["email"] == "anna@example.org"
    assert [a["filename"] for a in card["attachments"]] == ["яма.jpg"]

    stack.kill_hard()
    stack.start()
    _send(
        stack,
        f"Re: {reply['Subject']}",
        "Фонарь у второго подъезда.\n\n> цитата",
        message_id="<second@example.org>",
        in_reply_to=reply["Message-ID"],
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        card = requests.get(f"{stack.url}/staff/cards/{number}", headers=staff, timeout=10).json()
        if card["history"][-1]["action"] == "attachment_added" and len(card["attachments"]) == 2:
            break
        time.sleep(0.2)
    messages = [
        h["public_message"]["text"] for h in card["history"] if h["action"] == "requester_message"
    ]
    assert messages == ["Фонарь у второго подъезда."]
    listed = requests.get(f"{stack.url}/staff/cards/{number}/messages", headers=staff, timeout=10)
    assert [m["kind"] for m in listed.json()["messages"]] == ["receipt"]  # not acknowledged again
    assert len(_outbox(stack)) == 1
