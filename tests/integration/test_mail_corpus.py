"""Mail as it really arrives (``tests/data/mail/``), through the real SES handler under moto: each
message becomes a card a clerk can read, with the sender, subject and words its ``.json`` says.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from chalicelib.services.mail_delivery import Shelf
from functions import email_inbound
from infrastructure.local.mailroom import LambdaContext
from tests.integration.conftest import ses_event, store_raw_mail

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "mail"
CORPUS = sorted(CORPUS_DIR.glob("*.eml"))
STDLIB_CORPUS = sorted(
    (Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data").glob("msg_*.txt")
)
REPLACEMENT = "\ufffd"


def _deliver(ses_sample: dict[str, Any], aws: Any, settings: Any, name: str, raw: bytes) -> Any:
    store_raw_mail(aws, settings, name, raw)
    ((handled),) = email_inbound.handler(ses_event(ses_sample, name), LambdaContext())["handled"]
    return handled


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_kind_of_mail_becomes_a_card_a_clerk_can_read(
    path, ses_sample, mailroom, aws, settings
):
    container, _ = mailroom
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    handled = _deliver(ses_sample, aws, settings, path.stem, path.read_bytes())
    assert handled["outcome"] == "created", handled
    card = container.cards.get(handled["card"])
    assert card.requester.email == expected["sender"]
    assert card.subject == expected["subject"]
    for words in expected["text"]:
        assert words in card.description
    if "sender_name" in expected:
        assert card.requester.full_name == expected["sender_name"]
    for address in expected.get("participants", []):
        assert card.is_participant(address)
    stored = [a.filename for a in card.attachments]
    assert stored == expected.get("attachments", stored)
    assert REPLACEMENT not in f"{card.subject}{card.description}{card.requester.full_name}"
    assert container.raw_mail.shelved(Shelf.DEAD_LETTER.value) == []


def test_no_card_shows_a_replacement_character_where_the_bytes_could_be_read(
    ses_sample, mailroom, aws, settings
):
    """Across our corpus and the standard library's: wherever the raw mail held no character
    that cannot be decoded (no U+FFFD written in it), neither does the card."""
    container, telemetry = mailroom
    cards = 0
    for index, path in enumerate([*CORPUS, *STDLIB_CORPUS]):
        raw = path.read_bytes()
        handled = _deliver(ses_sample, aws, settings, f"mail-{index}", raw)
        if handled["outcome"] != "created" or REPLACEMENT.encode() in raw:
            continue
        card = container.cards.get(handled["card"])
        cards += 1
        text = f"{card.subject}\n{card.description}\n{card.requester.full_name or ''}"
        assert REPLACEMENT not in text, path.name
    assert cards >= len(CORPUS) + 25
    # Every step of the chain was needed somewhere, and counted for the town's dashboard.
    steps = telemetry.decoding_steps
    assert {"declared", "superset", "utf-8", "detected"} <= set(steps)
    assert steps["declared"] + steps["utf-8"] > steps["superset"] + steps["detected"]


def test_the_from_address_follows_up_on_a_card_made_for_its_reply_to(
    ses_sample, mailroom, aws, settings
):
    container, _ = mailroom
    raw = (CORPUS_DIR / "reply_to_differs_from_from.eml").read_bytes()
    first = _deliver(ses_sample, aws, settings, "first", raw)
    number = first["card"]
    follow_up = (
        b"From: Anna Ivanova <anna@work.example>\r\nTo: requests@town.example\r\n"
        b"Subject: Re: [#" + number.encode() + b"] Overflowing bins\r\n"
        b"Message-ID: <follow-up@work.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"They overflowed again this Sunday.\r\n"
    )
    again = _deliver(ses_sample, aws, settings, "follow-up", follow_up)
    assert again == {"outcome": "threaded", "card": number}
    _, history = container.cards.get_with_history(number)
    assert history[-1].public_message is not None
    assert "overflowed again" in history[-1].public_message.text
    (receipt,) = container.outbox.for_card(number)
    assert [d.address for d in receipt.destinations] == ["anna@example.org"]  # the Reply-To


def test_a_mail_missing_from_storage_is_shelved_with_its_reason_not_raised(
    ses_sample, mailroom, aws, settings
):
    container, _ = mailroom
    result = email_inbound.handler(ses_event(ses_sample, "ses-vanished"), LambdaContext())
    assert result["handled"] == [{"outcome": "dead_lettered", "card": None}]
    (dead,) = container.raw_mail.shelved(Shelf.DEAD_LETTER.value)
    assert dead.message_id == "ses-vanished"
    assert "not found" in dead.reason
    # Once it turns up (a delayed copy), reprocessing makes its card.
    store_raw_mail(aws, settings, "ses-vanished", (CORPUS_DIR / "plain_utf8.eml").read_bytes())
    outcomes = container.mail_intake.reprocess(Shelf.DEAD_LETTER)
    assert [(mid, r.outcome.value) for mid, r in outcomes] == [("ses-vanished", "created")]
