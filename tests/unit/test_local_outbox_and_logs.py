"""The local stack's outbox folder and its log lines, as a person reading them would expect."""

from __future__ import annotations

import json
import logging
import threading

from chalicelib.ports import OutgoingMail
from infrastructure.local.logs import keys_per_thread
from infrastructure.local.mailroom import OutboxMailer, OutboxSms


class _Accepting:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, *message: object) -> str:
        self.sent += 1
        return "2026-000042.0001"  # the same id prefix for every message of one card


def _mail(message_id: str, body: str) -> OutgoingMail:
    raw = f"Message-ID: {message_id}\r\nSubject: x\r\n\r\n{body}\r\n".encode()
    return OutgoingMail(message_id=message_id, recipient="a@example.org", raw=raw)


def test_mails_and_texts_of_one_card_sent_in_the_same_second_each_keep_their_file(tmp_path):
    outbox = OutboxMailer(_Accepting(), tmp_path)  # type: ignore[arg-type]
    for n in range(4):
        outbox.send(_mail(f"<2026-000042.000{n}.receipt@town.example>", f"mail {n}"))
    outbox.send(_mail("<2026-000042.0001.receipt@town.example>", "the same id again"))
    texts = OutboxSms(_Accepting(), tmp_path)  # type: ignore[arg-type]
    texts.send("+79160000000", "first")
    texts.send("+79160000000", "second")
    mails = sorted(p.read_bytes().decode() for p in tmp_path.glob("*.eml"))
    assert len(mails) == 5
    assert {m.split("\r\n\r\n")[1].strip() for m in mails} == {
        "mail 0",
        "mail 1",
        "mail 2",
        "mail 3",
        "the same id again",
    }
    sms = sorted(p.read_text("utf-8") for p in tmp_path.glob("*.sms.txt"))
    assert [s.splitlines()[-1] for s in sms] == ["first", "second"]


def test_a_function_s_keys_stay_on_its_thread():
    from aws_lambda_powertools import Logger

    logger = Logger(service="civicdesk-test-logs")
    keys_per_thread(logger)
    formatter = logger.registered_formatter

    def line() -> dict:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        return json.loads(formatter.format(record))

    seen: dict[str, dict] = {}

    def function_thread() -> None:
        logger.append_keys(function_name="civicdesk-outbox-dispatch-local")
        seen["function"] = line()

    worker = threading.Thread(target=function_thread)
    worker.start()
    worker.join()
    seen["api"] = line()
    assert seen["function"]["function_name"] == "civicdesk-outbox-dispatch-local"
    assert "function_name" not in seen["api"]
    assert seen["api"]["service"] == "civicdesk-test-logs"
