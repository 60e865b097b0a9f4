"""The automated shelf at service level: mail a program wrote is set aside with why, the front
desk sees who sent it and about what, and makes a card of what a person wrote after all."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.errors import NotFound, PermissionDenied
from chalicelib.services.mail_delivery import Shelf
from chalicelib.services.mail_intake import MailOutcome, MailVerdicts
from tests.factories import EXECUTOR, OPERATOR

AWAY = (
    b"From: Anna Ivanova <anna@example.org>\r\nTo: requests@town.example\r\n"
    b"Subject: Out of office: the pothole on Lenina 5 is back\r\n"
    b"Message-ID: <away-1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"The pothole by the bus stop is back, deeper than before.\r\n"
)


def test_a_set_aside_mail_is_listed_and_made_a_card_once(town):
    town.raw_mail.add("ses-away", AWAY)
    delivered = town.mail_intake.deliver("ses-away", MailVerdicts())
    assert delivered.outcome == MailOutcome.AUTOMATED
    (shelved,) = town.mail_intake.shelved(Shelf.AUTOMATED)
    assert shelved.reason == "automated mail (autoreply_subject)"
    with pytest.raises(PermissionDenied):
        town.mail_intake.automated(EXECUTOR)
    (listed,) = town.mail_intake.automated(OPERATOR)
    assert (listed.sender, listed.subject) == (
        "anna@example.org",
        "Out of office: the pothole on Lenina 5 is back",
    )
    made = town.mail_intake.card_for(OPERATOR, "ses-away")
    assert made.outcome == MailOutcome.CREATED
    card = town.cards.get(made.card_number)
    assert card.requester.email == "anna@example.org"
    assert town.mail_intake.shelved(Shelf.AUTOMATED) == []
    # A person wrote it: answered like any mail (its headers did not forbid an answer).
    assert [m.kind for m in town.outbox.for_card(card.number)] == ["receipt"]
    with pytest.raises(NotFound):  # a second click makes no second card
        town.mail_intake.card_for(OPERATOR, "ses-away")


def test_a_card_that_cannot_be_made_leaves_the_mail_on_the_shelf(town):
    nameless = AWAY.replace(b"From: Anna Ivanova <anna@example.org>\r\n", b"From: \r\n")
    town.raw_mail.add("ses-nameless", nameless.replace(b"away-1", b"away-2"))
    assert town.mail_intake.deliver("ses-nameless", MailVerdicts()).outcome == (
        MailOutcome.REJECTED  # no sender at all: rejected on arrival, not set aside
    )
    town.raw_mail.add("ses-away", AWAY)
    town.mail_intake.deliver("ses-away", MailVerdicts())

    def broken(raw: bytes):
        raise ValueError("unreadable")

    failing = replace(town.mail_intake, parse=broken)
    with pytest.raises(ValueError, match="unreadable"):
        failing.card_for(OPERATOR, "ses-away")
    (still,) = town.mail_intake.shelved(Shelf.AUTOMATED)
    assert still.message_id == "ses-away"
    assert still.reason == "automated mail (autoreply_subject)"
