"""Raw mail to InboundMail: CPython's own test corpus and hand-made messages of every charset."""

from __future__ import annotations

import base64
import sysconfig
from pathlib import Path

import pytest

from chalicelib.adapters.mime import html_to_text, parse_mail

CORPUS = sorted(
    (Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data").glob("msg_*.txt")
)


def test_the_corpus_is_there():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_message_parses_without_crashing(path):
    mail = parse_mail(path.read_bytes())
    assert isinstance(mail.text, str)
    for attachment in mail.attachments:
        assert attachment.filename
        assert attachment.size == len(attachment.content)


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("ascii") + b"\r\n\r\n" + body


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "iso-8859-5", "utf-8"])
def test_cyrillic_bodies_in_every_charset_real_mail_uses(charset):
    text = "Здравствуйте! На улице Ленина не горит фонарь."
    name = base64.b64encode("Анна".encode(charset)).decode()
    raw = _raw(
        f"From: =?{charset}?b?{name}?= <anna@example.org>\nSubject: =?utf-8?b?"
        f"{base64.b64encode('Не горит фонарь'.encode()).decode()}?=\n"
        f"Message-ID: <a1@example.org>\nContent-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: 8bit",
        text.encode(charset),
    )
    mail = parse_mail(raw)
    assert mail.text == text
    assert mail.subject == "Не горит фонарь"
    assert mail.sender == "anna@example.org"
    assert mail.sender_name == "Анна"
    assert mail.message_id == "<a1@example.org>"
    assert mail.language == "ru"


def test_an_unknown_charset_falls_back_without_losing_the_text():
    raw = _raw(
        "From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=x-unknown",
        "Яма на дороге".encode("windows-1251"),
    )
    mail = parse_mail(raw)
    assert mail.text == "Яма на дороге"
    assert mail.problems


def test_html_only_mail_becomes_readable_text():
    markup = (
        "<html><head><style>p{color:red}</style></head><body><p>Hello,</p>"
        "<p>The <b>streetlight</b> at Lenina&nbsp;5 is out.</p><ul><li>since Monday</li>"
        "</ul><script>alert(1)</script></body></html>"
    )
    raw = _raw(
        "From: a@example.org\nSubject: light\nContent-Type: text/html; charset=utf-8",
        markup.encode(),
    )
    mail = parse_mail(raw)
    assert mail.text == "Hello,\n\nThe streetlight at Lenina 5 is out.\n\n- since Monday"
    assert "alert" not in mail.text
    assert "color" not in mail.text


def test_alternative_prefers_plain_text_and_keeps_attachments_with_rfc2231_names():
    boundary, inner = "OUTER", "ALT"
    body = (
        f"--{boundary}\r\nContent-Type: multipart/alternative; boundary={inner}\r\n\r\n"
        f"--{inner}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain version\r\n"
        f"--{inner}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML version</p>\r\n"
        f"--{inner}--\r\n"
        f"--{boundary}\r\nContent-Type: image/jpeg\r\n"
        "Content-Disposition: attachment; filename*=utf-8''%D1%8F%D0%BC%D0%B0.jpg\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(b'JPEGDATA').decode()}\r\n"
        f"--{boundary}\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
        "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(b'PNGDATA').decode()}\r\n--{boundary}--\r\n"
    )
    answer = base64.b64encode("Ответ:".encode()).decode()
    raw = _raw(
        f"From: a@example.org\nSubject: Re: AW: =?utf-8?b?{answer}?= pothole "
        "[#2026-000042]\n"
        f"Content-Type: multipart/mixed; boundary={boundary}",
        body.encode(),
    )
    mail = parse_mail(raw)
    assert mail.text == "Plain version"
    photo, logo = mail.attachments
    assert (photo.filename, photo.content, photo.inline) == ("яма.jpg", b"JPEGDATA", False)
    assert (logo.content_id, logo.inline, logo.content_type) == ("logo@x", True, "image/png")
    assert mail.clean_subject == "pothole"
    assert mail.number_tag == "2026-000042"


def test_threading_headers_and_reply_to():
    raw = _raw(
        "From: Anna <Anna@Example.org>\nReply-To: requests@town.example, anna.home@"
        "example.org\nSubject: Re: your request\nIn-Reply-To: <our-1@town.example>\n"
        "References: <first@example.org> <our-1@town.example>\n"
        "Content-Type: text/plain",
        b"Thanks",
    )
    mail = parse_mail(raw)
    assert mail.sender == "anna@example.org"
    assert mail.reply_to == ("requests@town.example", "anna.home@example.org")
    assert mail.thread_ids == ("<our-1@town.example>", "<first@example.org>")


def test_delivery_reports_are_recognised():
    report = _raw(
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B",
        b"--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--B--\r\n",
    )
    assert parse_mail(report).is_delivery_report
    dsn = _raw(
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B",
        b"--B\r\nContent-Type: text/plain\r\n\r\nSorry\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; Gone@Example.org\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n"
        b"Final-Recipient: rfc822; slow@example.org\r\nAction: delayed\r\n"
        b"Status: 4.4.1\r\n--B--\r\n",
    )
    assert parse_mail(dsn).failed_recipients == ("gone@example.org",)
    failed = _raw(
        "From: a@example.org\nX-Failed-Recipients: gone@example.org\nSubject: x\n"
        "Content-Type: text/plain",
        b"x",
    )
    assert parse_mail(failed).failed_recipients == ("gone@example.org",)


def test_html_to_text_collapses_whitespace_and_unescapes():
    assert html_to_text("<div>a&amp;b</div>\n\n\n<div>  c   d </div>") == "a&b\n\nc d"


def test_a_delivery_report_names_the_message_it_returns():
    """CPython's own msg_16.txt: a real DSN with the returned message attached."""
    import email
    from pathlib import Path

    data = Path(email.__file__).parent.parent / "test" / "test_email" / "data" / "msg_16.txt"
    mail = parse_mail(data.read_bytes())
    assert mail.is_delivery_report
    assert mail.failed_recipients == ("jangel1@cougar.noc.ucla.edu",)
    assert mail.returned_message_ids == ("<002001c144a6$8752e060$56104586@oxy.edu>",)


def test_returned_headers_alone_also_name_the_message():
    report = _raw(
        "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B",
        b"--B\r\nContent-Type: text/plain\r\n\r\nSorry\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: Town Hall <requests@town.example>\r\n"
        b"Message-ID: <2026-000042.0003.clarification@town.example>\r\n\r\n"
        b"--B--\r\n",
    )
    assert parse_mail(report).returned_message_ids == (
        "<2026-000042.0003.clarification@town.example>",
    )
