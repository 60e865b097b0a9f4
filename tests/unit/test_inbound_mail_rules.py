"""When CivicDesk may answer a mail automatically, where to, and what a follow-up adds."""

from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain.inbound_mail import (
    InboundMail,
    NoReplyReason,
    clean_subject,
    detect_language,
    is_bounce,
    reply_address,
    strip_quoted_history,
    why_no_auto_reply,
)

OURS = frozenset({"requests@town.example", "noreply@town.example"})
MAIL = InboundMail(
    message_id="<m1@example.org>",
    sender="anna@example.org",
    sender_name="Anna",
    subject="Pothole",
    text="There is a pothole.",
)


def _with(**changes) -> InboundMail:
    return dataclasses.replace(MAIL, **changes)


def test_an_ordinary_mail_gets_a_reply():
    assert why_no_auto_reply(MAIL, OURS) is None
    assert why_no_auto_reply(_with(auto_submitted="no"), OURS) is None
    assert why_no_auto_reply(_with(precedence="first-class"), OURS) is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"auto_submitted": "auto-replied"}, NoReplyReason.AUTO_SUBMITTED),
        ({"auto_submitted": "auto-generated; owner-email=x@y"}, NoReplyReason.AUTO_SUBMITTED),
        ({"precedence": "Bulk"}, NoReplyReason.BULK_PRECEDENCE),
        ({"precedence": "junk"}, NoReplyReason.BULK_PRECEDENCE),
        ({"precedence": "list"}, NoReplyReason.BULK_PRECEDENCE),
        ({"list_id": "<residents.town.example>"}, NoReplyReason.MAILING_LIST),
        ({"return_path": "<>"}, NoReplyReason.EMPTY_RETURN_PATH),
        ({"sender": "no-reply@shop.example"}, NoReplyReason.ROBOT_SENDER),
        ({"sender": "noreply@shop.example"}, NoReplyReason.ROBOT_SENDER),
        ({"sender": "postmaster@example.org"}, NoReplyReason.DELIVERY_REPORT),
        ({"sender": "mailer-daemon@example.org"}, NoReplyReason.DELIVERY_REPORT),
        ({"sender": "requests@town.example"}, NoReplyReason.OWN_ADDRESS),
        ({"sender": None}, NoReplyReason.NO_SENDER),
        ({"is_delivery_report": True}, NoReplyReason.DELIVERY_REPORT),
        ({"failed_recipients": ("gone@example.org",)}, NoReplyReason.DELIVERY_REPORT),
    ],
)
def test_loops_and_robots_get_no_auto_reply(changes, reason):
    assert why_no_auto_reply(_with(**changes), OURS) == reason


def test_bounces_are_told_apart_from_ordinary_robots():
    assert is_bounce(_with(sender="MAILER-DAEMON@mx.example.org"))
    assert is_bounce(_with(is_delivery_report=True))
    assert not is_bounce(_with(sender="no-reply@shop.example"))
    assert not is_bounce(MAIL)


def test_reply_to_is_honoured_unless_it_is_ours():
    assert reply_address(_with(reply_to=("home@example.org",)), OURS) == "home@example.org"
    assert reply_address(_with(reply_to=("requests@town.example",)), OURS) == "anna@example.org"
    assert reply_address(MAIL, OURS) == "anna@example.org"


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: Pothole", "Pothole"),
        ("RE: Fwd: AW: WG: Pothole", "Pothole"),
        ("Ответ: Отв: Яма", "Яма"),
        ("Re[2]: Re(3): Pothole [#2026-000042]", "Pothole"),
        ("[#2026-000042] Re: Pothole", "Pothole"),
        ("Reply needed: broken bench", "Reply needed: broken bench"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_subjects_lose_prefixes_and_our_tag(subject, clean):
    assert clean_subject(subject) == clean


def test_language_is_detected_from_the_letters():
    assert detect_language("Здравствуйте, не горит фонарь") == "ru"
    assert detect_language("Hello, the streetlight is out") == "en"
    assert detect_language("12345 !!!") == "en"


def test_quoted_history_is_stripped_from_follow_ups():
    reply = (
        "It is entrance 2.\n\n> Which entrance is it?\n> Thanks\n\n"
        "On Mon, 2 Mar 2026 at 10:00, CivicDesk <requests@town.example> wrote:\n"
        "> older text"
    )
    assert strip_quoted_history(reply) == "It is entrance 2."
    russian = "Подъезд 2.\n\nПн, 2 мар. 2026 г. в 10:00, CivicDesk пишет:\n> Какой подъезд?"
    assert strip_quoted_history(russian) == "Подъезд 2."
    outlook = "See photo.\n-----Original Message-----\nFrom: requests@town.example\nSent: ..."
    assert strip_quoted_history(outlook) == "See photo."


def test_a_forward_with_nothing_written_above_it_is_kept_whole():
    forwarded = (
        "---- Original message ----\nFrom: Boris <boris@example.net>\n\n"
        "The bar on Lenina 9 plays loud music after midnight."
    )
    assert strip_quoted_history(forwarded) == forwarded
    assert strip_quoted_history("> only a quote\n") == ""
